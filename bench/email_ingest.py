"""Ingest throughput of ``manage.py ingest_email`` over the shared real-world corpus (messages/second).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_email .venv/bin/python bench/email_ingest.py [CORPUS]

Creates a throw-away test database (``test_<name>``), seeds one plan, four levels and an organization,
then runs ingest_email over every corpus message twice: the first pass does the real work (parse,
classify, thread, tickets, acknowledgements rendered and "sent" through the locmem backend), the second
pass is all duplicates (the cost of idempotency). Prints one line per pass.
"""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The test suite's settings: eager Celery (acknowledgements are rendered and sent in-process).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="hd-bench-media-"))
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from datetime import timedelta  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

SKIP_SUFFIXES = {".json", ".png", ".raw", ".md"}


def corpus_files(corpus: Path) -> list[Path]:
    files = []
    for path in sorted(corpus.rglob("*")):
        rel = path.relative_to(corpus).as_posix()
        if (
            path.is_file()
            and path.suffix not in SKIP_SUFFIXES
            and not (rel.startswith("flanker/") and not rel.startswith("flanker/messages/"))
        ):
            files.append(path)
    return files


def seed() -> None:
    from accounts.models import Organization
    from sla.models import Calendar, PriorityLevel, SLATarget, SupportPlan

    plan = SupportPlan.objects.create(slug="standard", name="Standard", is_default=True)
    always = Calendar.objects.create(name="always", always_open=True)
    for rank, slug in enumerate(["urgent", "high", "normal", "low"], start=1):
        level = PriorityLevel.objects.create(
            slug=slug, name=slug.title(), rank=rank, is_default=slug == "normal"
        )
        SLATarget.objects.create(
            plan=plan,
            priority=level,
            first_response=timedelta(hours=rank),
            resolution=timedelta(hours=8 * rank),
            calendar=always,
        )
    Organization.objects.create(
        customer_number="1001", name="Example", plan=plan, email_domains=["example.com"]
    )


def main() -> None:
    from tests.notifications.mailkit import CORPUS

    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    if not corpus.is_dir():
        sys.exit(f"no corpus at {corpus}")
    files = [str(p) for p in corpus_files(corpus)]
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        seed()
        print(f"database: {connection.vendor} · corpus: {corpus} · {len(files)} files")
        for label in ("first pass (new mail)", "second pass (all duplicates)"):
            out = io.StringIO()
            started, cpu_started = time.perf_counter(), time.process_time()
            call_command("ingest_email", *files, stdout=out)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            summary = out.getvalue().strip()
            count = int(re.search(r"Ingested (\d+)", summary).group(1))  # mbox files hold several messages
            print(
                f"{label}: {count} messages in {elapsed:.1f} s = {count / elapsed:.1f} messages/s "
                f"({cpu:.1f} s of this process's CPU = {count / cpu:.1f} messages per CPU-second; the database's own "
                f"work is not in that figure) · {summary}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
