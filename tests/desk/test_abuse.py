import pytest
from django.contrib.admin.sites import site
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from accounts.models import Organization
from tests.conftest import NOW
from tickets.models import Status, TicketEvent
from tickets.reasons import event_reason
from tickets.services import (
    TicketError,
    organization_bar_top_priority,
    organization_lift_top_priority_bar,
    ticket_change_status,
    ticket_create,
)

pytestmark = pytest.mark.django_db


def test_abuse_decision_downgrades_open_top_tickets_by_one_level_and_bars_the_top(
    lead, customer, make_ticket, globex_customer, priorities, mailoutbox, django_capture_on_commit_callbacks
):
    urgent, high, normal = make_ticket("u", "urgent"), make_ticket("h", "high"), make_ticket("n", "normal")
    closed = make_ticket("closed", "urgent")
    ticket_change_status(ticket=closed, status=Status.CLOSED, by=lead, now=NOW)
    elsewhere = make_ticket("globex urgent", "urgent", requester=globex_customer)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decision = organization_bar_top_priority(
            organization=customer.organization,
            by=lead,
            reason="Eight Urgent tickets this week, none an outage",
            now=NOW,
        )
    assert [(t.subject, old, new) for t, old, new in decision.downgraded] == [
        ("u", "Urgent", "High"),
        ("h", "High", "Normal"),
    ]
    for t in (urgent, high, normal, closed, elsewhere):
        t.refresh_from_db()
    assert (urgent.priority.slug, high.priority.slug, normal.priority.slug) == ("high", "normal", "normal")
    assert closed.priority.slug == "urgent" and elsewhere.priority.slug == "urgent"
    event = urgent.events.get(kind=TicketEvent.Kind.PRIORITY)
    assert "abuse of the Urgent category" in event.reason and event.actor == lead
    assert urgent.first_response_due_at == NOW + (
        NOW.replace(hour=17, minute=30) - NOW
    )  # High: 2 business hours
    assert [m.to for m in mailoutbox] == [["casey@acme.test"], ["casey@acme.test"]]
    assert "Eight Urgent tickets this week" in mailoutbox[0].body
    org = Organization.objects.get(pk=customer.organization_id)
    assert (
        org.may_file_top_priority is False
        and "Lee Lead: Eight Urgent tickets" in org.top_priority_barred_reason
    )
    customer.refresh_from_db()
    # While barred, every new request at a guarded level is filed one level lower.
    again = ticket_create(requester=customer, subject="again", priority=priorities["urgent"], now=NOW)
    high = ticket_create(requester=customer, subject="high", priority=priorities["high"], now=NOW)
    assert (again.priority, high.priority) == (priorities["high"], priorities["normal"])
    assert (
        ticket_create(requester=customer, subject="n", priority=priorities["normal"], now=NOW).priority
        == priorities["normal"]
    )

    organization_lift_top_priority_bar(organization=org, by=lead, now=NOW)
    org.refresh_from_db()
    assert org.may_file_top_priority and org.top_priority_barred_reason.startswith("Lifted")
    customer.refresh_from_db()
    allowed = ticket_create(
        requester=customer, subject="allowed again", priority=priorities["urgent"], now=NOW
    )
    assert allowed.priority == priorities["urgent"]


def test_abuse_decision_needs_a_reason(lead, org):
    with pytest.raises(TicketError):
        organization_bar_top_priority(organization=org, by=lead, reason="  ", now=NOW)
    org.refresh_from_db()
    assert org.may_file_top_priority


def test_admin_action_records_the_decision(admin_user, org, make_ticket):
    t = make_ticket("u", "urgent")
    model_admin = site._registry[Organization]
    request = RequestFactory().post(
        "/admin/accounts/organization/",
        {
            "action": "bar_top_priority",
            "_selected_action": [org.pk],
            "apply": "1",
            "reason": "Repeated misuse",
        },
    )
    request.user = admin_user
    request.session = {}
    request._messages = FallbackStorage(request)
    response = model_admin.response_action(request, queryset=Organization.objects.filter(pk=org.pk))
    assert response.status_code == 302
    org.refresh_from_db()
    t.refresh_from_db()
    assert org.may_file_top_priority is False and t.priority.slug == "high"


def test_admin_action_asks_for_a_reason_first(admin_client, org):
    response = admin_client.post(
        reverse("admin:accounts_organization_changelist"),
        {
            "action": "bar_top_priority",
            "_selected_action": [org.pk],
        },
    )
    assert response.status_code == 200 and b"Reason" in response.content
    org.refresh_from_db()
    assert org.may_file_top_priority


def test_team_lead_records_the_decision_from_the_desk(client, lead, org, make_ticket, frozen):
    t = make_ticket("u", "urgent")
    client.force_login(lead)
    page = reverse("desk:organization_abuse", args=[org.pk])
    assert t.reference in client.get(page).content.decode()
    client.post(page, {"reason": "Abuse of Urgent"})
    org.refresh_from_db()
    t.refresh_from_db()
    assert not org.may_file_top_priority and t.priority.slug == "high"
    client.post(page, {"action": "lift"})
    org.refresh_from_db()
    assert org.may_file_top_priority


def test_technicians_cannot_take_the_decision(client, tech, org):
    client.force_login(tech)
    assert client.post(reverse("desk:organization_abuse", args=[org.pk]), {"reason": "x"}).status_code == 403
    org.refresh_from_db()
    assert org.may_file_top_priority


def test_the_downgrade_reason_reads_in_each_readers_language(lead, customer, make_ticket):
    """Stored as a message and its values (``tickets.reasons``): English in the row for the audit trail,
    German for a German reader, the lead's own words as written."""
    urgent = make_ticket("u", "urgent")
    organization_bar_top_priority(organization=customer.organization, by=lead, reason="Zu oft", now=NOW)
    event = urgent.events.get(kind=TicketEvent.Kind.PRIORITY)
    assert event.reason == "Organization-wide downgrade for abuse of the Urgent category: Zu oft"
    with translation.override("de"):
        assert event_reason(event) == (
            "Herabstufung für die ganze Organisation wegen Missbrauchs der Kategorie Urgent: Zu oft"
        )
    with translation.override("fr"):
        assert event_reason(event).startswith("Déclassement de toute l’organisation")
