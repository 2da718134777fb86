"""Real Redis / Postgres for the fault-injection tests: skipped locally when absent, a failure in CI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def require(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        if os.environ.get("CI"):
            pytest.fail(f"{name} must be set in CI: this test needs the real service")
        pytest.skip(f"{name} is not set")
    return value


def require_postgres() -> None:
    require("DATABASE_URL")
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("DATABASE_URL must point at PostgreSQL in CI")
        pytest.skip("needs PostgreSQL")


def test_database_url() -> str:
    """The URL of pytest-django's test database (test_<name>), for a subprocess."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


test_database_url.__test__ = False  # not a test despite the name


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


PYTHON = sys.executable


def broker_reset() -> None:
    """Empty every queue of ours on the real Redis broker and drop kombu's bookkeeping of unacknowledged
    messages (``unacked``, ``unacked_index`` and the ``unacked_mutex`` lock). A worker stopped by an
    earlier test can leave that lock held for its 5-minute expiry, and a new worker waits on it before
    consuming anything."""
    from helpdesk.celery import QUEUES, app

    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in QUEUES:
            channel.queue_purge(queue)
        client = channel.client
        client.delete(channel.unacked_key, channel.unacked_index_key, channel.unacked_mutex_key)
