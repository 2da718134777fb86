"""Admin pages a newcomer meets first: the priority colour is picked, not typed, and only "#rrggbb" is
saved; the what-if page writes targets in business hours, never as calendar days."""

from datetime import timedelta

import pytest

from sla.models import PriorityLevel, SLATarget
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def _level_post(level, colour):
    return {
        "slug": level.slug,
        "name": level.name,
        "rank": level.rank,
        "colour": colour,
        "definition": level.definition or "",
        "examples": "[]",
    }


def test_the_priority_colour_is_a_colour_input_and_only_hex_is_saved(client, admin_user, priorities):
    client.force_login(admin_user)
    level = priorities["low"]
    url = f"/admin/sla/prioritylevel/{level.pk}/change/"
    page = client.get(url).content.decode()
    assert 'type="color"' in page.split('name="colour"')[0].rsplit("<input", 1)[1]

    # "blue-is" is what a 7-character text box kept of "blue-ish".
    refused = client.post(url, _level_post(level, "blue-is"))
    assert refused.status_code == 200 and "Enter a colour as #rrggbb" in refused.content.decode()
    assert client.post(url, _level_post(level, "#1d4ed8")).status_code == 302
    level.refresh_from_db()
    assert level.colour == "#1d4ed8"


def test_the_api_refuses_a_colour_that_is_not_hex(admin_user, priorities):
    response = token_client(admin_user).patch(
        f"/api/priorities/{priorities['low'].slug}/", {"colour": "blue-is"}, format="json"
    )
    assert response.status_code == 400 and "colour" in response.json()
    assert PriorityLevel.objects.get(slug="low").colour != "blue-is"


def test_the_what_if_page_writes_120_business_hours_not_days(client, admin_user, plan, priorities):
    SLATarget.objects.filter(plan=plan, priority=priorities["normal"]).update(resolution=timedelta(hours=120))
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
    assert "Resolution: 120 business hours, due" in page
    assert "5 days" not in page and "0:00:00" not in page
    assert "First response: 4 business hours, due" in page
    urgent = client.get(
        "/admin/sla/supportplan/what-if/",
        {
            "plan": plan.pk,
            "priority": priorities["urgent"].pk,
            "received_at": "2026-03-06T16:45:00+00:00",
            "timezone": "UTC",
        },
    ).content.decode()
    assert "First response: 30 minutes round the clock" in urgent
