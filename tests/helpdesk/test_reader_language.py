"""What Python and the scripts say reaches each person in their own language and zone (issue 22): the
refusals services raise, the API's error details and SLA labels, the CSV exports' headers and times, and
the desk scripts' words (Django's JavaScript catalogue). Stored text stays in the source language and is
worded again for each reader."""

import csv
import io
import json
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from automation.models import Rule
from tests.api.conftest import token_client
from tests.conftest import NOW
from tests.factories import StaffFactory
from tickets.desk.history import explain_events
from tickets.models import Status, Ticket, TicketEvent
from tickets.services import TicketError, ticket_change_status, ticket_create

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


def _speaks(person, language, zone=""):
    person.language, person.time_zone = language, zone
    person.save()
    return person


@pytest.fixture
def closed(customer, priorities, tech):
    ticket = ticket_create(requester=customer, subject="Printer", priority=priorities["normal"], now=NOW)
    ticket_change_status(ticket=ticket, status=Status.CLOSED, by=tech, now=NOW)
    return ticket


def test_a_german_technician_reads_a_bulk_refusal_in_german(client, tech, closed, customer, priorities):
    _speaks(tech, "de")
    open_one = ticket_create(requester=customer, subject="Phones", priority=priorities["normal"], now=NOW)
    client.force_login(tech)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("desk:queue_bulk"),
            {"ids": [open_one.pk, closed.pk], "action": "status", "status.status": "waiting"},
            follow=True,
        )
    (summary,) = [str(m) for m in response.context["messages"]]
    assert summary == (
        f"1 geändert, 1 abgelehnt: {closed.reference}: "
        "Ein Ticket im Status „geschlossen“ kann nicht zu „wartet auf Kunden“ wechseln."
    )
    # A refusal of the whole request, before any ticket is touched, too.
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("desk:queue_bulk"),
            {"ids": [open_one.pk], "action": "reclassify", "reclassify.priority": "urgent"},
            follow=True,
        )
    assert [str(m) for m in response.context["messages"]] == [
        "Nichts geändert: Nennen Sie einen Grund für die Änderung der Priorität (die Kunden werden informiert)."
    ]


def test_the_same_refusal_reads_in_each_readers_language(tech, closed):
    with pytest.raises(TicketError) as caught:
        ticket_change_status(ticket=closed, status=Status.WAITING, by=tech, now=NOW)
    refusal = caught.value
    assert str(refusal) == "A ticket that is closed cannot become waiting on customer."
    with translation.override("fr"):
        assert (
            str(refusal) == "Un ticket au statut « clôturé » ne peut pas passer à « en attente du client »."
        )
    with translation.override("de"):
        assert refusal.english() == "A ticket that is closed cannot become waiting on customer."


