import csv
import io
import json
from datetime import timedelta

import pytest
from django.urls import reverse

from tests.conftest import NOW
from tickets.dashboard import dashboard_window, sla_dashboard
from tickets.models import Status, SurveyResponse
from tickets.services import message_add, ticket_assign, ticket_change_status, ticket_reclassify

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(hours=2)  # Friday 17:30


@pytest.fixture
def history(make_ticket, tech, priorities, globex_customer):
    """Four tickets this week, one last week, with known outcomes."""
    met = make_ticket("fr met", "urgent", minutes_ago=60)
    message_add(ticket=met, author=tech, body="On it", now=NOW - timedelta(minutes=50))  # 10 min: met
    ticket_change_status(ticket=met, status=Status.RESOLVED, by=tech, now=NOW)  # resolved in 1 h: met
    late = make_ticket("fr late", "urgent", minutes_ago=120, requester=globex_customer)
    ticket_assign(ticket=late, agent=tech, by=tech, now=NOW - timedelta(minutes=100))
    message_add(ticket=late, author=tech, body="Sorry", now=NOW - timedelta(minutes=30))  # 90 min: breached
    never = make_ticket(
        "never answered", "urgent", minutes_ago=180
    )  # re-classified High after its 13:00 due: the breach stands, unanswered
    ticket_reclassify(ticket=never, priority=priorities["high"], by=tech, reason="one site only", now=NOW)
    make_ticket("pending", "normal", minutes_ago=0)  # due Monday: pending
    last_week = make_ticket("last week", "normal", minutes_ago=7 * 24 * 60)
    message_add(ticket=last_week, author=tech, body="Hi", now=NOW - timedelta(days=7) + timedelta(hours=1))
    for rating, t in ((5, met), (2, late)):
        SurveyResponse.objects.create(
            ticket=t,
            token_hash=f"h{rating}",
            sent_at=NOW,
            expires_at=NOW + timedelta(days=30),
            rating=rating,
            answered_at=NOW + timedelta(minutes=5),
        )
    return met, late, never


def test_window_starts_on_a_monday(now):
    assert dashboard_window(now=now, weeks=1).isoformat() == "2026-03-02T00:00:00+00:00"
    assert dashboard_window(now=now, weeks=2).isoformat() == "2026-02-23T00:00:00+00:00"


def test_compliance_by_priority_plan_and_week(history):
    data = sla_dashboard(now=LATER, weeks=2)
    by_priority = {c.key: c for c in data["by_priority"]}
    assert [c.key for c in data["by_priority"]] == ["Urgent", "High", "Normal"]
    urgent = by_priority["Urgent"]
    assert (urgent.fr_met, urgent.fr_breached, urgent.fr_pct) == (1, 1, 50.0)
    assert (urgent.res_met, urgent.res_pending) == (1, 1)
    assert (by_priority["High"].fr_breached, by_priority["High"].fr_pct) == (1, 0.0)
    normal = by_priority["Normal"]
    assert (normal.fr_met, normal.fr_pending, normal.fr_pct) == (1, 1, 100.0)
    assert [(c.key, c.fr_met, c.fr_breached) for c in data["by_week"]] == [
        ("2026-W09", 1, 0),
        ("2026-W10", 1, 2),
    ]
    assert [(c.key, c.fr_met + c.fr_breached + c.fr_pending) for c in data["by_plan"]] == [("Enterprise", 5)]


def test_breaches_come_with_their_reasons(history):
    met, late, never = history
    breaches = {b["subject"]: b for b in sla_dashboard(now=LATER, weeks=2)["breaches"]}
    assert set(breaches) == {"fr late", "never answered", "last week"}
    assert breaches["fr late"]["reasons"] == ["first response late by 1 h 00 min"]
    assert breaches["never answered"]["reasons"] == [
        # Urgent, received 12:30, due 13:00; re-classified High at 15:30, after the miss: the breach
        # stands (README, events and clocks), so still outstanding at 17:30 by 4 h 30 min.
        "first response still outstanding by 4 h 30 min",
        "never assigned",
        "priority re-classified (running deadlines recomputed, pauses left out)",
    ]
    assert breaches["last week"]["target"] == "resolution"  # 40 business hours ran out on Friday 13:00


