"""One effect each: a notification task delivered twice, run by two workers at once, or flushed while
a worker holds it. Already proven elsewhere (not repeated here): the same inbound email twice
(tests/tickets/test_email_intake.py::test_the_same_message_twice_makes_one_ticket, the retried webhook in
tests/tickets/test_email_webhooks.py), a beat tick run twice (tests/tickets/test_jobs_sla_monitor.py,
tests/tickets/test_jobs_customers.py) and workers sharing one sweep (tests/tickets/test_jobs_concurrency.py)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from notifications.models import Notification
from notifications.services import STUCK_AFTER, notification_deliver, outbox_flush
from tests.conftest import NOW


def _row(**extra) -> Notification:
    return Notification.objects.create(
        event="ticket_received",
        recipient="casey@acme.test",
        created_at=NOW,
        context={},
        **extra,
    )


@pytest.mark.django_db
def test_the_same_task_message_run_twice_sends_once(mailoutbox):
    row = _row()
    assert notification_deliver(notification_id=row.pk, now=NOW, claimant="task-1") is not None
    assert (
        notification_deliver(notification_id=row.pk, now=NOW, claimant="task-1") is None
    )  # sent: never again
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_another_task_never_takes_a_row_that_is_being_sent(mailoutbox):
    row = _row(status=Notification.Status.SENDING, claimed_by="task-1", claimed_at=NOW)
    assert notification_deliver(notification_id=row.pk, now=NOW, claimant="task-2") is None
    assert notification_deliver(notification_id=row.pk, now=NOW) is None
    assert mailoutbox == []
    # Its own redelivered message (the worker died) finishes it, once.
    assert notification_deliver(notification_id=row.pk, now=NOW, claimant="task-1") is not None
    assert notification_deliver(notification_id=row.pk, now=NOW, claimant="task-1") is None
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_the_stuck_sweep_resends_a_dead_claim_once_and_never_a_sent_row(mailoutbox, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    stuck = _row(
        status=Notification.Status.SENDING,
        claimed_by="dead",
        claimed_at=NOW - STUCK_AFTER - timedelta(minutes=1),
    )
    fresh = _row(
        status=Notification.Status.SENDING, claimed_by="alive", claimed_at=NOW - timedelta(minutes=1)
    )
    sent = _row(
        status=Notification.Status.SENT, claimed_by="done", claimed_at=NOW - timedelta(hours=1), sent_at=NOW
    )
    outbox_flush(now=NOW)
    outbox_flush(now=NOW)
    assert [m.to for m in mailoutbox] == [["casey@acme.test"]]
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses == {stuck.pk: "sent", fresh.pk: "sending", sent.pk: "sent"}


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_one_row_send_it_once(mailoutbox):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL")
    row = _row()
    barrier = threading.Barrier(4)
    results = []

    def worker(n):
        try:
            barrier.wait()
            results.append(notification_deliver(notification_id=row.pk, now=NOW, claimant=f"task-{n}"))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is not None for r in results) == 1
    assert len(mailoutbox) == 1