def test_the_api_refuses_in_the_token_holders_language(tech, closed):
    _speaks(tech, "de")
    response = token_client(tech).post(f"/api/tickets/{closed.pk}/resolve/", format="json")
    assert response.status_code == 409
    assert response.json()["detail"] == "Ein Ticket im Status „geschlossen“ kann nicht zu „gelöst“ wechseln."
    assert response["Content-Language"] == "de"
    # Field errors of our own serializers, too.
    response = token_client(tech).post(
        "/api/tickets/",
        {"subject": "x", "description": "y", "requester": "nobody@nowhere.test"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["requester"] == ["Kein aktiver Kunde mit dieser ID oder E-Mail-Adresse."]


def test_the_api_sla_label_follows_the_readers_language_and_the_state_stays_a_code(
    tech, customer, priorities
):
    ticket = ticket_create(requester=customer, subject="Phones", priority=priorities["normal"], now=NOW)
    url = f"/api/tickets/{ticket.pk}/"
    with time_machine.travel(NOW, tick=False):
        french = token_client(tech).get(url, HTTP_ACCEPT_LANGUAGE="fr").json()["sla_state"]
        english = token_client(tech).get(url).json()["sla_state"]
        listed = token_client(tech).get("/api/tickets/", HTTP_ACCEPT_LANGUAGE="fr").json()
        _speaks(tech, "de")  # the profile comes before the browser's word
        german = token_client(tech).get(url, HTTP_ACCEPT_LANGUAGE="fr").json()["sla_state"]
    assert (french["state"], french["label"]) == ("on_track", "Dans les temps")
    assert (english["state"], english["label"]) == ("on_track", "On track")
    assert {row["sla_state"]["label"] for row in listed["results"]} == {"Dans les temps"}
    assert (german["state"], german["label"]) == ("on_track", "Im Plan")


def test_a_queue_export_by_a_german_in_new_york_has_german_headers_and_new_york_times(
    client, tech, customer, priorities
):
    _speaks(tech, "de", "America/New_York")
    ticket = ticket_create(requester=customer, subject="Phones", priority=priorities["normal"], now=NOW)
    client.force_login(tech)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("desk:queue_csv"))
    header, *rows = csv.reader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert header[:3] == ["Referenz", "Betreff", "Status"]
    received = "Eingegangen (America/New_York)"
    assert received in header and "Lösung fällig (America/New_York)" in header
    row = dict(zip(header, rows[0], strict=True))
    assert row["Referenz"] == ticket.reference
    assert row[received] == NOW.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M:%S")
    assert row[received] != NOW.strftime("%Y-%m-%d %H:%M:%S")  # not UTC's wall clock


def test_the_audit_export_speaks_the_admins_language_and_zone(client, admin_user, closed):
    _speaks(admin_user, "fr", "America/New_York")
    client.force_login(admin_user)
    day = NOW.astimezone(NEW_YORK).date().isoformat()
    response = client.get(f"/desk/audit/?from={day}&to={day}&format=csv")
    header, *rows = csv.reader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert header == [
        "Heure (America/New_York)",
        "Source",
        "Auteur",
        "Action",
        "Objet",
        "Ancienne valeur",
        "Nouvelle valeur",
        "Détail",
    ]
    closing = closed.events.get(kind=TicketEvent.Kind.STATUS, new_value=Status.CLOSED)
    times = [r[0] for r in rows if r[4] == closed.reference]
    assert closing.created_at.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M:%S") in times


def _catalogue(client, **headers) -> dict:
    script = client.get(reverse("javascript-catalog"), **headers).content.decode()
    found = re.search(r"const newcatalog = (\{.*?\});", script, re.S)
    return json.loads(found.group(1)) if found else {}  # English: no catalogue, the scripts' own words


def test_the_queue_script_counts_the_selection_in_german(client, tech):
    _speaks(tech, "de")
    client.force_login(tech)
    page = client.get(reverse("desk:queue"))
    # base.html loads the catalogue as a same-origin script: the Content-Security-Policy's 'self'.
    assert f'<script src="{reverse("javascript-catalog")}" defer>' in page.content.decode()
    assert "'self'" in page["Content-Security-Policy"].split("script-src", 1)[1].split(";")[0]
    words = _catalogue(client)
    assert words["%(n)s selected"] == ["%(n)s ausgewählt", "%(n)s ausgewählt"]
    assert words["First response"] == "Erstreaktion"  # the dashboard chart's legend
    _speaks(tech, "fr")
    assert _catalogue(client)["%(n)s selected"] == ["%(n)s sélectionné", "%(n)s sélectionnés"]


def test_the_catalogue_speaks_the_browsers_language_to_a_visitor(client, db):
    assert _catalogue(client, HTTP_ACCEPT_LANGUAGE="fr")["None selected"] == "Aucune sélection"
    assert "None selected" not in _catalogue(client)


def test_a_rules_refusal_is_kept_in_english_and_read_in_each_readers_language(customer, priorities):
    gone = StaffFactory(email="gone@helpdesk.test")
    rule = Rule.objects.create(name="To a customer", event=Rule.Event.CREATED, assign_to=gone)
    Rule.objects.filter(pk=rule.pk).update(assign_to=customer)  # the admin limits choices; the data may not
    with translation.override("de"):  # a German customer's request set the rule off
        ticket = ticket_create(requester=customer, subject="Anything", priority=priorities["normal"], now=NOW)
    refused = ticket.events.get(kind=TicketEvent.Kind.RULE)
    assert refused.reason == "rule “To a customer” not applied: Tickets can only be assigned to staff."
    ticket = Ticket.objects.get(pk=ticket.pk)

    def said(language):
        with translation.override(language):
            return next(line["reason"] for line in explain_events(ticket) if line["event"] == refused)

    assert (
        said("de")
        == "Regel „To a customer“ nicht angewendet: Tickets können nur Mitarbeitenden zugewiesen werden."
    )
    assert said("fr") == (
        "règle « To a customer » non appliquée : Les tickets ne peuvent être attribués qu’au personnel."
    )
