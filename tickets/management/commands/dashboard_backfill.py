"""Recompute the SLA dashboard's daily roll-up from a day on (all days by default).

The timed job recomputes only the last ``RECOMPUTE_DAYS`` days; run this after changing older tickets
(an import, a bulk fix) so the dashboard shows them.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tickets.jobs.dashboard import dashboard_rollup
from tickets.models import Ticket


class Command(BaseCommand):
    help = "Recompute the SLA dashboard's daily roll-up from --since (YYYY-MM-DD; default: the first ticket)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="First day to recompute, YYYY-MM-DD (UTC).")

    def handle(self, *args, since=None, **options):
        if since:
            try:
                start = date.fromisoformat(since)
            except ValueError as exc:
                raise CommandError(f"--since must be YYYY-MM-DD, not {since!r}") from exc
        else:
            first = Ticket.objects.order_by("received_at").values_list("received_at", flat=True).first()
            if first is None:
                self.stdout.write("no tickets")
                return
            start = first.date()
        days = dashboard_rollup(now=timezone.now(), since=start)
        self.stdout.write(f"dashboard_rollup: {days} day{'s' if days != 1 else ''}")
