"""Celery shims for the timed jobs: one line each, the clock read here and nowhere else.

The jobs are state-based sweeps, safe under acks_late redelivery, duplicate beats and downtime.
"""

from celery import shared_task
from django.utils import timezone

from . import jobs
from .intake import store as intake_store


@shared_task
def sla_monitor() -> int:
    return jobs.sla_monitor(now=timezone.now())


@shared_task
def assignment_deadline_check() -> int:
    return jobs.assignment_deadline_check(now=timezone.now())


@shared_task
def auto_assign_sweep() -> int:
    return jobs.auto_assign_sweep(now=timezone.now())


@shared_task
def stale_ticket_remind() -> int:
    return jobs.stale_ticket_remind(now=timezone.now())


@shared_task
def waiting_remind_and_close() -> int:
    return jobs.waiting_remind_and_close(now=timezone.now())


@shared_task
def resolved_close() -> int:
    return jobs.resolved_close(now=timezone.now())


@shared_task
def survey_send() -> int:
    return jobs.survey_send(now=timezone.now())


@shared_task
def inbound_retry() -> int:
    return jobs.inbound_retry(now=timezone.now())


@shared_task
def dashboard_rollup() -> int:
    return jobs.dashboard_rollup(now=timezone.now())


@shared_task(acks_late=True)
def inbound_process(row_id: int) -> None:
    intake_store.email_process_stored(row_id=row_id, now=timezone.now())