def test_backlog_by_age_and_medians_and_csat(history):
    data = sla_dashboard(now=LATER, weeks=2)
    backlog = {b["priority"]: b["counts"] for b in data["backlog"]}
    assert backlog["Urgent"] == [0, 1, 0, 0, 0, 0]  # "fr late", received 13:30, is exactly 4 h old at 17:30
    assert backlog["Normal"] == [1, 0, 0, 0, 1, 0]  # just in, and seven days and two hours old
    medians = {m["priority"]: m for m in data["medians"]}
    # Read off histograms (tickets.dashboard): within 2.2 % (+ 30 s) of the exact median.
    assert abs(medians["Urgent"]["first_response"] - 50 * 60) <= 0.022 * 50 * 60 + 30  # 10 and 90 min
    assert abs(medians["Urgent"]["resolution"] - 60 * 60) <= 0.022 * 60 * 60 + 30
    assert medians["Urgent"]["first_response_n"] == 2 and medians["Urgent"]["resolution_n"] == 1
    assert data["reclassified"] == [
        {
            "organization_id": history[0].organization_id,
            "organization": "Acme",
            "barred": False,
            "tickets": 4,
            "reclassified": 1,
            "pct": 25.0,
        }
    ]
    assert data["csat"] == {
        "answered": 2,
        "average": 3.5,
        "satisfied_pct": 50.0,
        "distribution": [0, 1, 0, 0, 1],
    }


# session, user, the user's groups (the lead check), the roll-up's days, the whole weeks' rows, the other
# days' rows, today live (compliance and medians from those four), the backlog snapshot, breaches, csat,
# re-classifications, and the site-wide incident banner. (A backlog snapshot older than 5 minutes adds
# its live count.)
DASHBOARD_QUERIES = 12


def test_dashboard_page_has_constant_queries_and_chart_data(client, lead, history, django_assert_num_queries):
    import time_machine

    from tickets.jobs import dashboard_rollup

    client.force_login(lead)
    with time_machine.travel(LATER, tick=False):
        dashboard_rollup(now=LATER)  # as beat keeps it: the backlog snapshot is fresh
        with django_assert_num_queries(DASHBOARD_QUERIES):
            response = client.get(reverse("desk:dashboard"), {"weeks": "2"})
    html = response.content.decode()
    assert 'src="/static/vendor/chart-4.6.1.umd.min.js"' in html
    start = html.index('<script id="sla-chart-data" type="application/json">') + len(
        '<script id="sla-chart-data" type="application/json">'
    )
    chart = json.loads(html[start : html.index("</script>", start)])
    assert chart["weeks"] == ["2026-W09", "2026-W10"] and chart["fr_by_priority"] == [50.0, 0.0, 100.0]


def test_dashboard_csv_export(client, lead, history):
    import time_machine

    client.force_login(lead)
    with time_machine.travel(LATER, tick=False):
        response = client.get(reverse("desk:dashboard_csv"), {"weeks": "2"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    urgent = next(r for r in rows if r["Week"] == "2026-W10" and r["Priority"] == "Urgent")
    assert (
        urgent["First response met"],
        urgent["First response breached"],
        urgent["First response compliance %"],
    ) == ("1", "1", "50.0")
    assert {r["Plan"] for r in rows} == {"Enterprise"}


def test_dashboard_with_no_tickets_renders(client, lead, plan):
    client.force_login(lead)
    response = client.get(reverse("desk:dashboard"), {"weeks": "nonsense"})
    assert response.status_code == 200 and b"No tickets in this window." in response.content
