"""The Celery app and the beat schedule.

Every timed job is a plain service function taking ``now`` (see the ``tickets/jobs/`` package); the tasks in
``tickets/tasks.py`` are one-line wrappers, and this schedule says when each runs and why.
"""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Where each task runs. Three queues besides the default, so that a slow sweep over a million tickets never
# delays a customer's mail, and a flood of inbound mail never delays the SLA monitor:
#   mail     - outgoing notifications (the outbox)
#   inbound  - parsing and filing inbound mail
#   sweeps   - the timed jobs (state-based sweeps run by beat)
# A plain `celery worker` consumes all four (make run, one machine); over several machines, give each
# kind its own workers: `celery -A helpdesk worker -Q mail` and so on (README, "Several machines").
# Every task of ours is named here (tests/helpdesk/test_multinode.py checks it), so a new task lands
# in a queue by decision, not by default.
QUEUES = ("default", "mail", "inbound", "sweeps")
app.conf.task_default_queue = "default"
app.conf.task_queues = tuple(Queue(name, routing_key=name) for name in QUEUES)
app.conf.task_routes = {
    "notifications.tasks.notification_send": {"queue": "mail"},
    "notifications.tasks.outbox_flush": {"queue": "mail"},
    "tickets.tasks.inbound_process": {"queue": "inbound"},
    "tickets.tasks.inbound_retry": {"queue": "inbound"},
    "tickets.tasks.sla_monitor": {"queue": "sweeps"},
    "tickets.tasks.assignment_deadline_check": {"queue": "sweeps"},
    "tickets.tasks.auto_assign_sweep": {"queue": "sweeps"},
    "tickets.tasks.stale_ticket_remind": {"queue": "sweeps"},
    "tickets.tasks.waiting_remind_and_close": {"queue": "sweeps"},
    "tickets.tasks.resolved_close": {"queue": "sweeps"},
    "tickets.tasks.survey_send": {"queue": "sweeps"},
    "tickets.tasks.dashboard_rollup": {"queue": "sweeps"},
    "privacy.tasks.retention_apply": {"queue": "sweeps"},
    "mailboxes.tasks.mailboxes_poll": {"queue": "inbound"},
}

app.conf.beat_schedule = {
    # Deliver anything left in the outbox (a worker died, the broker was down when it was queued).
    "notifications-flush-outbox": {"task": "notifications.tasks.outbox_flush", "schedule": 60.0},
    # The timed jobs are state-based sweeps (claim a row, then act), so a missed tick is caught up
    # by the next one with one event per ticket, and an overlapping or duplicate run does nothing twice.
    # Each entry expires after its interval: a backlog of stale ticks in the broker is dropped, not replayed.
    # Every minute: the shortest target is 30 minutes (Urgent first response); a warning or breach
    # is recorded within a minute of its instant. Cheap: it reads only rows whose instant has passed.
    "tickets-sla-monitor": {
        "task": "tickets.tasks.sla_monitor",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # Every minute: tickets that waited for a technician to come on shift are handed out as they do.
    "tickets-auto-assign": {
        "task": "tickets.tasks.auto_assign_sweep",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # Every minute: "assigned within one business hour" must alert the team leads on time.
    "tickets-assignment-deadline": {
        "task": "tickets.tasks.assignment_deadline_check",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # Every 5 minutes: stale-ticket reminders count in business hours; minutes do not matter.
    "tickets-stale-reminders": {
        "task": "tickets.tasks.stale_ticket_remind",
        "schedule": 300.0,
        "options": {"expires": 300},
    },
    # Every 5 minutes: customer reminders and auto-close count in days; sent only in office hours,
    # so the first run after the opening sends what came due overnight.
    "tickets-waiting-on-customer": {
        "task": "tickets.tasks.waiting_remind_and_close",
        "schedule": 300.0,
        "options": {"expires": 300},
    },
    # Every 15 minutes: resolved tickets close after days without an answer; a quarter hour is plenty.
    "tickets-resolved-close": {
        "task": "tickets.tasks.resolved_close",
        "schedule": 900.0,
        "options": {"expires": 900},
    },
    # Every minute: inbound mail that failed (or that no worker took from the webhook's store) is taken
    # again once its backoff (1, 2, 4 ... minutes, at most 6 h) has passed; the count of what is still
    # failing is on /healthz and the desk.
    "tickets-inbound-retry": {
        "task": "tickets.tasks.inbound_retry",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # Every minute: support mailboxes are fetched by IMAP (each under its own lease, so an overlapping run
    # skips a mailbox another worker is fetching); a failing one backs off 1, 2, 4 ... minutes, at most 1 h.
    "mailboxes-poll": {
        "task": "mailboxes.tasks.mailboxes_poll",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # Every minute: the SLA dashboard's backlog snapshot ("as of" this run) and daily roll-up (closed days
    # that changed since the last run, or whose running clocks are about to end; today is read live).
    "tickets-dashboard-rollup": {
        "task": "tickets.tasks.dashboard_rollup",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # Every 5 minutes: the survey follows the close within minutes (in office hours).
    "tickets-survey": {"task": "tickets.tasks.survey_send", "schedule": 300.0, "options": {"expires": 300}},
    # Hourly: the retention policy (HELPDESK_RETENTION_MONTHS) counts in months; an hour late is nothing,
    # and a pass is bounded (privacy.services.retention), so a large first run spreads over a few hours.
    "privacy-retention": {
        "task": "privacy.tasks.retention_apply",
        "schedule": 3600.0,
        "options": {"expires": 3600},
    },
}
