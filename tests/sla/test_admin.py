"""The SLA admin: the plan's table as a grid with durations typed as 4h/30m, and the what-if page."""

from datetime import timedelta

import pytest

from sla.models import SLATarget
from tests.factories import PlanFactory


def grid_post(plan, rows, existing=0):
    data = {
        "name": plan.name,
        "slug": plan.slug,
        "description": "",
        "first_response_met_by": "reply",
        "customer_edit": "new_or_breached",
        "time_tracking": "optional",
        "targets-TOTAL_FORMS": str(len(rows)),
        "targets-INITIAL_FORMS": str(existing),
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
        "job_policy-TOTAL_FORMS": "0",
        "job_policy-INITIAL_FORMS": "0",
        "job_policy-MIN_NUM_FORMS": "0",
        "job_policy-MAX_NUM_FORMS": "1",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"targets-{i}-{key}"] = value
        data[f"targets-{i}-plan"] = plan.pk
    return data


@pytest.mark.django_db
def test_the_plan_page_shows_one_grid_row_per_priority(client, admin_user, plan, priorities):
    bare = PlanFactory(slug="bare", name="Bare")
    client.force_login(admin_user)
    page = client.get(f"/admin/sla/supportplan/{plan.pk}/change/").content.decode()
    assert (
        'value="30m"' in page and 'value="24h"' in page and 'value="40h"' in page
    )  # Urgent 30m/24h, Normal 40h
    page = client.get(f"/admin/sla/supportplan/{bare.pk}/change/")
    assert page.context["inline_admin_formsets"][0].formset.total_form_count() == 4
    assert [f.initial["priority"] for f in page.context["inline_admin_formsets"][0].formset.forms] == [
        priorities[s].pk for s in ("urgent", "high", "normal", "low")
    ]


@pytest.mark.django_db
def test_durations_are_typed_as_text_and_bad_ones_are_explained(client, admin_user, plan, priorities):
    bare = PlanFactory(slug="bare", name="Bare")
    office = plan.targets.get(priority__slug="normal").calendar
    client.force_login(admin_user)
    rows = [
        {
            "priority": priorities["urgent"].pk,
            "first_response": "1h30m",
            "resolution": "2d",
            "calendar": office.pk,
        },
        {
            "priority": priorities["high"].pk,
            "first_response": "soon",
            "resolution": "",
            "calendar": office.pk,
        },
        {"priority": priorities["normal"].pk, "first_response": "", "resolution": "", "calendar": ""},
        {"priority": priorities["low"].pk, "first_response": "", "resolution": "", "calendar": ""},
    ]
    response = client.post(f"/admin/sla/supportplan/{bare.pk}/change/", grid_post(bare, rows))
    assert response.status_code == 200
    assert "&#x27;soon&#x27; is not a duration; write e.g. 45m, 4h, 2d or 1h30m" in response.content.decode()
    assert not SLATarget.objects.filter(plan=bare).exists()
    rows[1]["first_response"] = "4h"
    response = client.post(f"/admin/sla/supportplan/{bare.pk}/change/", grid_post(bare, rows))
    assert response.status_code == 302
    saved = {t.priority.slug: (t.first_response, t.resolution) for t in SLATarget.objects.filter(plan=bare)}
    assert saved == {"urgent": (timedelta(minutes=90), timedelta(days=2)), "high": (timedelta(hours=4), None)}


@pytest.mark.django_db
def test_the_what_if_page_shows_both_due_times_and_why(client, admin_user, plan, priorities):
    client.force_login(admin_user)
    assert "/admin/sla/supportplan/what-if/" in client.get("/admin/sla/supportplan/").content.decode()
    response = client.get(
        "/admin/sla/supportplan/what-if/",
        {
            "plan": plan.pk,
            "priority": priorities["normal"].pk,
            "received_at": "2026-03-06T16:45:00+00:00",
            "timezone": "UTC",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Mon 09 Mar 2026 12:15 UTC" in page  # first response: 45 min Friday, 3 h 15 Monday
    assert "Fri 13 Mar 2026 14:15 UTC" in page  # resolution, 40 business hours
    assert "Counted: Fri 06 Mar 16:45-17:30; Mon 09 Mar 09:00-12:15" in page


@pytest.mark.django_db
def test_the_what_if_page_explains_bad_input(client, admin_user, plan, priorities):
    client.force_login(admin_user)
    response = client.get(
        "/admin/sla/supportplan/what-if/",
        {
            "plan": plan.pk,
            "priority": priorities["normal"].pk,
            "received_at": "friday",
            "timezone": "Mars/Base",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "is not an IANA time zone" in page
    response = client.get(
        "/admin/sla/supportplan/what-if/",
        {"plan": plan.pk, "priority": priorities["normal"].pk, "received_at": "friday", "timezone": "UTC"},
    )
    assert "is not ISO 8601" in response.content.decode()


@pytest.mark.django_db
def test_the_what_if_link_from_a_plan_opens_an_unbound_form(client, admin_user, plan):
    client.force_login(admin_user)
    response = client.get("/admin/sla/supportplan/what-if/", {"plan": plan.pk})
    assert response.status_code == 200
    assert not response.context["form"].is_bound
    assert "This field is required" not in response.content.decode()


@pytest.mark.django_db
def test_the_what_if_page_explains_in_the_admins_language(client, admin_user, plan, priorities):
    admin_user.language = "de"
    admin_user.save()
    client.force_login(admin_user)
    page = client.get(
        "/admin/sla/supportplan/what-if/",
        {
            "plan": plan.pk,
            "priority": priorities["normal"].pk,
            "received_at": "2026-03-06T16:45:00+00:00",
            "timezone": "UTC",
        },
    ).content.decode()
    assert "Gezählt im Kalender „office“ (Europe/London)." in page
    assert "Gezählt: Fr 06 Mär 16:45-17:30; Mo 09 Mär 09:00-12:15" in page
    assert "Lösung: 40 Geschäftsstunden, fällig Fr 13 Mär 2026 14:15 GMT" in page
