"""``manage.py audit_export --from 2026-03-01 --to 2026-03-31 --format csv [--output FILE]``."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from helpdesk.audit import FORMATS, audit_export


class Command(BaseCommand):
    help = "Export ticket events and admin actions for a period (days in TIME_ZONE, both included) as CSV or JSON."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="end", required=True, help="Last day (included), YYYY-MM-DD.")
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="csv")
        parser.add_argument("--output", help="Write to this file instead of standard output.")

    def handle(self, *args, start: str, end: str, fmt: str, output: str | None = None, **options):
        try:
            first, last = date.fromisoformat(start), date.fromisoformat(end)
        except ValueError as exc:
            raise CommandError(f"Days are YYYY-MM-DD: {exc}") from None
        if first > last:
            raise CommandError("--from is after --to.")
        zone = ZoneInfo(settings.TIME_ZONE)
        since = datetime.combine(first, time.min, tzinfo=zone)
        until = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
        out = open(output, "w", encoding="utf-8", newline="") if output else None
        try:
            for piece in audit_export(since=since, until=until, fmt=fmt):
                if out:
                    out.write(piece)
                else:
                    self.stdout.write(piece, ending="")
        finally:
            if out:
                out.close()
