"""Filing and following tickets through the customer portal (Django test client)."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import NOW
from tests.factories import PriorityFactory, portal_filing
from tickets.models import (
    Attachment,
    Incident,
    IncidentUpdate,
    RequestType,
    Status,
    SurveyResponse,
    Ticket,
    TicketEvent,
)
from tickets.services import message_add, survey_issue, ticket_assign, ticket_change_status, ticket_create
from tickets.services.attachments import sniff_content_type

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
VOICE_FIELDS = [
    "product",
    "numbers_dialed",
    "numbers_calling",
    "start_date",
    "pattern",
    "frequency",
    "details",
]


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def casey(client, customer, settings, tmp_path, clock):
    settings.MEDIA_ROOT = str(tmp_path)
    customer.email_verified_at = NOW
    customer.save()
    client.force_login(customer)
    return customer


def _filing(priority, **extra):
    return portal_filing(priority, **{"rf_numbers_dialed": "+44 20 7946 0001, 0800 123 456", **extra})


def test_the_default_request_form_asks_exactly_the_voice_platform_template(db):
    default = RequestType.objects.get(is_default=True)
    assert [f["name"] for f in default.fields] == VOICE_FIELDS
    assert default.active and not default.priorities.exists()


def test_filing_stores_the_fields_and_shows_reference_and_expected_response(
    client, casey, priorities, mailoutbox, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("screen.png", PNG, content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:ticket_new"), {**_filing(priorities["normal"]), "attachments": [upload]}
        )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/?received=1"
    assert ticket.request_type.is_default and ticket.priority == priorities["normal"]
    assert ticket.request_fields["numbers_dialed"] == ["+44 20 7946 0001", "0800 123 456"]
    assert ticket.request_fields["start_date"] == "2026-03-05"
    assert "Product: Fuse" in ticket.description and ticket.description.endswith("the line drops.")
    attachment = Attachment.objects.get()
    assert attachment.message == ticket.messages.get() and attachment.content_type == "image/png"
    assert [m.to for m in mailoutbox] == [["casey@acme.test"]]

    page = client.get(response["Location"]).content.decode()
    assert f"We received your request {ticket.reference}" in page
    assert (
        "within 4 business hours" in page and "Monday 9 March, 11:00 UTC" in page
    )  # 2 h on Friday, 2 h on Monday
    assert "screen.png" in page


def test_invalid_input_gets_clear_messages_and_keeps_what_was_typed(client, casey, priorities):
    data = _filing(
        priorities["normal"],
        rf_product="",
        rf_numbers_dialed="+44 20 7946 0001, call me",
        rf_start_date="soon",
    )
    response = client.post(reverse("portal:ticket_new"), data)
    page = response.content.decode()
    assert response.status_code == 400 and not Ticket.objects.exists()
    assert "This field is required." in page
    assert "“call me” does not look like a phone number" in page
    assert "Enter a date" in page
    assert (
        'value="Inbound calls fail"' in page
        and "Callers hear silence" in page
        and "+44 20 7946 0001, call me" in page
    )
    assert f'value="{priorities["normal"].pk}" aria-describedby="prio-normal-desc" checked' in page


def test_the_priority_picker_shows_definitions_examples_targets_and_phone_advice(
    client, casey, priorities, settings
):
    urgent = priorities["urgent"]
    urgent.definition, urgent.examples, urgent.advise_phone = (
        "Business operations have ceased.",
        ["All numbers down"],
        True,
    )
    urgent.save()
    page = client.get(reverse("portal:ticket_new")).content.decode()
    assert "Business operations have ceased." in page and "All numbers down" in page
    assert "First response within 30 minutes, around the clock" in page
    assert "First response within 2 business hours · Resolution within 24 business hours" in page
    assert f'Please phone us now on <a href="tel:{settings.HELPDESK_SUPPORT_PHONE}">' in page
    assert page.count("Please phone us now") == 1  # only the level marked "phone instead"


def test_a_phone_instead_level_can_still_be_filed(client, casey, priorities):
    priorities["urgent"].advise_phone = True
    priorities["urgent"].save()
    response = client.post(reverse("portal:ticket_new"), _filing(priorities["urgent"]))
    assert response.status_code == 302 and Ticket.objects.get().priority == priorities["urgent"]


def test_a_barred_organization_is_told_what_a_guarded_level_is_filed_as_and_gets_it(
    client, casey, org, priorities
):
    org.may_file_top_priority = False
    org.save()
    page = client.get(reverse("portal:ticket_new")).content.decode()
    assert "a request here is filed as <strong>High</strong>" in page
    response = client.post(reverse("portal:ticket_new"), _filing(priorities["urgent"]))
    assert response.status_code == 302
    assert Ticket.objects.get().priority == priorities["high"]


def test_several_forms_get_a_picker_and_each_offers_its_own_levels(client, casey, priorities):
    clinical = RequestType.objects.create(
        slug="clinical-collaboration",
        name="Clinical Collaboration",
        position=1,
        fields=[{"name": "site", "label": "Site", "type": "text", "required": True}],
    )
    level3 = PriorityFactory(slug="level-3", name="Level 3", rank=7)
    clinical.priorities.set([priorities["low"], level3])
    picker = client.get(reverse("portal:ticket_new")).content.decode()
    assert "Clinical Collaboration" in picker and "Report a problem" in picker
    page = client.get(reverse("portal:ticket_new_type", args=["clinical-collaboration"])).content.decode()
    assert 'id="prio-level-3"' in page and 'id="prio-low"' in page and 'id="prio-urgent"' not in page
    assert 'name="rf_site"' in page and 'name="rf_product"' not in page
    response = client.post(
        reverse("portal:ticket_new_type", args=["clinical-collaboration"]),
        {"subject": "Ward login", "priority": level3.pk, "rf_site": "North"},
    )
    ticket = Ticket.objects.get()
    assert (
        response.status_code == 302
        and ticket.request_type == clinical
        and ticket.request_fields == {"site": "North"}
    )
    refused = client.post(
        reverse("portal:ticket_new_type", args=["clinical-collaboration"]),
        {"subject": "x", "priority": priorities["urgent"].pk, "rf_site": "x"},
    )
    assert refused.status_code == 400 and Ticket.objects.count() == 1


def test_an_unverified_customer_is_asked_to_verify_before_filing(client, unverified, priorities, clock):
    client.force_login(unverified)
    page = client.get(reverse("portal:ticket_new")).content.decode()
    assert "Verify your email address" in page and 'name="subject"' not in page
    assert client.post(reverse("portal:ticket_new"), _filing(priorities["normal"])).status_code == 403
    assert not Ticket.objects.exists()
    assert "Send a new link" in client.get(reverse("portal:ticket_list")).content.decode()


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("page.png", b"<!DOCTYPE html><html><script>alert(1)</script>", "web pages and SVG"),
        (
            "logo.svg",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>',
            "web pages and SVG",
        ),
        ("tool.txt", b"MZ\x90\x00\x03" + b"\x00" * 40, "programs and scripts"),
        ("run.log", b"#!/bin/sh\nrm -rf /\n", "programs and scripts"),
        ("empty.log", b"", "is empty"),
    ],
)
def test_dangerous_or_empty_uploads_are_refused_whatever_their_name(
    client, casey, priorities, name, content, message
):
    response = client.post(
        reverse("portal:ticket_new"),
        {**_filing(priorities["normal"]), "attachments": [SimpleUploadedFile(name, content)]},
    )
    page = response.content.decode()
    assert response.status_code == 400 and message in page and not Ticket.objects.exists()
    assert "Please choose your files again" in page or message == "is empty"


def test_upload_size_and_count_limits_come_from_settings(client, casey, priorities, settings):
    settings.HELPDESK_MAX_ATTACHMENT_BYTES = 100
    settings.HELPDESK_MAX_ATTACHMENTS = 2
    big = SimpleUploadedFile("big.log", b"x" * 101)
    page = client.post(
        reverse("portal:ticket_new"), {**_filing(priorities["normal"]), "attachments": [big]}
    ).content.decode()
    assert "“big.log” is 101\xa0bytes; the limit is 100\xa0bytes per file." in page
    many = [SimpleUploadedFile(f"{i}.log", b"ok") for i in range(3)]
    page = client.post(
        reverse("portal:ticket_new"), {**_filing(priorities["normal"]), "attachments": many}
    ).content.decode()
    assert "Attach at most 2 files at a time." in page and not Ticket.objects.exists()


def test_content_type_is_sniffed_from_the_bytes_not_the_name():
    assert sniff_content_type(PNG) == "image/png"
    assert sniff_content_type(b"\xff\xd8\xff\xe0JFIF") == "image/jpeg"
    assert sniff_content_type(b"%PDF-1.7") == "application/pdf"
    assert sniff_content_type("2026-03-06 ERROR trunk down ✓".encode()) == "text/plain"
    assert sniff_content_type(b"\x00\x01\x02binary") == "application/octet-stream"


def test_downloads_are_attachments_with_nosniff_and_the_display_name(client, casey, priorities):
    client.post(
        reverse("portal:ticket_new"),
        {**_filing(priorities["normal"]), "attachments": [SimpleUploadedFile("../../etc/passwd.png", PNG)]},
    )
    attachment = Attachment.objects.get()
    assert attachment.filename == "passwd.png" and "passwd" not in attachment.file.name
    response = client.get(reverse("portal:attachment_download", args=[attachment.ticket_id, attachment.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="passwd.png"'
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG


def test_the_list_shows_status_priority_assignee_and_sla_newest_activity_first(
    client, casey, priorities, tech, django_assert_max_num_queries
):
    older = ticket_create(
        requester=casey, subject="Old question", priority=priorities["low"], now=NOW - timedelta(days=3)
    )
    late = ticket_create(
        requester=casey, subject="Late one", priority=priorities["high"], now=NOW - timedelta(days=1)
    )
    fresh = ticket_create(requester=casey, subject="Fresh one", priority=priorities["normal"], now=NOW)
    message_add(ticket=older, author=tech, body="Looking", now=NOW - timedelta(days=2))

    ticket_assign(ticket=older, agent=tech, by=tech, now=NOW - timedelta(days=2))
    with django_assert_max_num_queries(9):  # the ids: one ordered read for filed, one for copied
        page = client.get(reverse("portal:ticket_list")).content.decode()
    assert page.index("Fresh one") < page.index("Late one") < page.index("Old question")
    assert "Taylor Tech" in page and "Not yet assigned" in page
    assert "Breached" in page and "First response was due" in page  # the High ticket, due Thursday
    assert "On track" in page and "First response due in" in page
    assert ("sla-breached" in page) and late.first_response_due_at < NOW < fresh.first_response_due_at


def test_filters_and_search_narrow_the_list(client, casey, priorities):
    a = ticket_create(requester=casey, subject="Fax not sending", priority=priorities["low"], now=NOW)
    b = ticket_create(requester=casey, subject="Queue stuck", priority=priorities["high"], now=NOW)
    ticket_change_status(ticket=b, status=Status.RESOLVED, by=None, now=NOW)
    url = reverse("portal:ticket_list")
    assert "Queue stuck" not in client.get(url, {"q": "fax"}).content.decode()
    by_ref = client.get(url, {"q": f"hd-{b.pk}"}).content.decode()
    assert "Queue stuck" in by_ref and "Fax not sending" not in by_ref
    assert "Fax not sending" not in client.get(url, {"status": "resolved"}).content.decode()
    assert "Queue stuck" not in client.get(url, {"status": "open"}).content.decode()
    only_high = client.get(url, {"priority": "high"}).content.decode()
    assert "Queue stuck" in only_high and "Fax not sending" not in only_high
    partial = client.get(url, {"q": "fax"}, HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="ticket-results"') and a.subject in partial


def test_reply_with_attachment_and_the_public_thread(client, casey, priorities, tech):
    ticket = ticket_create(requester=casey, subject="Trunk", priority=priorities["normal"], now=NOW)
    message_add(ticket=ticket, author=tech, body="Which trunk?", now=NOW)
    response = client.post(
        reverse("portal:ticket_detail", args=[ticket.pk]),
        {"body": "The London one", "attachments": [SimpleUploadedFile("trace.log", b"SIP 503")]},
    )
    assert response.status_code == 302
    page = client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()
    assert "Which trunk?" in page and "The London one" in page and "trace.log" in page
    assert Attachment.objects.get().message.body == "The London one"
    empty = client.post(reverse("portal:ticket_detail", args=[ticket.pk]), {"body": ""})
    assert empty.status_code == 400 and "Write a reply before sending." in empty.content.decode()


def test_confirm_resolved_closes_and_reopen_opens_again(client, casey, priorities):
    ticket = ticket_create(requester=casey, subject="x", priority=priorities["normal"], now=NOW)
    ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=None, now=NOW)
    assert (
        "Confirm resolved" in client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()
    )
    client.post(reverse("portal:ticket_confirm", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.close_reason == "Resolution confirmed by the customer"
    client.post(reverse("portal:ticket_reopen", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.closed_at is None


def test_close_without_resolution_needs_a_reason(client, casey, priorities):
    ticket = ticket_create(requester=casey, subject="x", priority=priorities["normal"], now=NOW)
    response = client.post(reverse("portal:ticket_close", args=[ticket.pk]), {"reason": ""})
    assert response.status_code == 400 and "Give a reason" in response.content.decode()
    client.post(reverse("portal:ticket_close", args=[ticket.pk]), {"reason": "Worked around it"})
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.close_reason.endswith("Worked around it")


def test_a_fresh_on_track_ticket_never_tells_the_customer_our_response_is_overdue(client, casey, priorities):
    ticket = ticket_create(requester=casey, subject="x", priority=priorities["normal"], now=NOW)
    detail = reverse("portal:ticket_detail", args=[ticket.pk])
    edit = reverse("portal:ticket_edit", args=[ticket.pk])
    page = client.get(detail).content.decode()
    assert "Our response is overdue" not in page
    assert "Nobody has worked on it yet, so you can still change the details." in page
    assert "Our response is overdue" not in client.get(edit).content.decode()
    with time_machine.travel(ticket.first_response_due_at + timedelta(minutes=1), tick=False):
        assert "Our response is overdue, so you can update the details" in client.get(detail).content.decode()
        assert "Our response is overdue." in client.get(edit).content.decode()


def test_escalation_is_offered_once_the_response_is_overdue(client, casey, priorities, lead):
    ticket = ticket_create(requester=casey, subject="x", priority=priorities["normal"], now=NOW)
    page = client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()
    assert 'disabled aria-describedby="escalate-why"' in page
    client.post(reverse("portal:ticket_escalate", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.escalated_at is None
    with time_machine.travel(ticket.first_response_due_at + timedelta(minutes=1), tick=False):
        assert (
            "escalate-why"
            not in client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()
        )
        client.post(
            reverse("portal:ticket_escalate", args=[ticket.pk]), {"reason": "Customers cannot call us"}
        )
    ticket.refresh_from_db()
    assert ticket.escalated_at is not None
    assert (
        TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.ESCALATED).reason
        == "Customers cannot call us"
    )


def test_high_priority_can_be_escalated_at_once(client, casey, priorities):
    ticket = ticket_create(requester=casey, subject="x", priority=priorities["high"], now=NOW)
    client.post(reverse("portal:ticket_escalate", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.escalated_at == NOW


def test_the_request_can_be_edited_once_its_response_time_is_breached(client, casey, priorities):
    client.post(reverse("portal:ticket_new"), _filing(priorities["normal"]))
    ticket = Ticket.objects.get()
    assert client.get(reverse("portal:ticket_edit", args=[ticket.pk])).status_code == 200  # still new
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.OPEN)  # a technician picked it up
    assert client.get(reverse("portal:ticket_edit", args=[ticket.pk])).status_code == 302
    with time_machine.travel(ticket.first_response_due_at + timedelta(minutes=1), tick=False):
        form = client.get(reverse("portal:ticket_edit", args=[ticket.pk])).content.decode()
        assert 'value="+44 20 7946 0001, 0800 123 456"' in form
        response = client.post(
            reverse("portal:ticket_edit", args=[ticket.pk]),
            {
                **_filing(priorities["normal"]),
                "subject": "All inbound calls fail",
                "rf_frequency": "Every call",
            },
        )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.subject == "All inbound calls fail" and ticket.request_fields["frequency"] == "Every call"
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.EDITED, data__field="subject")
    assert (event.actor, event.old_value) == (casey, "Inbound calls fail")


def test_the_survey_page_records_nothing_on_get_and_one_answer_on_post(client, customer, priorities, clock):
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=NOW)
    _, token = survey_issue(ticket=ticket, now=NOW)
    url = reverse("portal:survey", args=[token])
    page = client.get(url)
    assert page.status_code == 200 and ticket.reference in page.content.decode()
    assert SurveyResponse.objects.get().answered_at is None
    assert client.post(url, {"comment": "no rating"}).status_code == 400
    assert "Thank you!" in client.post(url, {"rating": "4", "comment": "Quick"}).content.decode()
    survey = SurveyResponse.objects.get()
    assert (survey.rating, survey.comment, survey.answered_at) == (4, "Quick", NOW)
    again = client.post(url, {"rating": "1"})
    assert again.status_code == 410 and "already been answered" in again.content.decode()
    assert SurveyResponse.objects.get().rating == 4
    assert client.get(reverse("portal:survey", args=["forged"])).status_code == 410


def test_the_incident_banner_and_the_about_the_incident_choice(client, casey, priorities):
    incident = Incident.objects.create(
        title="Inbound calls failing in London", public_status="Engineers are on it.", opened_at=NOW
    )
    IncidentUpdate.objects.create(incident=incident, body="Carrier has found the fault.", created_at=NOW)
    for url in (
        reverse("portal:ticket_list"),
        reverse("accounts:profile"),
        reverse("portal:incident_banner"),
    ):
        page = client.get(url).content.decode()
        assert "Inbound calls failing in London" in page and "Carrier has found the fault." in page
    form = client.get(reverse("portal:ticket_new")).content.decode()
    assert "This is about the current incident: Inbound calls failing in London" in form
    client.post(reverse("portal:ticket_new"), {**_filing(priorities["normal"]), "about_incident": "on"})
    ticket = Ticket.objects.get()
    assert ticket.about_incident and ticket.incident == incident
    incident.resolved_at = NOW
    incident.save()
    assert "Inbound calls failing" not in client.get(reverse("portal:ticket_list")).content.decode()


def test_bad_multipart_input_never_500s(client, casey, priorities):
    response = client.post(
        reverse("portal:ticket_new"),
        {"subject": "x" * 300, "priority": "999999", "attachments": io.BytesIO(b"")},
    )
    assert response.status_code == 400


def test_with_several_open_incidents_the_customer_picks_which_one(client, casey, priorities):
    first = Incident.objects.create(title="Outage in London", public_status="Investigating", opened_at=NOW)
    second = Incident.objects.create(title="Fax gateway down", public_status="Investigating", opened_at=NOW)
    form = client.get(reverse("portal:ticket_new")).content.decode()
    assert "Is this about a current incident?" in form and "No, it is something else" in form
    client.post(reverse("portal:ticket_new"), {**_filing(priorities["normal"]), "incident": str(second.pk)})
    client.post(reverse("portal:ticket_new"), {**_filing(priorities["normal"]), "incident": ""})
    linked, unlinked = Ticket.objects.order_by("pk")
    assert (linked.incident, linked.about_incident) == (second, True)
    assert (unlinked.incident, unlinked.about_incident) == (None, False) and first.tickets.count() == 0


def test_a_ticket_closed_longer_than_the_reopen_window_is_not_reopened(client, casey, priorities):
    from sla.models import JobPolicy

    JobPolicy.objects.create(plan=None, reopen_window=timedelta(days=7))
    ticket = ticket_create(
        requester=casey, subject="x", priority=priorities["normal"], now=NOW - timedelta(days=10)
    )
    ticket_change_status(ticket=ticket, status=Status.CLOSED, by=None, now=NOW - timedelta(days=8))
    page = client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()
    assert "closed too long ago to reopen" in page and "Reopen ticket" not in page
    client.post(reverse("portal:ticket_reopen", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_ticket_edit_request_refuses_before_the_breach_and_audits_after(customer, tech, priorities):
    from tickets.services import TicketError, ticket_edit_request

    ticket = ticket_create(
        requester=customer, subject="Old", description="old text", priority=priorities["normal"], now=NOW
    )
    ticket_assign(ticket=ticket, agent=tech, by=tech, now=NOW)  # being worked on: no longer "new"
    with pytest.raises(TicketError, match="once its response time has passed"):
        ticket_edit_request(ticket=ticket, by=customer, now=NOW, subject="New")
    later = ticket.first_response_due_at + timedelta(seconds=1)
    ticket_edit_request(ticket=ticket, by=customer, now=later, subject="New", description="new text")
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.description, ticket.last_activity_at) == ("New", "new text", later)
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.EDITED, data__field="description")
    assert (event.old_value, event.new_value) == ("old text", "new text")
    with pytest.raises(TicketError, match="cannot be empty"):
        ticket_edit_request(ticket=ticket, by=customer, now=later, subject="  ")
    ticket_edit_request(ticket=ticket, by=tech, now=NOW, subject="Staff may fix it any time")


def test_the_ticket_page_runs_a_fixed_number_of_queries(
    client, casey, priorities, tech, django_assert_max_num_queries
):
    ticket = ticket_create(requester=casey, subject="x", priority=priorities["normal"], now=NOW)
    for i in range(5):
        message_add(ticket=ticket, author=tech if i % 2 else casey, body=f"message {i}", now=NOW)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()
    assert "message 4" in page
