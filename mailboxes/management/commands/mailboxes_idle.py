"""``manage.py mailboxes_idle``: fetch support mail the moment it arrives (IMAP IDLE), until stopped.

Optional: without it the minute poll (beat's ``mailboxes_poll``) fetches every mailbox anyway. Run one
per deployment (docker compose's ``mailbox-idle`` service); a second one is harmless (the fetch's lease
keeps them apart) but wasteful.
"""

import signal
import threading

from django.core.management.base import BaseCommand

from mailboxes.idle import mailboxes_watch


class Command(BaseCommand):
    help = "Hold an IMAP IDLE session per active mailbox and fetch new mail as it arrives (until SIGTERM)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--refresh",
            type=float,
            default=60.0,
            help="Seconds between re-reading the mailboxes from the database (default 60).",
        )

    def handle(self, *args, refresh: float, **options):
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(f"watching the active mailboxes (re-read every {refresh:g} s); Ctrl-C stops")
        self.stdout.flush()
        mailboxes_watch(stop=stop, refresh=refresh)
        self.stdout.write("stopped")
