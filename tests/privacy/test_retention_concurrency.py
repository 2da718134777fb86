"""Two or three workers running the retention sweep at once share the work and retain each ticket once."""

from datetime import timedelta

import pytest
from django.db import connection

from accounts.models import User
from privacy.models import PrivacyRequest
from privacy.services import retention as retention_module
from privacy.services import retention_apply
from tests.conftest import NOW
from tests.tickets.test_jobs_concurrency import race
from tickets.models import Message, Status, Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and separate connections: PostgreSQL only"
    ),
]


def test_workers_running_retention_at_once_retain_each_ticket_once(
    customer, tech, priorities, plan, settings, monkeypatch
):
    settings.HELPDESK_RETENTION_MONTHS = 6
    monkeypatch.setattr(retention_module, "BATCH", 5)
    closed = NOW - timedelta(days=300)
    tickets = Ticket.objects.bulk_create(
        Ticket(
            organization=customer.organization,
            requester=customer,
            subject=f"old {i} from Casey",
            priority=priorities["normal"],
            priority_rank=priorities["normal"].rank,
            plan=plan,
            status=Status.CLOSED,
            received_at=closed - timedelta(days=2),
            last_activity_at=closed,
            closed_at=closed,
        )
        for i in range(40)
    )
    Message.objects.bulk_create(
        Message(ticket=t, author=customer, body="Casey here: the line is dead again", created_at=closed)
        for t in tickets
    )
    results = race(retention_apply, now=NOW, workers=3)
    assert sum(results) == 40
    assert User.objects.filter(email="anonymised@erased.invalid").count() == 1
    assert not Ticket.objects.filter(requester=customer).exists()
    assert set(Message.objects.values_list("body", flat=True)) == {"[erased]"}
    assert sum(r.summary["tickets"] for r in PrivacyRequest.objects.filter(kind="retention")) == 40
    assert retention_apply(now=NOW) == 0
