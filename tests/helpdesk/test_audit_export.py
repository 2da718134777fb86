"""The audit export (issue 21): ticket events and admin actions for a period, as CSV and JSON, for
helpdesk admins only; SLA configuration imports are recorded with who."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command

from helpdesk.audit import COLUMNS
from tickets.models import TicketEvent
from tickets.services.assign import ticket_assign
from tickets.services.create import ticket_create

pytestmark = pytest.mark.django_db

IN_MARCH = datetime(2026, 3, 6, 15, 30, tzinfo=UTC)
IN_FEBRUARY = datetime(2026, 2, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
def history(customer, tech, lead, admin_user, priorities, client):
    """A ticket filed and assigned in March, one filed in February, and an admin edit in March."""
    march = ticket_create(
        requester=customer, subject="Printer on fire", priority=priorities["normal"], now=IN_MARCH
    )
    ticket_assign(ticket=march, agent=tech, by=lead, now=IN_MARCH + timedelta(minutes=5))
    february = ticket_create(
        requester=customer, subject="Old one", priority=priorities["low"], now=IN_FEBRUARY
    )
    with time_machine.travel(IN_MARCH + timedelta(hours=1), tick=False):
        client.force_login(admin_user)
        page = client.get(f"/admin/sla/prioritylevel/{priorities['low'].pk}/change/")
        assert page.status_code == 200
        form = {"name": "Low-ish", "slug": "low", "rank": 4, "colour": priorities["low"].colour}
        client.post(f"/admin/sla/prioritylevel/{priorities['low'].pk}/change/", form)
        client.logout()
    return march, february


def _csv(response) -> list[dict]:
    """The desk's CSV (headers in the reader's words) keyed by the export's column names."""
    header, *lines = csv.reader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert len(header) == len(COLUMNS) and header[0].startswith("Time (")
    return [dict(zip(COLUMNS, line, strict=True)) for line in lines]


def test_an_admin_downloads_the_periods_events_and_admin_actions_as_csv_and_json(client, admin_user, history):
    march, february = history
    assert LogEntry.objects.exists(), "the admin edit was recorded"
    client.force_login(admin_user)
    response = client.get("/desk/audit/?from=2026-03-01&to=2026-03-31&format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="audit-2026-03-01-2026-03-31.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    tickets = {r["object"] for r in rows if r["source"] == "ticket"}
    assert tickets == {march.reference}  # February's ticket is outside the period
    assign = next(r for r in rows if r["action"] == "assignee")
    assert (assign["actor"], assign["old_value"], assign["new_value"]) == (
        "lead@helpdesk.test",
        "",
        "Taylor Tech",
    )
    admin_rows = [r for r in rows if r["source"] == "admin"]
    assert admin_rows and admin_rows[0]["actor"] == "admin@helpdesk.test"
    assert "sla.prioritylevel" in admin_rows[0]["object"] and admin_rows[0]["action"] == "changed"
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)

    as_json = client.get("/desk/audit/?from=2026-03-01&to=2026-03-31&format=json")
    data = json.loads(b"".join(as_json.streaming_content))
    assert [(r["source"], r["action"], r["object"]) for r in data] == [
        (r["source"], r["action"], r["object"]) for r in rows
    ]
    february_only = json.loads(
        b"".join(client.get("/desk/audit/?from=2026-02-01&to=2026-02-28&format=json").streaming_content)
    )
    assert {r["object"] for r in february_only} == {february.reference}


@pytest.mark.parametrize("who", ["customer", "tech", "lead"])
def test_only_helpdesk_admins_may_export(client, request, history, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/desk/audit/?from=2026-03-01&to=2026-03-31&format=csv").status_code == 404
    assert client.get("/desk/audit/").status_code == 404


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get("/desk/audit/?format=json")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_page_offers_the_period_and_refuses_a_reversed_one(client, admin_user):
    client.force_login(admin_user)
    assert "Download CSV" in client.get("/desk/audit/").content.decode()
    reversed_ = client.get("/desk/audit/?from=2026-03-31&to=2026-03-01&format=csv")
    assert reversed_.status_code == 200 and "after the end day" in reversed_.content.decode()


def test_a_cell_a_spreadsheet_would_run_is_defused(client, admin_user, customer, priorities, lead):
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=IN_MARCH)
    TicketEvent.objects.create(
        ticket=ticket, kind="edited", actor=lead, reason='=HYPERLINK("http://evil")', created_at=IN_MARCH
    )
    client.force_login(admin_user)
    rows = _csv(client.get("/desk/audit/?from=2026-03-01&to=2026-03-31&format=csv"))
    assert any(r["detail"] == '\'=HYPERLINK("http://evil")' for r in rows)


def test_the_command_writes_the_same_export(history, tmp_path):
    out = tmp_path / "march.json"
    call_command(
        "audit_export", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "json", "--output", str(out)
    )
    data = json.loads(out.read_text())
    assert {r["source"] for r in data} == {"ticket", "admin"}
    stdout = StringIO()
    call_command("audit_export", "--from", "2026-02-01", "--to", "2026-02-28", stdout=stdout)
    assert stdout.getvalue().splitlines()[0] == "at,source,actor,action,object,old_value,new_value,detail"
    with pytest.raises(CommandError):
        call_command("audit_export", "--from", "2026-03-31", "--to", "2026-03-01")


def test_an_sla_import_is_recorded_with_who_and_shows_in_the_export(admin_user, tech, client):
    with time_machine.travel(IN_MARCH, tick=False):
        call_command("sla_import", "--preset", "managed-it", "--by", "admin@helpdesk.test", stdout=StringIO())
    entry = LogEntry.objects.get()
    assert entry.user == admin_user and entry.action_time == IN_MARCH
    assert (
        "SLA configuration import: managed-it" in entry.object_repr and "plans" in entry.get_change_message()
    )
    with pytest.raises(CommandError):
        call_command(
            "sla_import", "--preset", "managed-it", "--by", "nobody@helpdesk.test", stdout=StringIO()
        )
    client.force_login(admin_user)
    rows = _csv(client.get("/desk/audit/?from=2026-03-06&to=2026-03-06&format=csv"))
    assert [(r["actor"], r["object"]) for r in rows if r["source"] == "admin"] == [
        ("admin@helpdesk.test", "sla.supportplan SLA configuration import: managed-it")
    ]
