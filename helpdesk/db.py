"""Where reads go: the primary database, or the read-only replica (``REPLICA_DATABASE_URL``) for reports.

Reports (the SLA dashboard, its CSV, the time sheet and its CSV, ``GET /api/time/``) read many rows, tolerate
a replica's few seconds of lag, and write nothing; everything else, and every read inside a request that
writes, stays on the primary so a person always sees their own change. The decision is made here once:
a view that serves a report runs inside ``replica_reads()``, and this router sends its reads to the
replica when one is configured. Writes always go to the primary, even for a row read from the replica.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

REPLICA = "replica"
_reports = contextvars.ContextVar("helpdesk_replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside this block may come from the replica (when one is configured): reports only."""
    token = _reports.set(True)
    try:
        yield
    finally:
        _reports.reset(token)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reports.get() and replica_configured():
            return REPLICA
        return None  # Django's default: the primary (or the instance's own database for related rows)

    def db_for_write(self, model, **hints):
        return "default"  # never the replica, even when the instance was read from it

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # the replica follows the primary's schema by replication
