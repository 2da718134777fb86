import pytest
from django.contrib import admin
from django.urls import reverse

from tests.conftest import NOW
from tickets.models import CannedReply, TicketEvent
from tickets.services import incident_open, incident_post_update

pytestmark = pytest.mark.django_db

# The admin pages that refuse adding on purpose: rows a service writes (a ticket is filed through the
# services, an API key is issued once to its owner) or an audit record nobody writes by hand.
REFUSE_ADD = {
    "accounts.ApiToken",
    "notifications.Notification",
    "tickets.Ticket",
    "tickets.TicketEvent",
    "tickets.SurveyResponse",
    "tickets.InboundEmail",
    "privacy.PrivacyRequest",
    "kb.Article",  # started in the desk's editor (kb.services.article_create)
    "kb.Deflection",
    "kb.TicketLink",
    "webhooks.Delivery",  # the log is written by the outbox, never by hand
    "sso.SsoIdentity",  # made by signing in through a provider
}


def test_every_admin_list_and_add_page_renders(admin_client, make_ticket, lead):
    make_ticket()
    incident = incident_open(title="Outage", public_status="Down", by=lead, now=NOW)
    incident_post_update(incident=incident, body="Still down", by=lead, now=NOW)
    CannedReply.objects.create(title="Hello", body="Hi {{ requester }}")
    assert REFUSE_ADD <= {model._meta.label for model in admin.site._registry}  # no stale name
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert admin_client.get(changelist).status_code == 200, changelist
        response = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        assert response.status_code == (403 if meta.label in REFUSE_ADD else 200), meta.label


def test_the_audit_trail_is_read_only_in_the_admin(admin_client, make_ticket):
    ticket = make_ticket()
    event = ticket.events.first()
    change = reverse("admin:tickets_ticketevent_change", args=[event.pk])
    assert admin_client.get(change).status_code == 200  # viewable
    admin_client.post(change, {"reason": "tampered"})
    event.refresh_from_db()
    assert event.reason != "tampered"
    assert (
        admin_client.post(
            reverse("admin:tickets_ticketevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert TicketEvent.objects.filter(pk=event.pk).exists()


def test_organization_list_shows_people_and_open_tickets(admin_client, make_ticket, colleague):
    make_ticket()
    html = admin_client.get(reverse("admin:accounts_organization_changelist")).content.decode()
    assert "Open tickets" in html and "People" in html
