from datetime import timedelta

import pytest
from django.urls import reverse

from tests.conftest import NOW
from tests.factories import CustomerFactory
from tickets.models import Status
from tickets.selectors import open_incidents
from tickets.services import (
    TicketError,
    incident_link_ticket,
    incident_open,
    incident_post_update,
    incident_resolve,
    ticket_change_status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(lead):
    return incident_open(
        title="SIP trunk outage", public_status="Inbound calls are failing.", by=lead, now=NOW
    )


def test_an_update_reaches_every_linked_requester_once_and_the_banner(
    incident, lead, make_ticket, globex_customer, customer, mailoutbox, django_capture_on_commit_callbacks
):
    a, b, c = make_ticket("a"), make_ticket("b"), make_ticket("c", requester=globex_customer)
    make_ticket(
        "unrelated", requester=CustomerFactory(organization=customer.organization, email="zoe@acme.test")
    )
    for t in (a, b, c):
        incident_link_ticket(incident=incident, ticket=t, by=lead, now=NOW)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident_post_update(
            incident=incident, body="Carrier has found the fault; ETA 17:00.", by=lead, now=NOW
        )
    assert sorted(m.to[0] for m in mailoutbox) == ["casey@acme.test", "gus@globex.test"]
    assert all(
        "Carrier has found the fault" in m.body and "SIP trunk outage" in m.subject for m in mailoutbox
    )
    banner = open_incidents().get()
    assert banner.public_status == "Carrier has found the fault; ETA 17:00."
    assert [u.body for u in banner.updates.all()] == ["Carrier has found the fault; ETA 17:00."]


def test_resolving_can_resolve_the_linked_tickets_and_clears_the_banner(
    incident, lead, make_ticket, mailoutbox, django_capture_on_commit_callbacks
):
    a, b = make_ticket("a"), make_ticket("b")
    for t in (a, b):
        incident_link_ticket(incident=incident, ticket=t, by=lead, now=NOW)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident_resolve(
            incident=incident,
            by=lead,
            now=NOW + timedelta(hours=1),
            note="Carrier fixed the trunk.",
            resolve_tickets=True,
        )
    a.refresh_from_db(), b.refresh_from_db()
    assert a.status == b.status == Status.RESOLVED
    assert not open_incidents().exists()
    subjects = [m.subject for m in mailoutbox]
    assert any("Resolved: SIP trunk outage" in s for s in subjects)
    with pytest.raises(TicketError):
        incident_link_ticket(incident=incident, ticket=make_ticket("late"), by=lead, now=NOW)


def test_resolving_without_the_option_leaves_tickets_open(incident, lead, make_ticket):
    t = make_ticket()
    incident_link_ticket(incident=incident, ticket=t, by=lead, now=NOW)
    incident_resolve(incident=incident, by=lead, now=NOW, resolve_tickets=False)
    t.refresh_from_db()
    assert t.status == Status.NEW


def test_resolving_with_the_tickets_leaves_tickets_already_closed_as_they_are(incident, lead, make_ticket):
    open_one, closed = make_ticket("open"), make_ticket("closed")
    for t in (open_one, closed):
        incident_link_ticket(incident=incident, ticket=t, by=lead, now=NOW)
    ticket_change_status(ticket=closed, status=Status.CLOSED, by=lead, now=NOW, reason="duplicate")
    incident_resolve(incident=incident, by=lead, now=NOW + timedelta(hours=1), resolve_tickets=True)
    open_one.refresh_from_db(), closed.refresh_from_db()
    assert open_one.status == Status.RESOLVED
    assert closed.status == Status.CLOSED and closed.resolved_at == NOW


def test_team_lead_runs_an_incident_from_the_desk(client, lead, make_ticket, frozen):
    t1, t2 = make_ticket("one"), make_ticket("two")
    client.force_login(lead)
    response = client.post(
        reverse("desk:incidents"), {"title": "Portal down", "public_status": "We are on it."}
    )
    incident = open_incidents().get()
    assert response["Location"] == reverse("desk:incident_detail", args=[incident.pk])
    page = reverse("desk:incident_detail", args=[incident.pk])
    client.post(page, {"action": "link", "l-references": f"{t1.reference}, {t2.pk}"})
    assert set(incident.tickets.all()) == {t1, t2}
    response = client.post(page, {"action": "link", "l-references": "HD-424242"})
    assert "Unknown ticket: 424242." in response.content.decode()
    client.post(page, {"action": "update", "u-body": "Fix deployed, monitoring."})
    incident.refresh_from_db()
    assert incident.public_status == "Fix deployed, monitoring."
    client.post(page, {"action": "resolve", "r-note": "All good.", "r-resolve_tickets": "on"})
    t1.refresh_from_db()
    assert t1.status == Status.RESOLVED and not open_incidents().exists()


def test_incident_pages_are_for_team_leads(client, tech):
    client.force_login(tech)
    assert client.get(reverse("desk:incidents")).status_code == 403
    assert client.get(reverse("desk:dashboard")).status_code == 403


def test_an_incident_needs_a_title_and_status(lead):
    with pytest.raises(TicketError):
        incident_open(title=" ", public_status="x", by=lead, now=NOW)


def test_the_portal_banner_shows_the_newest_update(client, incident, lead, customer, frozen):
    incident_post_update(incident=incident, body="Engineers are rerouting calls.", by=lead, now=NOW)
    client.force_login(customer)
    html = client.get("/").content.decode()
    assert "SIP trunk outage" in html and "Engineers are rerouting calls." in html
    incident_resolve(incident=incident, by=lead, now=NOW)
    assert "SIP trunk outage" not in client.get("/").content.decode()
