"""``manage.py search_rebuild [--after-id N]``: recompute the full-text search documents (PostgreSQL).

The triggers keep them as tickets change; this is for a restore or a bulk load that bypassed triggers.
"""

import time

from django.core.management.base import BaseCommand

from tickets.search import documents_rebuild


class Command(BaseCommand):
    help = "Recompute the tickets' full-text search documents (PostgreSQL; nothing to do on SQLite)."

    def add_arguments(self, parser):
        parser.add_argument("--after-id", type=int, default=0, help="Only tickets with a larger id.")

    def handle(self, *args, after_id: int = 0, **opts):
        started = time.monotonic()
        done = documents_rebuild(after_id=after_id)
        self.stdout.write(f"Indexed {done:,} tickets in {time.monotonic() - started:.1f}s.")
