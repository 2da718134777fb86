"""Each ticket rule has one owner (``tickets/policy.py``), enforced inside the service that writes. These tests
drive every channel that reaches a rule (portal, desk, API, email, admin) and expect the same answer.

The web and API channels read the real clock, so tickets here are placed relative to ``timezone.now()``.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from notifications.models import Notification
from sla.config import sla_config_import
from sla.models import JobPolicy, PriorityLevel
from tests.api.conftest import token_client
from tests.factories import CustomerFactory, StaffFactory
from tests.notifications.mailkit import raw_mail
from tickets import policy
from tickets.intake.service import email_ingest
from tickets.models import RequestType, Status, Ticket, TicketEvent
from tickets.services import (
    TicketError,
    message_add,
    ticket_close,
    ticket_create,
    ticket_merge,
    ticket_reopen,
)

pytestmark = pytest.mark.django_db


def _file(customer, priorities, *, at, level="normal", subject="Phones down"):
    return ticket_create(requester=customer, subject=subject, priority=priorities[level], now=at)


# --- may reopen: the plan's window, on every channel ---------------------------------------------------


@pytest.fixture
def closed_long_ago(customer, tech, priorities, plan):
    """Closed 60 days ago on a plan whose reopen window is 7 days."""
    JobPolicy.objects.create(plan=plan, reopen_window=timedelta(days=7))
    long_ago = timezone.now() - timedelta(days=61)
    ticket = _file(customer, priorities, at=long_ago)
    return ticket_close(ticket=ticket, by=tech, now=long_ago + timedelta(days=1))


def test_a_ticket_closed_past_the_window_stays_closed_on_every_channel(
    client, customer, closed_long_ago, django_capture_on_commit_callbacks
):
    ticket = closed_long_ago
    client.force_login(customer)
    portal_reply = client.post(reverse("portal:ticket_detail", args=[ticket.pk]), {"body": "It broke again"})
    portal_reopen = client.post(reverse("portal:ticket_reopen", args=[ticket.pk]))
    api = token_client(customer)
    api_reopen = api.post(f"/api/tickets/{ticket.pk}/reopen/", {"reason": "again"}, format="json")
    api_message = api.post(f"/api/tickets/{ticket.pk}/messages/", {"body": "again"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        mail = email_ingest(
            raw=raw_mail(
                subject=f"Re: [{ticket.reference}] Phones down", body="It broke again", message_id="<r@x>"
            ),
            now=timezone.now(),
            source="test",
        )
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert portal_reply.status_code == 400 and "closed too long ago" in portal_reply.content.decode()
    assert portal_reopen.status_code == 302  # back to the page, with the refusal as a message
    assert api_reopen.status_code == 409 and api_message.status_code == 409
    assert "closed too long ago" in api_reopen.json()["detail"]
    assert mail.ticket.pk != ticket.pk and mail.ticket.reopened_from_id == ticket.pk  # a new, linked ticket
    assert not ticket.messages.filter(body__contains="again").exists()


def test_the_portal_does_not_offer_a_reply_that_would_be_refused(client, customer, closed_long_ago):
    client.force_login(customer)
    page = client.get(reverse("portal:ticket_detail", args=[closed_long_ago.pk])).content.decode()
    assert "closed too long ago to reopen" in page and "Replying will reopen this ticket" not in page


def test_within_the_window_a_customer_reply_reopens_and_staff_may_reopen_any_time(
    customer, tech, priorities, plan
):
    JobPolicy.objects.create(plan=plan, reopen_window=timedelta(days=7))
    now = timezone.now()
    recent = ticket_close(ticket=_file(customer, priorities, at=now - timedelta(days=3)), by=tech, now=now)
    message_add(ticket=recent, author=customer, body="Still broken", now=now + timedelta(days=6))
    recent.refresh_from_db()
    assert recent.status == Status.OPEN
    old = ticket_close(ticket=_file(customer, priorities, at=now - timedelta(days=30)), by=tech, now=now)
    with pytest.raises(TicketError):
        ticket_reopen(ticket=old, by=customer, now=now + timedelta(days=8))
    assert ticket_reopen(ticket=old, by=tech, now=now + timedelta(days=8)).status == Status.OPEN


# --- breached: one definition, pauses respected ------------------------------------------------------


def test_a_paused_ticket_is_not_breached_for_escalation_edit_lists_or_the_portal(
    client, customer, tech, priorities
):
    # Answered on time, then waiting on the customer long past the resolution due time.
    now = timezone.now()
    ticket = _file(customer, priorities, at=now - timedelta(days=30))
    message_add(
        ticket=ticket, author=tech, body="Which site?", set_status=Status.WAITING, now=ticket.received_at
    )
    ticket.refresh_from_db()
    assert ticket.resolution_due_at < now and ticket.sla_paused_at is not None
    assert not policy.is_breached(ticket, now)
    assert not Ticket.objects.filter(pk=ticket.pk).filter(policy.breached_q(now)).exists()

    api = token_client(customer)
    assert api.post(f"/api/tickets/{ticket.pk}/escalate/", {"reason": "x"}, format="json").status_code == 409
    assert api.get("/api/tickets/?breached=true").json()["results"] == []
    assert token_client(tech).get(f"/api/tickets/{ticket.pk}/").json()["sla_state"]["state"] == "paused"
    assert api.patch(f"/api/tickets/{ticket.pk}/", {"subject": "new"}, format="json").status_code == 409
    client.force_login(customer)
    page = client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()
    assert "Paused (waiting on you)" in page and "Edit the request" not in page
    assert 'class="button-warn">Escalate</button>' in page and "disabled" in page  # drawn, but not offered


def test_a_late_first_response_stays_a_breach_in_the_api_list(customer, tech, priorities):
    now = timezone.now()
    ticket = _file(customer, priorities, at=now - timedelta(days=10), level="urgent")  # 30 min, 24x7
    message_add(ticket=ticket, author=tech, body="Looking", now=ticket.received_at + timedelta(hours=2))
    ids = [t["id"] for t in token_client(tech).get("/api/tickets/?breached=true").json()["results"]]
    assert ids == [ticket.pk]


# --- may merge: never across organizations -----------------------------------------------------------


def test_tickets_of_two_organizations_cannot_be_merged_on_desk_or_api(
    client, customer, stranger, tech, priorities
):
    now = timezone.now()
    mine, theirs = _file(customer, priorities, at=now), _file(stranger, priorities, at=now, subject="Globex")
    client.force_login(tech)
    desk = client.post(
        reverse("desk:ticket_merge", args=[theirs.pk]), {"target": mine.reference}, follow=True
    )
    api = token_client(tech).post(f"/api/tickets/{theirs.pk}/merge/", {"target": mine.pk}, format="json")
    assert "different organizations" in desk.content.decode()
    assert api.status_code == 409
    theirs.refresh_from_db()
    assert theirs.merged_into_id is None and theirs.status != Status.CLOSED
    assert not mine.cc.filter(pk=stranger.pk).exists()
    with pytest.raises(TicketError):
        ticket_merge(source=theirs, target=mine, by=tech, now=now)


# --- may file: requester in the organization, the form's required fields, the barred levels ----------


def test_the_service_refuses_a_requester_of_another_organization(customer, other_org, priorities):
    with pytest.raises(TicketError, match="not a member"):
        ticket_create(requester=customer, organization=other_org, subject="x", now=timezone.now())


def test_a_forms_required_fields_are_required_on_the_api_too(customer, priorities):
    RequestType.objects.create(
        slug="outage",
        name="Outage",
        fields=[{"name": "site", "label": "Site", "type": "text", "required": True}],
    )
    api = token_client(customer)
    refused = api.post("/api/tickets/", {"subject": "x", "request_type": "outage"}, format="json")
    assert refused.status_code == 400 and "Site" in refused.json()["non_field_errors"][0]
    filed = api.post(
        "/api/tickets/",
        {"subject": "x", "request_type": "outage", "request_fields": {"site": "Leeds"}},
        format="json",
    )
    assert filed.status_code == 201, filed.json()


def test_a_barred_organization_is_filed_one_level_lower_on_every_channel(
    client, customer, org, tech, priorities, django_capture_on_commit_callbacks
):
    org.may_file_top_priority = False
    org.save()
    customer.refresh_from_db()
    api = token_client(customer).post(
        "/api/tickets/", {"subject": "api", "priority": "urgent"}, format="json"
    )
    client.force_login(tech)
    client.post(
        reverse("desk:ticket_new"),
        {
            "organization": org.pk,
            "requester": customer.pk,
            "channel": "phone",
            "priority": priorities["high"].pk,
            "subject": "desk",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        email_ingest(
            raw=raw_mail(subject="Urgent: mail", message_id="<u@x>"), now=timezone.now(), source="test"
        )
    levels = {t.subject: t.priority.slug for t in Ticket.objects.all()}
    assert api.status_code == 201
    assert levels == {"api": "high", "desk": "normal", "Urgent: mail": "high"}
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.PRIORITY, reason__contains="barred").count() == 3
    receipt = Notification.objects.filter(event="ticket_received", ticket__subject="api").get()
    assert receipt.context["downgraded_from"] == "Urgent" and "barred" in receipt.context["downgrade_reason"]


# --- ranks cannot go stale ---------------------------------------------------------------------------


def test_a_rank_changed_in_the_admin_or_by_yaml_reorders_the_open_tickets(
    client, admin_user, customer, priorities
):
    ticket = _file(customer, priorities, at=timezone.now(), level="low")
    client.force_login(admin_user)
    levels = list(PriorityLevel.objects.order_by("rank"))
    data = {"form-TOTAL_FORMS": len(levels), "form-INITIAL_FORMS": len(levels), "_save": "Save"}
    for i, level in enumerate(levels):
        data[f"form-{i}-id"] = level.pk
        data[f"form-{i}-rank"] = 9 if level.slug == "low" else level.rank
    response = client.post(reverse("admin:sla_prioritylevel_changelist"), data)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.priority_rank == 9
    sla_config_import(text="priorities:\n  - {slug: low, name: Low, rank: 5}\n")
    ticket.refresh_from_db()
    assert ticket.priority_rank == 5


def test_the_rank_range_is_the_same_in_admin_yaml_and_api(client, admin_user, priorities):
    from sla.config import ConfigError as SLAConfigError

    client.force_login(admin_user)
    page = client.post(
        reverse("admin:sla_prioritylevel_change", args=[priorities["low"].pk]),
        {"slug": "low", "name": "Low", "rank": 0, "colour": "#6b7280", "examples": "[]"},
    )
    assert page.status_code == 200 and "greater than or equal to 1" in page.content.decode()
    with pytest.raises(SLAConfigError):
        sla_config_import(text="priorities:\n  - {slug: low, name: Low, rank: 1001}\n")
    api = token_client(admin_user).patch(
        f"/api/priorities/{priorities['low'].slug}/", {"rank": 1001}, format="json"
    )
    assert api.status_code == 400


# --- the admin is a channel: service-owned fields are read-only, actions call the services ----------


def test_the_ticket_admin_cannot_edit_service_fields_but_its_actions_call_the_services(
    client, admin_user, customer, tech, priorities, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = _file(customer, priorities, at=timezone.now())
    client.force_login(admin_user)
    form = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    assert 'name="status"' not in form and 'name="priority"' not in form and 'name="assignee"' not in form
    client.post(
        reverse("admin:tickets_ticket_change", args=[ticket.pk]), {"status": "closed", "subject": "hacked"}
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.subject) == (Status.NEW, "Phones down")
    assert client.get(reverse("admin:tickets_ticket_add")).status_code == 403

    changelist = reverse("admin:tickets_ticket_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            changelist, {"action": "assign_action", "_selected_action": [ticket.pk], "agent": tech.pk}
        )
        client.post(
            changelist,
            {"action": "change_status_action", "_selected_action": [ticket.pk], "status": "resolved"},
        )
        client.post(
            changelist,
            {
                "action": "reclassify_action",
                "_selected_action": [ticket.pk],
                "priority": priorities["high"].pk,
                "reason": "Whole site down",
            },
        )
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status, ticket.priority) == (tech, Status.RESOLVED, priorities["high"])
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {"assignee", "status", "priority"} <= kinds
    subjects = " | ".join(m.subject for m in mailoutbox)
    assert "resolved" in subjects.lower()


def test_a_refused_admin_action_says_why_and_changes_nothing(client, admin_user, customer, priorities):
    ticket = _file(customer, priorities, at=timezone.now())
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:tickets_ticket_changelist"),
        {"action": "reclassify_action", "_selected_action": [ticket.pk], "priority": priorities["high"].pk},
        follow=True,
    )
    assert "Give a reason" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.priority == priorities["normal"]


# --- roles: one definition of team lead and admin ------------------------------------------------------


def test_admins_group_members_are_team_leads_everywhere(
    client, customer, priorities, mailoutbox, django_capture_on_commit_callbacks
):
    admin = StaffFactory(email="ops@helpdesk.test", group=Role.ADMINS)
    ticket = _file(customer, priorities, at=timezone.now(), level="urgent")
    with django_capture_on_commit_callbacks(execute=True):
        token_client(customer).post(f"/api/tickets/{ticket.pk}/escalate/", {"reason": "now"}, format="json")
    assert any(admin.email in m.to for m in mailoutbox)  # escalation mail reaches the admins too
    client.force_login(admin)
    assert 'href="/admin/"' in client.get(reverse("desk:queue")).content.decode()


def test_a_customer_of_another_organization_cannot_be_copied_into_reading_by_merge(
    customer, priorities, tech
):
    # The same organization: the source's requester joins the target as a copied person.
    colleague = CustomerFactory(organization=customer.organization, email="c2@acme.test")
    now = timezone.now()
    a, b = _file(customer, priorities, at=now), _file(colleague, priorities, at=now, subject="dup")
    ticket_merge(source=b, target=a, by=tech, now=now)
    assert a.cc.filter(pk=colleague.pk).exists()
