"""A ticket's mails read in the order things happened, whichever worker sends first: each is dated when
its event happened (the demo's "We received" before "Assigned", "Resolved" before "Closed")."""

from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest

from notifications.models import Notification
from notifications.services import notification_deliver
from tests.conftest import NOW
from tickets.models import Status
from tickets.services import ticket_assign, ticket_change_status, ticket_create

pytestmark = pytest.mark.django_db


def _dated(mail) -> object:
    return parsedate_to_datetime(mail.message()["Date"])


def test_mails_sent_out_of_order_are_dated_in_the_order_of_their_events(
    customer, tech, priorities, mailoutbox
):
    ticket = ticket_create(requester=customer, subject="Fax down", now=NOW)
    ticket_assign(ticket=ticket, agent=tech, by=tech, now=NOW + timedelta(minutes=20))
    ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=tech, now=NOW + timedelta(hours=2))
    ticket_change_status(
        ticket=ticket, status=Status.CLOSED, by=customer, now=NOW + timedelta(hours=2, minutes=30)
    )
    to_customer = Notification.objects.filter(recipient=customer.email).order_by("id")
    events = [n.event for n in to_customer]
    assert events == ["ticket_received", "ticket_assigned", "ticket_resolved", "ticket_closed"]

    for n in reversed(list(to_customer)):  # the worst case: the newest goes out first
        notification_deliver(notification_id=n.pk, now=NOW + timedelta(hours=3))
    by_date = sorted(mailoutbox, key=_dated)
    assert [_dated(m) for m in by_date] == [
        NOW,
        NOW + timedelta(minutes=20),
        NOW + timedelta(hours=2),
        NOW + timedelta(hours=2, minutes=30),
    ]
    assert [m.subject for m in by_date] == [m.subject for m in reversed(mailoutbox)]
