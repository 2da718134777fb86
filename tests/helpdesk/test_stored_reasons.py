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
from tickets.models import InboundEmail, Message, Ticket, TicketEvent
from tickets.reasons import Reason, event_reason, inbound_detail, message_body, reworded
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


def _reasons(ticket, language) -> list[str]:
    with translation.override(language):
        return [line["reason"] for line in explain_events(ticket) if line["reason"]]


def test_the_timed_jobs_reasons_read_in_each_readers_language_and_old_rows_as_written(
    client, customer, tech, lead, timed_jobs_world
):
    late, waiting = timed_jobs_world
    stored_text = {e.reason for e in TicketEvent.objects.filter(ticket__in=[late, waiting])}
    assert "still unassigned 1 hour (business time) after arrival" in stored_text  # the row keeps English
    assert {
        "first response target close",
        "first response target passed",
        "customer reminder 1 of 1",
    } <= stored_text
    assert "no answer after 1 reminder" in stored_text
    german = _reasons(late, "de") + _reasons(waiting, "de")
    for words in (
        "1 Stunde (Geschäftszeit) nach Eingang noch nicht zugewiesen",
        "Ziel für die erste Antwort bald fällig",
        "Ziel für die erste Antwort überschritten",
        "Erinnerung an den Kunden 1 von 1",
        "keine Antwort nach 1 Erinnerung",
    ):
        assert words in german
    assert any(r.startswith("keine Aktivität von Mitarbeitenden seit 9. März 2026") for r in german)
    french = _reasons(waiting, "fr")
    assert "relance du client 1 sur 1" in french and "pas de réponse après 1 relance" in french
    # The pages: a German lead reads German on the desk; an English technician reads English.
    _speaks(lead, "de")
    desk = _page(client, lead, reverse("desk:ticket_detail", args=[late.pk]))
    assert "nach Eingang noch nicht zugewiesen" in desk and "still unassigned" not in desk
    assert "keine Aktivität von Mitarbeitenden seit" in desk and "no staff activity" not in desk
    english = _page(client, tech, reverse("desk:ticket_detail", args=[waiting.pk]))
    assert "customer reminder 1 of 1" in english and "no answer after 1 reminder" in english
    # A reminder stored before the jobs kept their reasons reads as it was written.
    old = TicketEvent.objects.create(
        ticket=waiting,
        kind=TicketEvent.Kind.REMINDER,
        new_value="waiting",
        reason="customer reminder 2 of 3",
        created_at=NOW,
    )
    with translation.override("de"):
        assert event_reason(old) == "customer reminder 2 of 3"


def test_a_durations_and_an_instants_words_follow_the_reader(settings):
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from tickets.reasons import duration

    assert Reason("x %(t)s", t=duration(timedelta(days=1, hours=4, minutes=5))).english() == "x 1 day 4 hours"
    with translation.override("de"):
        assert str(duration(timedelta(minutes=90))) == "1 Stunde 30 Minuten"
    kept = Reason("since %(at)s", at=NOW).kept()
    assert kept["params"]["at"] == {"at": NOW.isoformat()}  # an instant, not words in a zone
    with translation.override("de"), timezone.override(ZoneInfo("Europe/Berlin")):
        assert reworded(kept) == "since 6. März 2026 16:30"  # NOW is 15:30 UTC
    assert reworded({"msgid": "since %(at)s", "params": {"at": {"at": "garbage"}}}) == "since garbage"


def test_why_a_ticket_closed_reads_in_the_customers_language_on_the_portal(
    client, customer, tech, timed_jobs_world
):
    _late, waiting = timed_jobs_world  # closed by the auto-close job
    assert waiting.close_reason == "no answer after 1 reminder"  # the stored text stays English
    url = reverse("portal:ticket_detail", args=[waiting.pk])
    assert "(no answer after 1 reminder)" in _page(client, customer, url)
    _speaks(customer, "de")
    german = _page(client, customer, url)
    assert "(keine Antwort nach 1 Erinnerung)" in german and "no answer after" not in german


def test_a_macros_close_and_the_customers_own_close_read_in_their_language_and_old_rows_as_written(
    client, customer, priorities, tech
):
    from tickets.models import Status

    macro = Macro.objects.create(name="Done and dusted", set_status=Status.CLOSED)
    by_macro = ticket_create(requester=customer, subject="Calls", priority=priorities["normal"], now=NOW)
    macro_apply(macro=macro, ticket=by_macro, by=tech, now=NOW)
    by_macro = Ticket.objects.get(pk=by_macro.pk)
    assert by_macro.close_reason == "macro “Done and dusted”"
    _speaks(customer, "de")
    page = _page(client, customer, reverse("portal:ticket_detail", args=[by_macro.pk]))
    assert "(Makro „Done and dusted“)" in page and "(macro" not in page

    own = ticket_create(requester=customer, subject="Fax", priority=priorities["normal"], now=NOW)
    client.force_login(customer)
    with time_machine.travel(NOW, tick=False):
        client.post(reverse("portal:ticket_close", args=[own.pk]), {"reason": "Worked around it"})
    own = Ticket.objects.get(pk=own.pk)
    assert own.close_reason == "Closed without resolution by the customer: Worked around it"
    page = _page(client, customer, reverse("portal:ticket_detail", args=[own.pk]))
    assert "(Vom Kunden ohne Lösung geschlossen: Worked around it)" in page  # their words as they wrote them

    Ticket.objects.filter(pk=own.pk).update(
        close_reason="Merged into T-1", close_reason_kept={}
    )  # an old row
    assert "(Merged into T-1)" in _page(client, customer, reverse("portal:ticket_detail", args=[own.pk]))


