from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import NOW
from tickets.models import Attachment, CannedReply, Channel, Message, Status, Ticket, TicketEvent
from tickets.services import incident_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, tech, frozen):
    client.force_login(tech)
    return client


def url(name, ticket):
    return reverse(f"desk:{name}", args=[ticket.pk])


def flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_logging_a_phone_call_records_the_channel_and_defaults_to_normal(
    desk, tech, customer, org, priorities
):
    form = desk.get(reverse("desk:ticket_new")).context["form"]
    assert form["priority"].value() == priorities["normal"].pk
    response = desk.post(
        reverse("desk:ticket_new"),
        {
            "organization": org.pk,
            "requester": customer.pk,
            "channel": Channel.PHONE,
            "priority": priorities["normal"].pk,
            "subject": "Caller: extension 204 has no dial tone",
            "description": "Rang at 15:20.",
            "assign_to_me": "on",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == url("ticket_detail", ticket)
    assert (ticket.channel, ticket.priority.slug, ticket.requester, ticket.assignee) == (
        "phone",
        "normal",
        customer,
        tech,
    )
    created = ticket.events.get(kind=TicketEvent.Kind.CREATED)
    assert created.actor == tech and created.data == {"channel": "phone"}


def test_logging_for_someone_outside_the_organization_is_refused(desk, customer, other_org, priorities):
    response = desk.post(
        reverse("desk:ticket_new"),
        {
            "organization": other_org.pk,
            "requester": customer.pk,
            "channel": Channel.CHAT,
            "priority": priorities["normal"].pk,
            "subject": "x",
        },
    )
    assert response.status_code == 200 and "is not a member of Globex" in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_barred_organization_logged_at_the_top_level_is_filed_one_level_lower(
    desk, customer, org, priorities
):
    org.may_file_top_priority = False
    org.save()
    response = desk.post(
        reverse("desk:ticket_new"),
        {
            "organization": org.pk,
            "requester": customer.pk,
            "channel": Channel.STAFF_EMAIL,
            "priority": priorities["urgent"].pk,
            "subject": "All down",
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="All down")
    assert ticket.priority == priorities["high"]  # filed one level lower, with the reason on the audit trail
    assert "barred from the Urgent level" in ticket.events.get(kind="priority").reason


def test_assign_to_me_then_reassign_tells_the_customer_the_new_name(
    desk, tech, tech2, make_ticket, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = make_ticket()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(url("ticket_assign", ticket), {"to": "me"})
    ticket.refresh_from_db()
    assert ticket.assignee == tech and ticket.status == Status.OPEN
    assert [m.to for m in mailoutbox] == [["casey@acme.test"]] and "Taylor Tech" in mailoutbox[0].subject
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(url("ticket_assign", ticket), {"agent": tech2.pk})
    customer_mail = [m for m in mailoutbox if m.to == ["casey@acme.test"]]
    assert "Sam Support" in customer_mail[0].subject and "previously Taylor Tech" in customer_mail[0].body
    assert any(m.to == ["sam@helpdesk.test"] for m in mailoutbox)  # the new owner hears too


def test_public_reply_with_attachment_is_the_first_response(
    desk, make_ticket, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = make_ticket()
    mailoutbox.clear()
    upload = SimpleUploadedFile("trace.pdf", b"%PDF-1.4 trace", content_type="text/html")
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(
            url("ticket_reply", ticket),
            {"body": "Please try again now.", "kind": "public", "attachments": [upload]},
        )
    ticket.refresh_from_db()
    assert ticket.first_responded_at == NOW and ticket.status == Status.OPEN
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.content_type, attachment.message.body) == (
        "trace.pdf",
        "application/pdf",
        "Please try again now.",
    )
    assert [m.to for m in mailoutbox] == [["casey@acme.test"]]
    download = desk.get(reverse("desk:attachment_download", args=[attachment.pk]))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]


def test_internal_note_is_not_sent_and_does_not_count_as_a_response(
    desk, make_ticket, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = make_ticket()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(url("ticket_reply", ticket), {"body": "Looks like the SBC again.", "kind": "internal"})
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None and mailoutbox == []
    assert ticket.messages.filter(kind=Message.Kind.INTERNAL).count() == 1


def test_empty_reply_is_refused_with_a_message_beside_the_field(desk, make_ticket):
    ticket = make_ticket()
    response = desk.post(url("ticket_reply", ticket), {"body": "", "kind": "internal", "minutes": "12"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert response.context["reply_form"]["minutes"].value() == "12"  # what was typed stays


def test_canned_replies_are_offered_with_the_ticket_filled_in(desk, make_ticket):
    ticket = make_ticket()
    CannedReply.objects.create(
        title="Restart", body="Hi {{ requester }}, about {{ ticket.reference }}: restart. {{ agent }}"
    )
    html = desk.get(url("ticket_detail", ticket)).content.decode()
    assert f"Hi Casey Customer, about {ticket.reference}: restart. Taylor Tech" in html


def test_status_change_and_a_refused_transition(desk, tech, make_ticket):
    ticket = make_ticket()
    desk.post(url("ticket_status", ticket), {"status": "resolved"})
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    response = desk.post(url("ticket_status", ticket), {"status": "waiting"}, follow=True)
    assert "A ticket that is resolved cannot become waiting on customer." in flash(response)


def test_reclassify_needs_a_reason_recomputes_and_tells_the_customer(
    desk, make_ticket, priorities, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = make_ticket(priority="urgent")
    response = desk.post(
        url("ticket_reclassify", ticket), {"priority": priorities["normal"].pk, "reason": ""}, follow=True
    )
    assert any("required" in m for m in flash(response))
    ticket.refresh_from_db()
    assert ticket.priority.slug == "urgent"
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(
            url("ticket_reclassify", ticket),
            {"priority": priorities["normal"].pk, "reason": "One extension only"},
        )
    ticket.refresh_from_db()
    assert ticket.priority.slug == "normal" and ticket.priority_rank == 3
    assert ticket.first_response_due_at == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)  # 2 h Friday + 2 h Monday
    assert "One extension only" in mailoutbox[0].body
    assert ticket.events.get(kind=TicketEvent.Kind.PRIORITY).reason == "One extension only"


def test_merge_by_reference(desk, make_ticket):
    dup, target = make_ticket("dup"), make_ticket("original")
    response = desk.post(url("ticket_merge", dup), {"target": target.reference, "confirm": "yes"})
    assert response["Location"] == url("ticket_detail", target)
    dup.refresh_from_db()
    assert dup.merged_into == target and dup.status == Status.CLOSED
    response = desk.post(url("ticket_merge", target), {"target": "HD-999999"}, follow=True)
    assert "Merge into ticket: No ticket HD-999999." in flash(response)
    response = desk.post(
        url("ticket_merge", target), {"target": str(target.pk), "confirm": "yes"}, follow=True
    )
    assert "A ticket cannot be merged into itself." in flash(response)


def test_link_to_incident(desk, lead, make_ticket):
    ticket = make_ticket()
    incident = incident_open(title="SIP trunk outage", public_status="Calls failing", by=lead, now=NOW)
    desk.post(url("ticket_link_incident", ticket), {"incident": incident.pk})
    ticket.refresh_from_db()
    assert ticket.incident == incident
    assert ticket.events.get(kind=TicketEvent.Kind.INCIDENT).new_value == "SIP trunk outage"


def test_history_explains_why_a_deadline_is_what_it_is(desk, tech, make_ticket):
    ticket = make_ticket(priority="normal")
    html = desk.get(url("ticket_detail", ticket)).content.decode()
    assert "First response due Mon 9 Mar 11:00 UTC because: received Fri 6 Mar 15:30 UTC" in html
    assert (
        "Normal first response = 4 h of business time on the &#x27;office&#x27; calendar (Europe/London)"
        in html
    )


def test_history_counts_the_pause_waiting_on_the_customer(client, tech, make_ticket):
    import time_machine

    from tickets.services import message_add, ticket_change_status

    ticket = make_ticket(priority="normal")
    message_add(ticket=ticket, author=tech, body="Which extension?", now=NOW, set_status=Status.WAITING)
    ticket_change_status(
        ticket=ticket, status=Status.OPEN, by=tech, now=NOW + timedelta(days=3, hours=-4, minutes=30)
    )  # Mon 12:00
    client.force_login(tech)
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        html = client.get(url("ticket_detail", ticket)).content.decode()
    assert "Resolution due Mon 16 Mar 09:30 UTC because: received Fri 6 Mar 15:30 UTC" in html
    assert "Normal resolution = 40 h of business time" in html
    assert "paused 5 h 00 min waiting on the customer" in html  # Fri 15:30-17:30 and Mon 09:00-12:00
    assert "SLA clock resumed" in html and "5 h 00 min of business time not counted" in html


def test_ticket_page_queries_do_not_grow_with_the_thread(
    desk, tech, make_ticket, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tickets.services import message_add, ticket_assign

    ticket = make_ticket()
    CannedReply.objects.create(title="Hello", body="Hi")
    with CaptureQueriesContext(connection) as short:
        desk.get(url("ticket_detail", ticket))
    ticket_assign(ticket=ticket, agent=tech, by=tech, now=NOW)
    for i in range(10):
        message_add(ticket=ticket, author=tech, body=f"note {i}", kind="internal", now=NOW)
        message_add(ticket=ticket, author=ticket.requester, body=f"reply {i}", now=NOW)
    with django_assert_max_num_queries(len(short.captured_queries)):
        desk.get(url("ticket_detail", ticket))
