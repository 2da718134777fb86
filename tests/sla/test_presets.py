"""Each seed policy as a preset: it imports, exports losslessly, and its deadlines are the seed's targets."""

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from sla.config import dump_yaml, sla_config_export, sla_config_import
from sla.models import AlertRule, PriorityLevel, SupportPlan
from sla.selectors import job_policy_for, sla_deadlines

PRESETS = ["voice-platform", "managed-it", "saas-tiers", "clinical-levels", "telephony-categories"]


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def load(name):
    call_command("sla_import", "--preset", name, stdout=StringIO())


def due(plan, priority, received_at):
    d = sla_deadlines(
        plan=SupportPlan.objects.get(slug=plan),
        priority=PriorityLevel.objects.get(slug=priority),
        start=received_at,
    )
    return d.first_response_due_at, d.resolution_due_at


def db_snapshot():
    """Every configuration row as plain values, without ids (alert rules are recreated on import)."""
    from sla.models import BusinessHours, Calendar, EscalationContact, Holiday, JobPolicy, SLATarget

    def rows(model, *fields):
        return sorted(tuple(str(v) for v in r) for r in model.objects.values_list(*fields))

    return {
        "calendars": rows(
            Calendar, "name", "timezone", "always_open", "country_holidays", "country_subdivision"
        ),
        "hours": rows(BusinessHours, "calendar__name", "weekday", "start", "end"),
        "holidays": rows(Holiday, "calendar__name", "date", "name"),
        "priorities": rows(
            PriorityLevel,
            "slug",
            "name",
            "rank",
            "definition",
            "examples",
            "colour",
            "advise_phone",
            "is_default",
        ),
        "plans": rows(SupportPlan, "slug", "name", "description", "is_default"),
        "targets": rows(
            SLATarget, "plan__slug", "priority__slug", "first_response", "resolution", "calendar__name"
        ),
        "contacts": rows(EscalationContact, "name", "role", "email", "phone", "webhook_url", "active"),
        "alerts": rows(
            AlertRule,
            "name",
            "event",
            "priority__slug",
            "target",
            "threshold_percent",
            "audience",
            "channel",
            "timing",
            "office_calendar__name",
            "webhook_url",
            "active",
        ),
        "jobs": rows(
            JobPolicy,
            "plan__slug",
            "calendar__name",
            "assignment_deadline",
            "stale_after",
            "customer_reminder_every",
            "customer_reminder_max",
            "waiting_close_after",
            "resolved_close_after",
            "reopen_window",
            "survey_enabled",
            "survey_valid_for",
        ),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_imports_and_round_trips_losslessly(name):
    load(name)
    before_rows, exported = db_snapshot(), sla_config_export()
    text = dump_yaml(exported)
    sla_config_import(text=text)
    assert db_snapshot() == before_rows
    assert sla_config_export() == exported
    out = StringIO()
    call_command("sla_export", stdout=out)
    assert out.getvalue() == text


@pytest.mark.django_db
def test_presets_import_one_over_another_keeping_one_default():
    for name in PRESETS:
        load(name)
    assert PriorityLevel.objects.filter(is_default=True).count() == 1
    assert SupportPlan.objects.filter(is_default=True).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("plan", "priority", "received_at", "first_response", "resolution"),
    [
        # Urgent: 1 h around the clock (our documented choice; the policy states no times)
        ("standard", "urgent", utc(2026, 3, 7, 3), utc(2026, 3, 7, 4), None),
        # High: 4 business hours, New York Mon-Fri 09:00-18:00 (Fri 11:45 EST -> 15:45 EST)
        ("standard", "high", utc(2026, 3, 6, 16, 45), utc(2026, 3, 6, 20, 45), None),
        # Normal: 8 business hours across the weekend and the DST change (Mon 14:00 EDT)
        ("standard", "normal", utc(2026, 3, 6, 20), utc(2026, 3, 9, 18), None),
        # Low: 24 business hours across Christmas Day (a US holiday)
        ("standard", "low", utc(2026, 12, 24, 15), utc(2026, 12, 29, 21), None),
    ],
)
def test_voice_platform_deadlines(plan, priority, received_at, first_response, resolution):
    load("voice-platform")
    assert due(plan, priority, received_at) == (first_response, resolution)
    assert PriorityLevel.default().slug == "normal"  # no priority given means Normal


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("priority", "received_at", "first_response"),
    [
        ("normal", utc(2026, 3, 4, 14), utc(2026, 3, 4, 15)),  # assigned within the hour, Wed 09:00 EST
        (
            "urgent",
            utc(2026, 3, 6, 21, 30),
            utc(2026, 3, 9, 12, 30),
        ),  # Fri 16:30 EST: half an hour left, Mon 08:30 EDT
        ("low", utc(2026, 1, 19, 14), utc(2026, 1, 20, 14)),  # Martin Luther King Day is closed
    ],
)
def test_managed_it_assigns_within_one_business_hour(priority, received_at, first_response):
    load("managed-it")
    assert due("managed", priority, received_at) == (first_response, None)


