"""Reasons the desk stores and people read later, each in their own language (issue 22): auto-assignment's
reason, what rules and macros write on a ticket's history, why a mail was held for staff. They are kept in
English with their message id and values (``tickets.reasons``) and worded for each reader: on the desk's
pages, in the API, in the customer's mail. Rows stored before still read as they were written."""

from html import unescape

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from accounts.models import Team
from automation.models import Macro, Rule
from automation.services import macro_apply
from notifications.models import Notification
from tests.api.conftest import token_client
from tests.conftest import NOW
from tests.notifications.mailkit import raw_mail
from tickets.desk.history import explain_events
from tickets.intake.service import email_ingest
from tickets.models import InboundEmail, Ticket, TicketEvent
from tickets.reasons import Reason, event_reason, inbound_detail, reworded
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def _speaks(person, language):
    person.language = language
    person.save()
    return person


def _page(client, person, url) -> str:
    client.force_login(person)
    with time_machine.travel(NOW, tick=False):
        return unescape(client.get(url).content.decode())


def _api_reasons(person, ticket) -> dict[str, str]:
    """The API's events of the ticket: kind -> reason (the last of each kind)."""
    body = token_client(person).get(f"/api/tickets/{ticket.pk}/events/").json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row["kind"]: row["reason"] for row in rows}


@pytest.fixture
def voice(tech):
    team = Team.objects.create(name="Voice", auto_assign=Team.AutoAssign.ROUND_ROBIN, receives_unrouted=True)
    team.members.add(tech)
    return team


def test_auto_assignments_reason_reads_in_each_technicians_language_on_the_page_and_in_the_api(
    client, customer, priorities, tech, lead, voice
):
    ticket = ticket_create(requester=customer, subject="No dial tone", priority=priorities["normal"], now=NOW)
    event = Ticket.objects.get(pk=ticket.pk).events.get(kind=TicketEvent.Kind.ASSIGNEE)
    assert event.reason == "auto-assigned: round robin in Voice"  # the stored text stays English
    assert event.data["reason"]["msgid"] == "auto-assigned: %(why)s"
    url = reverse("desk:ticket_detail", args=[ticket.pk])

    _speaks(lead, "de")
    assert "automatisch zugewiesen: reihum in Voice" in _page(client, lead, url)
    assert _api_reasons(lead, ticket)["assignee"] == "automatisch zugewiesen: reihum in Voice"
    english = _page(client, tech, url)
    assert "auto-assigned: round robin in Voice" in english and "reihum" not in english
    assert _api_reasons(tech, ticket)["assignee"] == "auto-assigned: round robin in Voice"
    # The API keeps the message id and values beside the words, for a program to compare.
    kept = token_client(tech).get(f"/api/tickets/{ticket.pk}/events/").json()
    rows = kept["results"] if isinstance(kept, dict) else kept
    assigned = next(row for row in rows if row["kind"] == "assignee")
    assert assigned["data"]["reason"]["params"]["why"]["params"] == {"team": "Voice"}


def test_the_language_clause_and_a_plural_cap_read_in_french(customer, priorities, tech, voice):
    voice.match_language = True
    voice.save()
    tech.languages = ["de"]
    tech.save()
    _speaks(customer, "fr")  # nobody speaks French: the reason says so
    ticket = ticket_create(requester=customer, subject="Ligne", priority=priorities["normal"], now=NOW)
    event = ticket.events.get(kind=TicketEvent.Kind.ASSIGNEE)
    with translation.override("fr"):
        assert event_reason(event) == (
            "attribué automatiquement : à tour de rôle dans Voice ; personne parlant fr n’était "
            "disponible, donc parmi tous les membres de service"
        )
    from tickets.routing import pick_agent

    voice.max_open_per_agent = 1
    voice.save()
    _, why = pick_agent(voice, NOW)  # the one member owns one open ticket: the cap says so, in plural form
    with translation.override("fr"):
        assert str(why) == "tous les membres de service de Voice ont 1 ticket ouvert"
    voice.max_open_per_agent = 0
    voice.save()
    _, why = pick_agent(voice, NOW)
    with translation.override("de"):
        assert reworded(why.kept()) == "alle im Dienst in Voice haben 0 offene Tickets"


