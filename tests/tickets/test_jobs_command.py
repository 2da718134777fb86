from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from helpdesk.celery import app
from mailboxes import tasks as mailbox_tasks  # noqa: F401  (registers the mailbox poller)
from notifications import tasks as notification_tasks  # noqa: F401  (registers delivery's tasks)
from notifications.models import Notification
from sla.models import AlertRule
from tests.conftest import NOW
from tests.tickets.jobs_support import at
from tickets import tasks
from tickets.jobs import JOBS, task_name
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def test_run_timed_jobs_runs_exactly_the_beat_schedule():
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {task_name(job) for job in JOBS.values()} == scheduled
    for name, job in JOBS.items():
        assert task_name(job) in app.tasks, name
    for entry in app.conf.beat_schedule.values():
        # A tick left in the broker longer than the interval is dropped, never replayed in a burst.
        assert entry["task"].startswith("notifications.") or entry["options"]["expires"] <= entry["schedule"]


def test_run_timed_jobs_runs_every_job_once_and_reports(customer, priorities, tech):
    ticket_create(
        requester=customer, subject="x", priority=priorities["urgent"], now=NOW - timedelta(days=400)
    )
    out = StringIO()
    call_command("run_timed_jobs", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == list(JOBS)
    assert "sla_monitor: 2 tickets" in lines  # both targets long passed: recorded once each
    assert lines[-1].startswith("outbox_flush: ")  # delivery too: the receipt still in the outbox
    call_command("run_timed_jobs", "--job", "sla_monitor", stdout=(again := StringIO()))
    assert again.getvalue().strip() == "sla_monitor: 0 tickets"
    assert (
        Notification.objects.filter(event="sla_breach").count() == 0
    )  # unassigned, no team leads: nobody to tell


def test_run_timed_jobs_refuses_an_unknown_job():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("run_timed_jobs", "--job", "nope")


def test_the_celery_task_runs_the_job_with_the_current_time(customer, priorities):
    ticket_create(
        requester=customer, subject="x", priority=priorities["urgent"], now=NOW - timedelta(days=400)
    )
    assert tasks.sla_monitor.delay().get() == 2  # eager under pytest: the shim calls the service


def test_run_timed_jobs_releases_an_alert_held_for_office_hours(
    customer, tech, priorities, mailoutbox, django_capture_on_commit_callbacks
):
    # Telephony: a Normal alert "during office hours ... attended to by duty staff" is held overnight.
    AlertRule.objects.create(
        event=AlertRule.Event.CREATED,
        audience=AlertRule.Audience.DUTY,
        priority=priorities["normal"],
        timing=AlertRule.Timing.IN_HOURS,
    )
    ticket_create(requester=customer, subject="saturday", priority=priorities["normal"], now=at(7, 11))
    [held] = Notification.objects.filter(event="sla_alert")
    assert held.status == Notification.Status.HELD
    for when, expected in ((at(9, 8, 59), []), (at(9, 9), [tech.email])):
        with time_machine.travel(when, tick=False), django_capture_on_commit_callbacks(execute=True):
            call_command("run_timed_jobs", stdout=StringIO())
        assert [m.to[0] for m in mailoutbox if "New Normal ticket" in m.subject] == expected, when
    held.refresh_from_db()
    assert held.status == Notification.Status.SENT
