"""factory_boy factories shared by every test module."""

from datetime import UTC, datetime, time, timedelta

import factory
from django.contrib.auth.models import Group

from accounts.models import Organization, User
from sla.models import BusinessHours, Calendar, PriorityLevel, SLATarget, SupportPlan


class CalendarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Calendar
        django_get_or_create = ("name",)

    name = "always"
    timezone = "UTC"
    always_open = True


def office_calendar(
    name: str = "office", tz: str = "Europe/London", start=time(9), end=time(17, 30)
) -> Calendar:
    cal, created = Calendar.objects.get_or_create(name=name, defaults={"timezone": tz})
    if created:
        for day in range(5):
            BusinessHours.objects.create(calendar=cal, weekday=day, start=start, end=end)
    return cal


class PriorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriorityLevel
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"level-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    rank = factory.Sequence(lambda n: n + 1)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportPlan
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SLATarget

    plan = factory.SubFactory(PlanFactory)
    priority = factory.SubFactory(PriorityFactory)
    first_response = timedelta(hours=1)
    resolution = timedelta(hours=8)
    calendar = factory.SubFactory(CalendarFactory)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    customer_number = factory.Sequence(lambda n: str(1000 + n))
    name = factory.Sequence(lambda n: f"Org {n}")
    plan = factory.SubFactory(PlanFactory)
    email_domains = factory.LazyAttribute(lambda o: [f"org{o.customer_number}.test"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    username = factory.LazyAttribute(lambda o: o.email)
    full_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CustomerFactory(UserFactory):
    organization = factory.SubFactory(OrganizationFactory)
    email = factory.LazyAttributeSequence(lambda o, n: f"customer{n}@{o.organization.email_domains[0]}")
    # A customer who followed the verification link (pass None for one who has not: they see nothing).
    email_verified_at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class StaffFactory(UserFactory):
    is_staff = True
    email = factory.Sequence(lambda n: f"tech{n}@helpdesk.test")

    @factory.post_generation
    def group(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(Group.objects.get_or_create(name=extracted or "Technicians")[0])


def api_key(user) -> str:
    """A fresh API key for ``user`` (as ``POST /api/auth/token/`` would issue), for ``Authorization: Token``."""
    from django.utils import timezone

    from accounts.tokens import token_issue

    return token_issue(user=user, now=timezone.now())[1]


def portal_filing(priority, **fields) -> dict:
    """A complete POST for the portal's default request form (the voice-platform template's fields)."""
    data = {
        "subject": "Inbound calls fail",
        "priority": priority.pk,
        "rf_product": "Fuse",
        "rf_numbers_dialed": "+44 20 7946 0001",
        "rf_numbers_calling": "+1 212 555 0100",
        "rf_start_date": "2026-03-05",
        "rf_pattern": "Intermittent",
        "rf_frequency": "Every few calls",
        "rf_details": "Callers hear silence then the line drops.",
    }
    data.update(fields)
    return data