def test_a_rules_changes_read_in_each_readers_language_and_the_customer_is_told_in_theirs(
    client, customer, priorities, tech, lead
):
    Rule.objects.create(
        name="Outage words",
        event=Rule.Event.CREATED,
        set_priority=priorities["urgent"],
        assign_to=tech,
        add_tags="outage",
    )
    _speaks(customer, "de")
    ticket = ticket_create(requester=customer, subject="Outage", priority=priorities["normal"], now=NOW)
    ticket = Ticket.objects.get(pk=ticket.pk)
    stored = {e.kind: e.reason for e in ticket.events.all()}
    assert stored[TicketEvent.Kind.RULE] == "rule “Outage words” (Ticket created)"
    assert stored[TicketEvent.Kind.PRIORITY] == "set by rule “Outage words”"

    def said(language):
        with translation.override(language):
            return {line["event"].kind: line["reason"] for line in explain_events(ticket)}

    german, english = said("de"), said("en")
    assert german[TicketEvent.Kind.RULE] == "Regel „Outage words“ (Ticket erstellt)"
    assert german[TicketEvent.Kind.PRIORITY] == "gesetzt durch Regel „Outage words“"
    assert german[TicketEvent.Kind.ASSIGNEE] == "zugewiesen durch Regel „Outage words“"
    assert german[TicketEvent.Kind.TAG_ADDED] == "Regel „Outage words“ (Ticket erstellt)"
    assert english[TicketEvent.Kind.PRIORITY] == "set by rule “Outage words”"
    assert english[TicketEvent.Kind.ASSIGNEE] == "assigned by rule “Outage words”"

    _speaks(lead, "de")
    page = _page(client, lead, reverse("desk:ticket_detail", args=[ticket.pk]))
    assert "gesetzt durch Regel „Outage words“" in page and "set by rule" not in page
    assert _api_reasons(lead, ticket)["priority"] == "gesetzt durch Regel „Outage words“"
    assert _api_reasons(tech, ticket)["priority"] == "set by rule “Outage words”"
    # The German customer's mail about the new priority, and their portal, say why in German.
    mail = Notification.objects.get(ticket=ticket, event="priority_changed")
    assert mail.context["reason"] == "gesetzt durch Regel „Outage words“"
    portal = _page(client, customer, reverse("portal:ticket_detail", args=[ticket.pk]))
    assert "gesetzt durch Regel „Outage words“" in portal


def test_a_macros_name_on_the_history_reads_in_the_readers_language(customer, priorities, tech):
    team = Team.objects.create(name="Voice")
    macro = Macro.objects.create(name="Hand over", set_team=team, assign_to_me=True, add_tags="voice")
    ticket = ticket_create(requester=customer, subject="Calls", priority=priorities["normal"], now=NOW)
    macro_apply(macro=macro, ticket=ticket, by=tech, now=NOW)
    ticket = Ticket.objects.get(pk=ticket.pk)
    with translation.override("de"):
        lines = {line["event"].kind: line["reason"] for line in explain_events(ticket)}
    assert lines[TicketEvent.Kind.RULE] == "Team gesetzt durch Makro „Hand over“"
    assert lines[TicketEvent.Kind.ASSIGNEE] == "Makro „Hand over“"
    assert lines[TicketEvent.Kind.TAG_ADDED] == "Makro „Hand over“"
    team_set = ticket.events.get(kind=TicketEvent.Kind.RULE)
    assert team_set.reason == "team set by macro “Hand over”" and team_set.actor == tech


