"""The Celery app and the beat schedule.

Every timed job is a plain service function taking ``now`` (see ``tickets/jobs.py``); the tasks in
``tickets/tasks.py`` are one-line wrappers, and this schedule says when each runs and why.
"""

import os

from celery import Celery
from celery.schedules import crontab  # noqa: F401  (kept for schedule entries that need it)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Deliver anything left in the outbox (a worker died, the broker was down when it was queued).
    "notifications-flush-outbox": {"task": "notifications.tasks.outbox_flush", "schedule": 60.0},
}