def test_the_notes_the_mail_intake_writes_read_in_each_technicians_language(
    client, customer, priorities, tech, lead, ingest
):
    row = ingest(
        raw_mail(
            sender="stranger@elsewhere.test",
            subject="Customer #:1001: Priority: High: Calls drop",
            message_id="<claim@elsewhere.test>",
        )
    )
    note = Message.objects.get(ticket=row.ticket, kind=Message.Kind.INTERNAL)
    english = (
        "Email intake: claimed Acme (#1001) from an address not on its domain list: the sender is held for "
        "staff; the subject asked for priority 'High'; filed at the default level."
    )
    assert note.body == english  # the stored text stays English
    assert note.body_kept["msgid"] == "Email intake: %(notes)s."
    url = reverse("desk:ticket_detail", args=[row.ticket.pk])
    _speaks(lead, "de")
    german = _page(client, lead, url)
    assert (
        "E-Mail-Eingang: gab Acme (#1001) an, von einer Adresse außerhalb ihrer Domainliste: der Absender wird "
        "für die Mitarbeitenden zurückgehalten; der Betreff verlangte die Priorität 'High'; mit der "
        "Standardstufe erfasst."
    ) in german
    assert "Email intake" not in german
    assert english in _page(client, tech, url)
    with translation.override("fr"):
        assert message_body(note).startswith("Réception des e-mails : se réclamait de Acme (#1001)")
    # A note stored before notes were kept reads as it was written.
    Message.objects.filter(pk=note.pk).update(body="Email intake: old words.", body_kept={})
    assert "Email intake: old words." in _page(client, lead, url)


def test_the_auto_close_note_on_the_thread_reads_in_the_technicians_language(client, lead, timed_jobs_world):
    _late, waiting = timed_jobs_world
    note = waiting.messages.get(kind=Message.Kind.SYSTEM)
    assert note.body.startswith("We asked for information on")  # English, with its kept form beside it
    _speaks(lead, "de")
    page = _page(client, lead, reverse("desk:ticket_detail", args=[waiting.pk]))
    assert "Automatisch geschlossen: keine Antwort nach 1 Erinnerung." in page
    assert "Wir haben am 9. März 2026" in page and "Closed automatically" not in page


def test_a_withheld_automatic_mail_and_an_incidents_resolution_read_in_the_readers_language(
    customer, priorities, tech, ingest
):
    from tickets.intake import service
    from tickets.services import incident_link_ticket, incident_open, incident_resolve

    for i in range(service.AUTOREPLY_CAP + 1):  # a responder answering each receipt: the last one is capped
        ingest(raw_mail(subject="Request received", body="Thank you.", message_id=f"<loop{i}@x>"))
    withheld = TicketEvent.objects.get(kind=TicketEvent.Kind.MAIL_WITHHELD)
    assert "mail-loop guard" in withheld.reason  # the stored text stays English
    with translation.override("de"):
        assert event_reason(withheld).startswith("Automatische E-Mail an casey@acme.test zurückgehalten")
        assert "innerhalb von 3 Stunden" in event_reason(withheld)

    ticket = ticket_create(requester=customer, subject="No calls", priority=priorities["normal"], now=NOW)
    incident = incident_open(title="Trunk down", public_status="Looking", by=tech, now=NOW)
    incident_link_ticket(incident=incident, ticket=ticket, by=tech, now=NOW)
    incident_resolve(incident=incident, by=tech, now=NOW, resolve_tickets=True)
    resolved = ticket.events.filter(kind=TicketEvent.Kind.STATUS).last()
    assert resolved.reason == "resolved with incident: Trunk down"
    with translation.override("fr"):
        assert event_reason(resolved) == "résolu avec l’incident : Trunk down"


def test_a_customers_escalation_without_words_reads_in_their_language_and_the_alert_keeps_english(
    client, customer, priorities, tech
):
    ticket = ticket_create(requester=customer, subject="Outage", priority=priorities["urgent"], now=NOW)
    _speaks(customer, "de")
    client.force_login(customer)
    with time_machine.travel(NOW, tick=False):
        client.post(reverse("portal:ticket_escalate", args=[ticket.pk]), {"reason": ""})
    escalated = ticket.events.get(kind=TicketEvent.Kind.ESCALATED)
    assert escalated.reason == "Escalated by the customer"  # the stored text stays English
    page = _page(client, customer, reverse("portal:ticket_detail", args=[ticket.pk]))
    assert "Vom Kunden eskaliert" in page
    with translation.override("fr"):
        assert event_reason(escalated) != "Escalated by the customer"
