"""Erasing a person: afterwards their name, address and words are found nowhere (database, files, pages,
API, CSV, the outbox, the desk search), their SLA figures are unchanged, and only an admin may do it."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from notifications.models import Notification, Suppression
from notifications.services import notification_render
from privacy.models import PrivacyRequest
from privacy.services import PrivacyError, person_erase
from tests.conftest import NOW
from tests.factories import api_key
from tests.privacy.conftest import ZELDA_NEEDLES
from tickets.dashboard import sla_dashboard
from tickets.models import Attachment, InboundEmail, Message, SurveyResponse, Ticket, TicketEvent
from tickets.search import search_filter

pytestmark = pytest.mark.django_db


def _found(text: str, needles=ZELDA_NEEDLES) -> list[str]:
    """Names and addresses in any case; the text markers ("ZQ-") as written (in lower case, three
    characters turn up in random tokens and encoded sessions)."""
    lowered = text.lower()
    return [n for n in needles if (n in text if n.isupper() else n.lower() in lowered)]


def _erase(world, capture, **kwargs):
    with capture(execute=True):
        return person_erase(person=world.zelda, by=world.admin, now=NOW, channel="admin", **kwargs)


def _figures(now):
    """What the SLA dashboard reports, without the words (the breach list names subjects)."""
    data = sla_dashboard(now=now, weeks=8)
    return {
        **{k: data[k] for k in ("rows", "by_week", "by_plan", "by_priority", "backlog", "medians", "csat")},
        "breaches": [(b["reference"], b["reasons"]) for b in data["breaches"]],
    }


def _media_files() -> dict[str, bytes]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_database_holds_nothing_of_the_person_after_an_erase(world, django_capture_on_commit_callbacks):
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    assert set(_found(out.getvalue())) == set(ZELDA_NEEDLES)  # the world really holds her everywhere

    _erase(world, django_capture_on_commit_callbacks)

    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    assert _found(out.getvalue()) == []
    # The form's own choice stays (reports and rules use it); what she typed goes.
    assert Ticket.objects.get(pk=world.ticket.pk).request_fields == {"details": "", "product": "Fuse"}
    # The colleague's own ticket and words are still there.
    assert Ticket.objects.get(pk=world.chris_ticket.pk).subject == "CHRIS-CC-subject: voicemail"


def test_a_held_mails_kept_why_loses_the_persons_address_with_its_text(
    world, settings, django_capture_on_commit_callbacks
):
    """Why a mail was held is kept twice (English ``detail``, and ``notes`` for each reader's language):
    the erase scrubs both, and the inbound page shows neither."""
    from tests.notifications.mailkit import raw_mail
    from tickets.intake.service import email_ingest
    from tickets.reasons import inbound_detail

    settings.HELPDESK_MAIL_NEW_TICKETS_PER_SENDER = 1  # her mail of the world filed one already
    with django_capture_on_commit_callbacks(execute=True):
        held = email_ingest(
            raw=raw_mail(sender="zelda.q@acme.test", subject="again", message_id="<ZQ-2.zelda@acme.test>"),
            now=world.mail_ticket.received_at + timedelta(minutes=5),
            source="test",
        )
    assert held.outcome == InboundEmail.Outcome.HELD and "zelda.q@acme.test" in str(held.notes)

    _erase(world, django_capture_on_commit_callbacks)

    held.refresh_from_db()
    assert _found(held.detail) == [] and _found(str(held.notes)) == []
    assert _found(inbound_detail(held)) == [] and inbound_detail(held).startswith("held for staff: 1 new")


def test_an_erase_deletes_the_persons_files_and_raw_mail_and_keeps_others_files(
    world, django_capture_on_commit_callbacks
):
    before = _media_files()
    assert any(b"ZQ-file-bytes" in c for c in before.values())
    assert any(b"ZQ-mail-body" in c for c in before.values())

    _erase(world, django_capture_on_commit_callbacks)

    after = _media_files()
    assert [name for name, content in after.items() if _found(content.decode("utf-8", "replace"))] == []
    # Her ticket's files go whole (a colleague's file on it is part of her request); Chris's own stay.
    assert not Attachment.objects.filter(ticket=world.ticket).exists()
    assert Attachment.objects.filter(ticket=world.chris_ticket).count() == 1
    assert any(b"CHRIS-CC-own-file" in c for c in after.values())
    assert all(not row.raw for row in InboundEmail.objects.all())


def test_no_page_api_csv_outbox_or_search_shows_the_person_after_an_erase(
    world, lead, django_capture_on_commit_callbacks
):
    _erase(world, django_capture_on_commit_callbacks)
    t = world.ticket
    pages: dict[str, str] = {}

    colleague = Client()
    colleague.force_login(world.chris)
    for url in (
        "/",
        "/?q=zelda",
        f"/tickets/{t.pk}/",
        f"/tickets/{t.pk}/thread/",
        f"/tickets/{world.chris_ticket.pk}/",
    ):
        response = colleague.get(url)
        assert response.status_code == 200, url
        pages[f"portal {url}"] = response.content.decode()

    desk = Client()
    desk.force_login(lead)
    # The queue's filter box and the full-text search (tickets/search.py: its documents are kept by
    # database triggers, so the erase's own writes re-index her tickets).
    for url in (
        "/desk/",
        "/desk/?q=zelda",
        "/desk/search/?q=zelda",
        "/desk/search/?q=Quinterro",
        "/desk/search/?q=ZQ-subject",
        "/desk/?q=zelda.q%40acme.test",
        "/desk/?q=ZQ-subject",
        f"/desk/tickets/{t.pk}/",
        f"/desk/tickets/{world.mail_ticket.pk}/",
        f"/desk/tickets/{world.chris_ticket.pk}/",
        f"/desk/tickets/{world.other_org_ticket.pk}/",
        "/desk/dashboard/",
        "/desk/dashboard.csv?weeks=8",
        f"/desk/time.csv?from={(NOW - timedelta(days=40)).date()}&to={NOW.date()}",
        "/desk/inbound/",
    ):
        response = desk.get(url)
        assert response.status_code == 200, url
        pages[f"desk {url}"] = response.content.decode()
    assert "ZQ-" not in pages["desk /desk/?q=zelda"]  # her marker (a bare "ZQ" can be in a CSRF token)

    admin = Client()
    admin.force_login(world.admin)
    for url in (
        "/admin/accounts/user/?q=zelda",
        f"/admin/accounts/user/{world.zelda.pk}/change/",
        f"/admin/tickets/ticket/{t.pk}/change/",
        "/admin/tickets/ticket/",
        "/admin/admin/logentry/",
        "/admin/notifications/notification/",
    ):
        response = admin.get(url)
        assert response.status_code in (200, 404), url
        pages[f"admin {url}"] = response.content.decode()

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(lead)}")
    for url in (
        "/api/tickets/",
        f"/api/tickets/{t.pk}/",
        f"/api/tickets/{t.pk}/messages/",
        f"/api/tickets/{t.pk}/events/",
        f"/api/tickets/{t.pk}/attachments/",
        f"/api/tickets/{world.chris_ticket.pk}/messages/",
        "/api/queue/",
        "/api/tickets/?search=zelda",
        "/api/tickets/?q=zelda",
        "/api/tickets/?q=Quinterro",
        "/api/queue/?q=ZQ-subject",
    ):
        response = api.get(url)
        assert response.status_code == 200, url
        pages[f"api {url}"] = response.content.decode()

    for n in Notification.objects.all():
        rendered = notification_render(n)
        pages[f"outbox {n.pk} {n.event}"] = " ".join(
            [
                n.recipient,
                rendered["subject"],
                rendered["text"],
                rendered["html"],
                *rendered["headers"].values(),
            ]
        )

    # A search page repeats what was typed in its box: take the query out, then nothing of hers may remain
    # (her tickets are still there, as "[erased]", but no search for her finds them).
    searches = {
        "zelda": "zelda",
        "Quinterro": "Quinterro",
        "zelda.q%40acme.test": "zelda.q@acme.test",
        "ZQ-subject": "ZQ-subject",
    }
    for where in pages:
        for raw, typed in searches.items():
            if where.endswith((f"q={raw}", f"search={raw}")):
                assert f"/tickets/{t.pk}/" not in pages[where], where
                pages[where] = pages[where].replace(typed, "").replace(raw, "")
    leaks = {where: found for where, text in pages.items() if (found := _found(text))}
    assert leaks == {}
    # The full-text index itself: no word of hers finds a ticket, in the staff document or the public one.
    for needle in ("Zelda", "Quinterro", "zelda.q@acme.test", "ZQ-description", "ZQ-field", "zelda.log"):
        for reader in (lead, world.chris):
            found = search_filter(Ticket.objects.all(), text=needle, reader=reader)
            assert not found.exists(), (needle, reader)
    # The colleague's words on her ticket are still his to read.
    assert (
        "CHRIS-CC-reply" in pages[f"portal /tickets/{t.pk}/thread/"]
        or "CHRIS-CC-reply" in pages[f"portal /tickets/{t.pk}/"]
    )


def test_the_sla_figures_stay_the_same_after_an_erase(world, django_capture_on_commit_callbacks):
    before = _figures(NOW)
    stamps = list(
        Ticket.objects.order_by("pk").values_list(
            "pk",
            "received_at",
            "first_response_due_at",
            "resolution_due_at",
            "first_responded_at",
            "resolved_at",
            "closed_at",
            "first_response_breached_at",
            "resolution_breached_at",
            "priority_id",
            "plan_id",
            "status",
            "organization_id",
        )
    )
    counts = (Message.objects.count(), SurveyResponse.objects.filter(rating__isnull=False).count())
    events = list(TicketEvent.objects.order_by("pk").values_list("pk", "kind", "created_at", "actor_id"))
    reopened = list(
        TicketEvent.objects.filter(ticket=world.ticket, reason__startswith="reopened").values_list(
            "kind", "reason"
        )
    )
    assert ("status", "reopened: the customer replied") in reopened

    _erase(world, django_capture_on_commit_callbacks)

    assert _figures(NOW) == before
    assert (
        list(
            Ticket.objects.order_by("pk").values_list(
                "pk",
                "received_at",
                "first_response_due_at",
                "resolution_due_at",
                "first_responded_at",
                "resolved_at",
                "closed_at",
                "first_response_breached_at",
                "resolution_breached_at",
                "priority_id",
                "plan_id",
                "status",
                "organization_id",
            )
        )
        == stamps
    )
    assert (Message.objects.count(), SurveyResponse.objects.filter(rating__isnull=False).count()) == counts
    assert SurveyResponse.objects.get(ticket=world.ticket).rating == 4
    assert (
        list(TicketEvent.objects.order_by("pk").values_list("pk", "kind", "created_at", "actor_id")) == events
    )
    # The desk's own words on her actions stay: the dashboard counts reopened tickets by them.
    assert (
        list(
            TicketEvent.objects.filter(ticket=world.ticket, reason__startswith="reopened").values_list(
                "kind", "reason"
            )
        )
        == reopened
    )


def test_the_erased_account_cannot_sign_in_and_mail_to_it_is_never_sent(
    world, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(world.zelda)
    _erase(world, django_capture_on_commit_callbacks)
    zelda = type(world.zelda).objects.get(pk=world.zelda.pk)
    assert not zelda.is_active and not zelda.has_usable_password()
    assert zelda.email == f"erased-{zelda.pk}@erased.invalid" and zelda.display_name == "Erased person"
    assert zelda.organization is None and not zelda.api_tokens.exists()
    assert client.get("/").status_code == 302  # the old session is gone
    from django.contrib.sessions.models import Session

    assert [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(zelda.pk)] == []
    assert Suppression.objects.filter(email=zelda.email).exists()
    assert not Notification.objects.filter(
        recipient=zelda.email, status__in=[Notification.Status.PENDING, Notification.Status.HELD]
    ).exists()


def test_an_erase_is_audited_with_who_asked_and_is_safe_to_repeat(world, django_capture_on_commit_callbacks):
    first = _erase(world, django_capture_on_commit_callbacks, note="request 2026-17")
    assert first.kind == PrivacyRequest.Kind.ERASE and first.requested_by == world.admin
    assert first.subject_id == world.zelda.pk and first.summary["tickets_requested"] == 2
    assert first.summary["messages_erased"] >= 3 and first.summary["attachments_deleted"] == 2
    world.zelda.refresh_from_db()
    bodies = list(Message.objects.order_by("pk").values_list("body", "quoted_text"))
    second = _erase(world, django_capture_on_commit_callbacks)
    assert second.summary["attachments_deleted"] == 0 and second.summary["tickets_participated"] == 0
    assert list(Message.objects.order_by("pk").values_list("body", "quoted_text")) == bodies
    assert PrivacyRequest.objects.filter(kind="erase").count() == 2


@pytest.mark.parametrize("who", ["tech", "lead", "chris", "zelda"])
def test_only_an_admin_may_erase(world, lead, who, django_capture_on_commit_callbacks):
    by = {"tech": world.tech, "lead": lead, "chris": world.chris, "zelda": world.zelda}[who]
    with pytest.raises(PrivacyError):
        person_erase(person=world.zelda, by=by, now=NOW, channel="admin")
    assert Ticket.objects.get(pk=world.ticket.pk).subject.startswith("ZQ-subject")
    assert not PrivacyRequest.objects.exists()


def test_a_staff_account_is_not_erased_until_it_loses_staff_rights(world):
    with pytest.raises(PrivacyError, match="staff"):
        person_erase(person=world.tech, by=world.admin, now=NOW, channel="admin")


def test_the_admin_action_asks_for_confirmation_then_erases(world):
    client = Client()
    client.force_login(world.admin)
    url = "/admin/accounts/user/"
    data = {"action": "erase_personal_data", "_selected_action": [world.zelda.pk]}
    page = client.post(url, data)
    assert page.status_code == 200 and b"cannot be undone" in page.content
    assert Ticket.objects.get(pk=world.ticket.pk).subject.startswith("ZQ-subject")
    done = client.post(url, {**data, "confirm": "yes", "note": "DSR-9"}, follow=True)
    assert done.status_code == 200 and b"Erased 1 account" in done.content
    assert Ticket.objects.get(pk=world.ticket.pk).subject == "[erased]"
    assert PrivacyRequest.objects.get().note == "DSR-9"
    from django.contrib.admin.models import LogEntry

    entry = LogEntry.objects.filter(object_id=str(world.zelda.pk)).latest("action_time")
    assert (
        entry.user == world.admin
        and entry.object_repr == "Erased person"
        and "Erased" in entry.change_message
    )


def test_the_admin_action_refuses_a_technician_with_admin_access(world):
    from django.contrib.auth.models import Permission

    world.tech.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    client = Client()
    client.force_login(world.tech)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "erase_personal_data", "_selected_action": [world.zelda.pk], "confirm": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert Ticket.objects.get(pk=world.ticket.pk).subject.startswith("ZQ-subject")
    assert not PrivacyRequest.objects.exists()


def test_the_command_erases_only_with_confirmation(world, django_capture_on_commit_callbacks):
    with pytest.raises(CommandError, match="--yes"):
        call_command("privacy", "erase", "zelda.q@acme.test")
    with pytest.raises(CommandError, match="not an administrator"):
        call_command("privacy", "erase", "zelda.q@acme.test", "--yes", "--by", world.tech.email)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("privacy", "erase", "ZELDA.Q@acme.test", "--yes", "--by", world.admin.email, stdout=out)
    assert f"Erased account #{world.zelda.pk}" in out.getvalue()
    request = PrivacyRequest.objects.get()
    assert request.channel == "command" and request.requested_by == world.admin
    with pytest.raises(CommandError, match="No account"):
        call_command("privacy", "erase", "999999", "--yes")


def test_an_address_copied_by_mail_without_an_account_can_be_erased_too(
    customer, tech, priorities, admin_user, django_capture_on_commit_callbacks
):
    from tickets.services import ticket_create

    with django_capture_on_commit_callbacks(execute=True):
        t = ticket_create(
            requester=customer,
            subject="Copy my manager",
            priority=priorities["normal"],
            cc_emails=["Dana.Copy@elsewhere.test", "keep@elsewhere.test"],
            now=NOW,
        )
        from tickets.services import message_add

        message_add(ticket=t, author=tech, body="Copying dana.copy@elsewhere.test as asked.", now=NOW)
    assert Notification.objects.filter(recipient__iexact="dana.copy@elsewhere.test").exists()

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "privacy", "erase", "dana.copy@elsewhere.test", "--yes", "--by", admin_user.email, stdout=out
        )
    assert "without an account" in out.getvalue()
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert "dana.copy" not in dump.getvalue().lower()
    t.refresh_from_db()
    assert t.cc_emails == ["keep@elsewhere.test"] and t.subject == "Copy my manager"
    request = PrivacyRequest.objects.get()
    assert request.subject is None and request.summary["address_only"] and request.requested_by == admin_user


def test_an_address_with_an_account_is_erased_as_the_account(world):
    from privacy.services import address_erase

    with pytest.raises(PrivacyError, match="account"):
        address_erase(email="zelda.q@acme.test", by=world.admin, now=NOW, channel="command")


@pytest.fixture
def crm_endpoint(db):
    """A webhook subscription told about every event from before the person's tickets were filed."""
    from webhooks.events import EventType
    from webhooks.models import Endpoint

    # A documentation address: the delivery is refused or fails, and the log row (with its payload) stays.
    return Endpoint.objects.create(
        name="CRM", url="https://203.0.113.10/hook", events=[t.value for t in EventType]
    )


def test_webhook_delivery_logs_keep_nothing_of_the_person_after_an_erase(
    crm_endpoint, world, django_capture_on_commit_callbacks
):
    from webhooks.models import Delivery

    logged = " ".join(str(d.payload) for d in Delivery.objects.all())
    assert _found(logged), "the deliveries carried her name or words"

    _erase(world, django_capture_on_commit_callbacks)

    assert _found(" ".join(str(d.payload) for d in Delivery.objects.all())) == []
    assert Delivery.objects.count() > 0  # the log stays: who was told what, when
