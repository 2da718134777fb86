"""``manage.py sla_preview``: what-if deadlines for JSON lines on stdin.

Each input line is ``{"plan": "<slug>", "priority": "<slug>", "received_at": "<ISO 8601 with offset>"}``;
each output line, in the same order, is ``{"first_response_due_at": ..., "resolution_due_at": ...}``
with times in UTC written ISO 8601 with a ``Z`` suffix (e.g. ``2026-03-09T11:00:00Z``), or ``null`` when
the plan has no such target. A line that cannot be answered gets ``{"error": "..."}`` and the rest go
on. Blank lines are skipped. ``--line-buffered`` flushes after each answer. The policy is read once, so this streams at the speed of the arithmetic.
"""

import json
import sys
from datetime import UTC, datetime

from django.core.management.base import BaseCommand

from sla.models import PriorityLevel, SupportPlan
from sla.selectors import sla_policy_table


def iso_z(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


class Command(BaseCommand):
    help = "Read JSON lines {plan, priority, received_at} on stdin; write due times as JSON lines on stdout."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument(
            "--line-buffered",
            action="store_true",
            help="Flush after every answer (for a program that writes one line and waits for the reply).",
        )

    def handle(self, *args, line_buffered=False, **options):
        stdin = options.get("stdin") or sys.stdin
        table = sla_policy_table()
        plans = set(SupportPlan.objects.values_list("slug", flat=True))
        priorities = set(PriorityLevel.objects.values_list("slug", flat=True))
        write = self.stdout.write
        for line in stdin:
            if not line.strip():
                continue
            try:
                answer = self.answer(line, table, plans, priorities)
            except ValueError as exc:
                answer = {"error": str(exc)}
            write(json.dumps(answer))
            if line_buffered:
                self.stdout.flush()

    @staticmethod
    def answer(line: str, table, plans: set, priorities: set) -> dict:
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON: {exc.msg} at column {exc.colno}") from exc
        if not isinstance(item, dict):
            raise ValueError('expected an object like {"plan": ..., "priority": ..., "received_at": ...}')
        missing = [k for k in ("plan", "priority", "received_at") if item.get(k) in (None, "")]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        plan, priority, received = item["plan"], item["priority"], item["received_at"]
        if plan not in plans:
            raise ValueError(f"no plan {plan!r}")
        if priority not in priorities:
            raise ValueError(f"no priority {priority!r}")
        if not isinstance(received, str):
            raise ValueError("received_at must be an ISO 8601 string")
        try:
            start = datetime.fromisoformat(received)
        except ValueError as exc:
            raise ValueError(f"received_at {received!r} is not ISO 8601") from exc
        if start.tzinfo is None:
            raise ValueError(f"received_at {received!r} has no time zone offset (add Z or +00:00)")
        cell = table.get((plan, priority))
        if cell is None:
            return {"first_response_due_at": None, "resolution_due_at": None}
        first, resolution = cell.deadlines(start)
        return {"first_response_due_at": iso_z(first), "resolution_due_at": iso_z(resolution)}
