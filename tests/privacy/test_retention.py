"""The retention policy: closed tickets older than HELPDESK_RETENTION_MONTHS lose files and customers'
identities and words, in batches, once; recent or open tickets and the SLA figures are untouched."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from helpdesk.celery import app
from notifications.models import Notification
from notifications.services import notification_render
from privacy import tasks
from privacy.models import PrivacyRequest
from privacy.services import retention as retention_module
from privacy.services import retention_apply, retention_cutoff
from tests.conftest import NOW
from tickets.jobs import JOBS
from tickets.models import Attachment, Message, Ticket
from tickets.services import attachment_add, message_add, ticket_close, ticket_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def six_months(settings):
    settings.HELPDESK_RETENTION_MONTHS = 6


def _closed_ticket(customer, tech, priorities, *, closed_at, words="QX-words: my line is dead"):
    t = ticket_create(
        requester=customer,
        subject=f"QX-subject {closed_at:%Y-%m-%d}",
        description=words,
        priority=priorities["normal"],
        now=closed_at - timedelta(days=3),
    )
    attachment_add(ticket=t, upload=SimpleUploadedFile("a.txt", b"QX-bytes"), by=customer)
    message_add(
        ticket=t, author=tech, body=f"Hello {customer.full_name}, done.", now=closed_at - timedelta(days=1)
    )
    return ticket_close(ticket=t, by=tech, now=closed_at)


def _figures():
    return list(
        Ticket.objects.order_by("pk").values_list(
            "pk",
            "received_at",
            "first_response_due_at",
            "resolution_due_at",
            "first_responded_at",
            "closed_at",
            "first_response_breached_at",
            "resolution_breached_at",
            "status",
        )
    )


def test_the_cutoff_counts_calendar_months_and_zero_turns_the_policy_off(settings):
    settings.HELPDESK_RETENTION_MONTHS = 0
    assert retention_cutoff(NOW) is None and retention_apply(now=NOW) == 0
    assert retention_cutoff(NOW, 6) == NOW.replace(year=2025, month=9)
    assert retention_cutoff(NOW.replace(month=8, day=31), 6) == NOW.replace(month=2, day=28)


def test_old_closed_tickets_lose_files_and_customers_once_and_recent_ones_keep_them(
    six_months, customer, colleague, tech, priorities, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        old = _closed_ticket(customer, tech, priorities, closed_at=NOW - timedelta(days=200))
        old.cc.add(colleague)
        recent = _closed_ticket(customer, tech, priorities, closed_at=NOW - timedelta(days=100))
        still_open = ticket_create(
            requester=customer,
            subject="QX-open",
            priority=priorities["normal"],
            now=NOW - timedelta(days=300),
        )
    before = _figures()

    with django_capture_on_commit_callbacks(execute=True):
        assert retention_apply(now=NOW) == 1
    old.refresh_from_db()
    assert old.requester.email == "anonymised@erased.invalid" and not old.requester.is_active
    assert old.subject == "[erased]" and old.description == "" and not old.cc.exists()
    assert not Attachment.objects.filter(ticket=old).exists()
    assert not list(tmp_path.rglob(f"attachments/{old.pk}/*"))  # the file itself is gone
    texts = " ".join(Message.objects.filter(ticket=old).values_list("body", flat=True))
    assert "QX-" not in texts and "Casey" not in texts and "Hello Erased person, done." in texts
    for n in Notification.objects.filter(ticket=old):
        rendered = notification_render(n)
        assert "casey" not in (n.recipient + rendered["subject"] + rendered["text"]).lower()
    # Recent and open tickets, the people's accounts and every SLA figure stay as they were.
    recent.refresh_from_db()
    assert recent.requester == customer and Attachment.objects.filter(ticket=recent).count() == 1
    assert Ticket.objects.get(pk=still_open.pk).subject == "QX-open"
    customer.refresh_from_db()
    assert customer.is_active and customer.email == "casey@acme.test"
    assert _figures() == before
    assert PrivacyRequest.objects.get(kind="retention").summary["tickets"] == 1

    # Run again (or in a second worker): nothing more to do, no second audit row.
    assert retention_apply(now=NOW) == 0
    assert PrivacyRequest.objects.filter(kind="retention").count() == 1


def test_a_pass_works_in_batches_and_the_next_pass_continues(
    six_months, customer, tech, priorities, monkeypatch
):
    tickets = [
        _closed_ticket(customer, tech, priorities, closed_at=NOW - timedelta(days=200 + i)) for i in range(5)
    ]
    monkeypatch.setattr(retention_module, "BATCH", 2)
    monkeypatch.setattr(retention_module, "MAX_PER_PASS", 3)
    assert retention_apply(now=NOW) == 4  # two batches of two reach the cap
    assert retention_apply(now=NOW) == 1
    assert retention_apply(now=NOW) == 0
    assert Ticket.objects.filter(pk__in=[t.pk for t in tickets], requester=customer).count() == 0


def test_the_retention_job_is_scheduled_and_run_with_the_other_timed_jobs(
    six_months, customer, tech, priorities
):
    _closed_ticket(customer, tech, priorities, closed_at=NOW - timedelta(days=400))
    assert JOBS["retention"].__module__ == "privacy.jobs"
    assert list(JOBS)[-1] == "outbox_flush"  # delivery still runs last
    assert "privacy.tasks.retention_apply" in {e["task"] for e in app.conf.beat_schedule.values()}
    assert tasks.retention_apply.delay().get() == 1  # eager: the shim passes the real clock
    out = io.StringIO()
    call_command("run_timed_jobs", "--job", "retention", stdout=out)
    assert out.getvalue().strip() == "retention: 0 tickets"


def test_the_command_applies_a_given_number_of_months(customer, tech, priorities):
    _closed_ticket(customer, tech, priorities, closed_at=NOW - timedelta(days=40))
    out = io.StringIO()
    call_command("privacy", "retention", "--months", "1", stdout=out)
    assert out.getvalue().strip() == "retention: 1 ticket"


def test_a_pass_with_nothing_due_costs_a_fixed_handful_of_queries(
    six_months, customer, tech, priorities, django_assert_num_queries
):
    for i in range(3):
        _closed_ticket(customer, tech, priorities, closed_at=NOW - timedelta(days=30 + i))  # recent
    retention_apply(now=NOW)  # makes the placeholder account once
    # The placeholder lookup and one read of the due rows (inside its savepoint), whatever the table holds.
    with django_assert_num_queries(4):
        assert retention_apply(now=NOW) == 0
