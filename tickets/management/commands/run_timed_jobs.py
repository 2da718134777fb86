"""Run the timed jobs once, now: for cron users and for catching up after an outage.

Every beat entry, in the same services beat runs, so running this while workers are up is safe (each
row is claimed). The outbox flush hands due mail to the workers (or sends it in this process when
``CELERY_TASK_ALWAYS_EAGER`` is on, for a setup without workers).
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from tickets.jobs import JOBS


class Command(BaseCommand):
    help = (
        "Run every timed job once now (SLA monitor, assignment deadline, stale tickets, reminders, "
        "auto-close, surveys, inbound mail retries, the outbox flush)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--job", choices=sorted(JOBS), help="Run only this job.")

    def handle(self, *args, job=None, **options):
        names = [job] if job else list(JOBS)
        for name in names:
            count = JOBS[name](now=timezone.now())
            unit = "message" if name == "outbox_flush" else "ticket"
            self.stdout.write(f"{name}: {count} {unit}{'s' if count != 1 else ''}")
