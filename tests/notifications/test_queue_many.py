"""The bulk outbox write: the same rows as ``notification_queue`` one by one, in a fixed number of queries."""

from datetime import timedelta

import pytest

from notifications.models import Notification, Suppression
from notifications.services import notification_queue, notification_queue_many
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def _items(prefix="k"):
    return [
        {
            "event": "sla_alert",
            "recipient": "a@example.test",
            "dedupe_key": f"{prefix}:a",
            "context": {"n": 1},
        },
        {"event": "sla_alert", "recipient": "Blocked@Example.test", "dedupe_key": f"{prefix}:b"},
        {
            "event": "sla_alert",
            "recipient": "c@example.test",
            "dedupe_key": f"{prefix}:c",
            "not_before": NOW + HOUR,
        },
        {
            "event": "sla_alert",
            "recipient": "d@example.test",
            "dedupe_key": f"{prefix}:d",
            "not_before": NOW - HOUR,
        },
        {
            "event": "sla_alert",
            "recipient": "https://hooks.example.test/x",
            "channel": Notification.Channel.WEBHOOK,
            "dedupe_key": f"{prefix}:e",
        },
        {"event": "sla_alert", "recipient": "f@example.test"},  # no dedupe key
    ]


def _shape(n):
    return (n.event, n.recipient, n.channel, n.status, n.not_before, n.context, n.automatic, n.created_at)


def test_it_suppresses_holds_and_queues_like_the_single_function():
    Suppression.objects.create(email="blocked@example.test", reason=Suppression.Reason.BOUNCED)
    many = notification_queue_many(_items("many"), now=NOW)
    one = [notification_queue(**item, now=NOW) for item in _items("one")]
    assert [n.status for n in many] == ["pending", "suppressed", "held", "pending", "pending", "pending"]
    assert all(n.pk for n in many)
    assert [_shape(n) for n in many] == [_shape(n) for n in one]
    stored = {n.pk: n for n in Notification.objects.filter(pk__in=[n.pk for n in many])}
    assert [_shape(stored[n.pk]) for n in many] == [_shape(n) for n in one]


def test_a_repeated_dedupe_key_queues_nothing_in_a_later_call_or_the_same_one():
    notification_queue(event="sla_alert", recipient="a@example.test", dedupe_key="k:a", now=NOW)
    items = _items()
    items.append(
        {"event": "sla_alert", "recipient": "other@example.test", "dedupe_key": "k:c"}
    )  # repeat in call
    queued = notification_queue_many(items, now=NOW)
    assert [n.dedupe_key for n in queued] == ["k:b", "k:c", "k:d", "k:e", None]
    assert notification_queue_many(_items(), now=NOW + HOUR) == [
        Notification.objects.get(dedupe_key=None, recipient="f@example.test", created_at=NOW + HOUR)
    ]
    assert Notification.objects.filter(dedupe_key__startswith="k:").count() == 5
    assert not Notification.objects.filter(recipient="other@example.test").exists()


def test_only_new_pending_rows_are_dispatched_once_the_transaction_commits(
    django_capture_on_commit_callbacks, mailoutbox
):
    Suppression.objects.create(email="blocked@example.test", reason=Suppression.Reason.BOUNCED)
    items = [i for i in _items() if i.get("channel") != Notification.Channel.WEBHOOK]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = notification_queue_many(items, now=NOW)
    assert len(callbacks) == 1 and mailoutbox == []  # nothing leaves before the commit
    with django_capture_on_commit_callbacks(execute=True):
        notification_queue_many(items, now=NOW)  # all repeats (except the keyless one)
        callbacks[0]()
    sent = Notification.objects.filter(status=Notification.Status.SENT)
    assert sorted(m.to[0] for m in mailoutbox) == [
        "a@example.test",
        "d@example.test",
        "f@example.test",
        "f@example.test",
    ]
    assert {n.pk for n in queued if n.status == "pending"} <= set(sent.values_list("pk", flat=True))


def test_it_costs_the_same_queries_for_two_messages_or_forty(django_assert_num_queries):
    def items(prefix, count):
        return [
            {"event": "sla_alert", "recipient": f"p{i}@example.test", "dedupe_key": f"{prefix}:{i}"}
            for i in range(count)
        ]

    with django_assert_num_queries(4):  # suppression, told keys, insert, read-back
        assert len(notification_queue_many(items("two", 2), now=NOW)) == 2
    with django_assert_num_queries(4):
        assert len(notification_queue_many(items("forty", 40), now=NOW)) == 40
    with django_assert_num_queries(0):
        assert notification_queue_many([], now=NOW) == []
