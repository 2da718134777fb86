"""Run the timed jobs once, now: for cron users and for catching up after an outage.

The same services beat runs, so running this while workers are up is safe (each row is claimed).
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from tickets.jobs import JOBS


class Command(BaseCommand):
    help = "Run every timed job once now (SLA monitor, assignment deadline, stale tickets, reminders, auto-close, surveys, inbound mail retries)."

    def add_arguments(self, parser):
        parser.add_argument("--job", choices=sorted(JOBS), help="Run only this job.")

    def handle(self, *args, job=None, **options):
        names = [job] if job else list(JOBS)
        for name in names:
            count = JOBS[name](now=timezone.now())
            self.stdout.write(f"{name}: {count} ticket{'s' if count != 1 else ''}")
