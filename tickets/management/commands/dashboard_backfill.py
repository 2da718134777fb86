"""Roll up the SLA dashboard's closed days again, from a day on (all days by default).

The timed job rolls up a day again when one of its tickets changes through the app; run this after
changing tickets behind its back (a SQL import, a bulk fix) so the dashboard shows them. Idempotent.
"""

from datetime import UTC, date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tickets.jobs.dashboard import dashboard_rollup
from tickets.models import Ticket


class Command(BaseCommand):
    help = "Roll up the SLA dashboard's days again from --since (YYYY-MM-DD, UTC; default: the first ticket)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="First day to roll up again, YYYY-MM-DD (UTC).")

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
            start = first.astimezone(UTC).date()
        days = dashboard_rollup(now=timezone.now(), since=start)
        self.stdout.write(f"dashboard_rollup: {days} day{'s' if days != 1 else ''}")
