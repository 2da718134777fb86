"""The timed jobs. Each is a plain function ``job(*, now) -> int`` (tickets acted on); Celery shims in
``tickets/tasks.py`` call them with ``timezone.now()``, beat runs them (``helpdesk/celery.py``), and
``manage.py run_timed_jobs`` runs them by hand.

``JOBS`` is every beat entry, including delivery's outbox flush (pending, held-until-office-hours and
stuck rows), so a cron user or a catch-up after an outage runs exactly what beat would.
"""

from collections.abc import Callable
from datetime import datetime

from notifications.services import outbox_flush

from ..intake.store import inbound_retry
from .customers import resolved_close, survey_send, waiting_remind_and_close
from .dashboard import dashboard_rollup
from .sla_monitor import sla_monitor
from .staff import assignment_deadline_check, auto_assign_sweep, stale_ticket_remind

JOBS: dict[str, Callable[..., int]] = {
    "sla_monitor": sla_monitor,
    "auto_assign": auto_assign_sweep,
    "assignment_deadline": assignment_deadline_check,
    "stale_tickets": stale_ticket_remind,
    "waiting_on_customer": waiting_remind_and_close,
    "resolved_close": resolved_close,
    "survey": survey_send,
    "inbound_retry": inbound_retry,
    "dashboard_rollup": dashboard_rollup,
    "outbox_flush": outbox_flush,
}


def jobs_register(name: str, job: Callable[..., int]) -> None:
    """An app above tickets (e.g. mailboxes) adds its timed job at start-up, so ``run_timed_jobs`` runs what
    beat runs without tickets importing that app; the outbox flush stays last, to send what jobs queued."""
    flush = JOBS.pop("outbox_flush")
    JOBS[name] = job
    JOBS["outbox_flush"] = flush


def task_name(job: Callable[..., int]) -> str:
    """The Celery task that runs ``job``: ``<app>.tasks.<function>``, as in ``helpdesk/celery.py``."""
    return f"{job.__module__.split('.')[0]}.tasks.{job.__name__}"


def run_all(*, now: datetime) -> dict[str, int]:
    return {name: job(now=now) for name, job in JOBS.items()}


__all__ = [
    "JOBS",
    "jobs_register",
    "run_all",
    "task_name",
    "sla_monitor",
    "assignment_deadline_check",
    "auto_assign_sweep",
    "stale_ticket_remind",
    "waiting_remind_and_close",
    "resolved_close",
    "survey_send",
    "inbound_retry",
    "dashboard_rollup",
]