def test_rows_stored_before_read_as_they_were_written_and_an_erased_reason_stays_erased(
    customer, priorities, tech
):
    ticket = ticket_create(requester=customer, subject="Calls", priority=priorities["normal"], now=NOW)
    old = TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.ASSIGNEE,
        new_value="Taylor Tech",
        reason="auto-assigned: round robin in Voice",
        created_at=NOW,
    )
    old_refusal = TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.RULE,
        new_value="To a customer",
        reason="rule “To a customer” not applied: Tickets can only be assigned to staff.",
        data={"refused": True, "refusal": {"msgid": "Tickets can only be assigned to staff.", "params": {}}},
        created_at=NOW,
    )
    erased = TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.ASSIGNEE,
        reason="",
        data={"reason": Reason("auto-assigned: %(why)s", why="x").kept()},
        created_at=NOW,
    )
    broken = TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.ASSIGNEE,
        reason="auto-assigned: round robin in Voice",
        data={"reason": {"msgid": "auto-assigned: %(why)s", "params": {"other": 1}}},  # a value gone missing
        created_at=NOW,
    )
    with translation.override("de"):
        assert event_reason(old) == "auto-assigned: round robin in Voice"
        assert event_reason(old_refusal) == (
            "Regel „To a customer“ nicht angewendet: Tickets können nur Mitarbeitenden zugewiesen werden."
        )
        assert event_reason(erased) == ""
        assert event_reason(broken) == "auto-assigned: %(why)s"  # never a 500


@pytest.fixture
def ingest(django_capture_on_commit_callbacks):
    def run(raw):
        with django_capture_on_commit_callbacks(execute=True):
            return email_ingest(raw=raw, now=NOW, source="test")

    return run


def test_why_a_mail_was_held_reads_in_the_leads_language_and_an_old_row_as_written(
    client, customer, priorities, tech, lead, ingest
):
    held = ingest(
        raw_mail(sender="tech@helpdesk.test", subject="Customer #:1001: urgent", message_id="<t@x>")
    )
    assert held.outcome == InboundEmail.Outcome.HELD
    english = (
        "held for staff: from a staff address without that person's own reply address: not posted as staff"
    )
    assert held.detail == english  # the stored text stays English
    old = InboundEmail.objects.create(
        dedupe_key="old",
        outcome=InboundEmail.Outcome.HELD,
        sender="x@acme.test",
        subject="Old",
        received_at=NOW,
        detail="held for staff: 3 new tickets by mail from x@acme.test within an hour already",
    )
    _speaks(lead, "de")
    page = _page(client, lead, reverse("desk:inbound"))
    assert (
        "für Mitarbeitende zurückgehalten: von einer Mitarbeiteradresse ohne die eigene Antwortadresse "
        "dieser Person: nicht als Mitarbeitende veröffentlicht"
    ) in page
    assert old.detail in page  # stored before reasons were kept: shown as written
    assert english in _page(client, tech, reverse("desk:inbound"))


def test_a_held_mail_over_the_limit_says_how_many_in_the_plural_the_reader_needs(
    customer, priorities, ingest, settings
):
    settings.HELPDESK_MAIL_NEW_TICKETS_PER_SENDER = 1
    ingest(raw_mail(subject="n1", message_id="<n1@acme.test>"))
    row = ingest(raw_mail(subject="n2", message_id="<n2@acme.test>"))
    assert row.outcome == InboundEmail.Outcome.HELD
    assert row.detail == "held for staff: 1 new ticket by mail from casey@acme.test within an hour already"
    with translation.override("fr"):
        assert inbound_detail(row) == (
            "retenu pour le support : déjà 1 nouveau ticket par e-mail de casey@acme.test en une heure"
        )


def test_the_admin_shows_stored_reasons_in_the_admins_language(
    client, customer, priorities, admin_user, voice, ingest
):
    ticket = ticket_create(requester=customer, subject="No dial tone", priority=priorities["normal"], now=NOW)
    held = ingest(
        raw_mail(sender="tech@helpdesk.test", subject="Customer #:1001: urgent", message_id="<t@x>")
    )
    _speaks(admin_user, "de")
    events = _page(client, admin_user, "/admin/tickets/ticketevent/")
    assert "automatisch zugewiesen: reihum in Voice" in events and "auto-assigned" not in events
    inline = _page(client, admin_user, f"/admin/tickets/ticket/{ticket.pk}/change/")
    assert "automatisch zugewiesen: reihum in Voice" in inline
    row = _page(client, admin_user, f"/admin/tickets/inboundemail/{held.pk}/change/")
    assert "für Mitarbeitende zurückgehalten: von einer Mitarbeiteradresse" in row
