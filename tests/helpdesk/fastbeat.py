"""The product's Celery app with its beat schedule compressed to one tick every FASTBEAT_SECONDS, for the
multi-machine test: every timed job fires many times in seconds, so duplicate runs would show."""

import os

from helpdesk.celery import app

SECONDS = float(os.environ.get("FASTBEAT_SECONDS", "1"))
for entry in app.conf.beat_schedule.values():
    entry["schedule"] = SECONDS
    entry.setdefault("options", {})["expires"] = SECONDS * 5

__all__ = ["app"]
