from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from helpdesk.celery import app
from notifications.models import Notification
from tests.conftest import NOW
from tickets import tasks
from tickets.jobs import JOBS
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def test_every_job_has_a_beat_entry_and_a_registered_task():
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    for name, job in JOBS.items():
        task = f"tickets.tasks.{job.__name__}"
        assert task in scheduled, name
        assert task in app.tasks, name
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