@pytest.mark.django_db
def test_managed_it_jobs_carry_assignment_reminders_and_auto_close():
    load("managed-it")
    policy = job_policy_for(SupportPlan.objects.get(slug="managed"))
    assert policy.assignment_deadline.total_seconds() == 3600
    assert policy.stale_after and policy.customer_reminder_every and policy.customer_reminder_max == 3
    assert policy.waiting_close_after.days == 8
    assert AlertRule.objects.filter(event="unassigned", audience="team_leads").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("plan", "priority", "received_at", "first_response"),
    [
        # Urgent 12 business hours (Los Angeles Mon-Fri 09:00-17:00): Mon 09:00 PST -> Tue 13:00 PST
        ("enterprise", "urgent", utc(2026, 3, 2, 17), utc(2026, 3, 3, 21)),
        # High 18 h from Fri 13:00 PST: 4 h Fri, 8 h Mon (now PDT), 6 h Tue -> Tue 15:00 PDT
        ("essentials", "high", utc(2026, 3, 6, 21), utc(2026, 3, 10, 22)),
        # Normal 24 h from Mon 09:00: runs out exactly at Wednesday's closing, 17:00 PST
        ("basic", "normal", utc(2026, 3, 2, 17), utc(2026, 3, 5, 1)),
        # Low 48 h across Thanksgiving: Mon-Wed, Fri, Mon, Tue -> Tue 1 Dec 17:00 PST
        ("basic", "low", utc(2026, 11, 23, 17), utc(2026, 12, 2, 1)),
    ],
)
def test_saas_tiers_first_response_in_business_hours(plan, priority, received_at, first_response):
    load("saas-tiers")
    assert due(plan, priority, received_at) == (first_response, None)


@pytest.mark.django_db
def test_saas_tiers_close_after_two_weeks_and_survey():
    load("saas-tiers")
    for plan in SupportPlan.objects.all():
        policy = job_policy_for(plan)
        assert policy.waiting_close_after.days == 14
        assert policy.survey_enabled is True
    assert AlertRule.objects.get(event="escalated").audience == "leadership"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("priority", "received_at", "first_response", "resolution"),
    [
        ("level-1", utc(2026, 3, 7, 10), utc(2026, 3, 7, 11), utc(2026, 3, 8, 10)),
        ("level-2", utc(2026, 3, 6, 15, 30), utc(2026, 3, 6, 17, 30), utc(2026, 3, 9, 15, 30)),
        ("level-3", utc(2026, 3, 6, 15, 30), utc(2026, 3, 6, 19, 30), utc(2026, 3, 11, 15, 30)),
        ("level-4", utc(2026, 3, 6, 15, 30), utc(2026, 3, 8, 15, 30), utc(2026, 3, 16, 15, 30)),
    ],
)
def test_clinical_levels_first_response_and_resolution(priority, received_at, first_response, resolution):
    load("clinical-levels")
    assert due("standard", priority, received_at) == (first_response, resolution)


@pytest.mark.django_db
def test_clinical_levels_advise_phone_for_levels_one_and_two():
    load("clinical-levels")
    assert list(PriorityLevel.objects.filter(advise_phone=True).values_list("slug", flat=True)) == [
        "level-1",
        "level-2",
    ]
    assert list(PriorityLevel.objects.values_list("name", flat=True)) == [
        "Level 1",
        "Level 2",
        "Level 3",
        "Level 4",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("priority", "received_at", "first_response"),
    [
        ("urgent", utc(2026, 3, 7, 3), utc(2026, 3, 7, 3, 30)),  # 30 min, any hour
        ("high", utc(2026, 3, 8, 5), utc(2026, 3, 8, 7)),  # 2 h, any hour (a Sunday)
        ("normal", utc(2026, 3, 6, 21), utc(2026, 3, 9, 14)),  # 4 office hours: 2 h Friday, 2 h Monday (EDT)
        ("normal", utc(2026, 7, 3, 14), utc(2026, 7, 6, 16)),  # Independence Day observed Friday 3 July
    ],
)
def test_telephony_categories_response_times(priority, received_at, first_response):
    load("telephony-categories")
    assert due("standard", priority, received_at) == (first_response, None)


@pytest.mark.django_db
def test_telephony_categories_alert_rules_follow_the_escalation_procedure():
    load("telephony-categories")
    assert list(PriorityLevel.objects.values_list("name", flat=True)) == [
        "10 - Urgent",
        "7 - High",
        "5 - Normal",
    ]
    rules = {
        (r.priority.slug, r.audience, r.channel, r.timing) for r in AlertRule.objects.filter(event="created")
    }
    assert rules == {
        ("urgent", "on_call", "page", "always"),
        ("urgent", "directors", "email", "always"),
        ("urgent", "managing_director", "email", "always"),
        ("high", "on_call", "page", "out_of_hours"),
        ("high", "directors", "email", "always"),
        ("normal", "duty", "email", "in_hours"),
    }
    assert job_policy_for(SupportPlan.objects.get(slug="standard")).resolved_close_after.days == 5
