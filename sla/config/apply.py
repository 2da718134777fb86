"""The SLA configuration import: validate a file, then apply it in one transaction (all or nothing)."""

from __future__ import annotations

import json

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from ..models import (
    AlertRule,
    BusinessHours,
    Calendar,
    EscalationContact,
    Holiday,
    JobPolicy,
    PriorityLevel,
    SLATarget,
    SupportPlan,
)
from . import extensions
from .schema import Config, validate
from .yaml_io import load_yaml


def sla_config_import(*, text: str, by=None, source: str = "") -> dict[str, int]:
    """Validate ``text`` and apply it in one transaction; ``ConfigError`` changes nothing.

    Returns how many rows of each section the file held. With ``by`` (the person importing), the
    import is written to the admin's change log in the same transaction, beside the admin's own
    edits of plans, targets, calendars, rules and macros, so the audit export shows who and when.
    """
    config = validate(load_yaml(text))
    with transaction.atomic():
        calendars = _apply_calendars(config.calendars)
        priorities = _apply_priorities(config.priorities)
        plans = _apply_plans(config.plans, priorities, calendars)
        if config.contacts is not None:
            _apply_contacts(config.contacts)
        if config.alerts is not None:
            _apply_alerts(config.alerts, priorities, calendars)
        if config.jobs is not None:
            _apply_jobs(config.jobs, plans, calendars)
        for name, value in config.extensions.items():
            if value is not None:
                extensions.SECTIONS[name].apply(value)
        counts = _counts(config)
        if by is not None:
            LogEntry.objects.create(
                user_id=by.pk,
                content_type=ContentType.objects.get_for_model(SupportPlan),
                object_id=None,
                object_repr=f"SLA configuration import{': ' + source if source else ''}"[:200],
                action_flag=CHANGE,
                change_message=json.dumps(
                    [{"changed": {"fields": [f"{k}: {n}" for k, n in counts.items()]}}]
                ),
            )
    return counts


def _counts(config: Config) -> dict[str, int]:
    return {
        "calendars": len(config.calendars),
        "priorities": len(config.priorities),
        "plans": len(config.plans),
        "contacts": len(config.contacts or []),
        "alerts": len(config.alerts or []),
        "jobs": len(config.jobs or {}),
        **{name: len(value) for name, value in config.extensions.items() if value is not None},
    }


def _upsert(model, row: dict, *, key, fields):
    """The row named by ``key`` with exactly ``fields`` from the file: created, or updated in place."""
    obj, _ = model.objects.update_or_create(**{k: row[k] for k in key}, defaults={f: row[f] for f in fields})
    return obj


def _apply_calendars(rows: list[dict]) -> dict[str, Calendar]:
    """Each file calendar with exactly the file's hours and holidays; returns every calendar by name."""
    calendars = {}
    for row in rows:
        cal = _upsert(
            Calendar,
            row,
            key=("name",),
            fields=("timezone", "always_open", "country_holidays", "country_subdivision"),
        )
        cal.hours.all().delete()
        cal.holidays.all().delete()
        BusinessHours.objects.bulk_create(
            BusinessHours(calendar=cal, weekday=d, start=s, end=e) for d, s, e in row["hours"]
        )
        Holiday.objects.bulk_create(Holiday(calendar=cal, date=d, name=n) for d, n in row["holidays"])
        calendars[cal.name] = cal
    calendars.update({c.name: c for c in Calendar.objects.exclude(name__in=calendars)})
    return calendars


def _apply_priorities(rows: list[dict]) -> dict[str, PriorityLevel]:
    """Each file priority by slug (a default in the file takes over the flag); returns every level by slug."""
    if any(p["is_default"] for p in rows):
        PriorityLevel.objects.filter(is_default=True).update(is_default=False)
    for row in rows:
        _upsert(PriorityLevel, row, key=("slug",), fields=[k for k in row if k != "slug"])
    return {p.slug: p for p in PriorityLevel.objects.all()}


def _apply_plans(
    rows: list[dict], priorities: dict[str, PriorityLevel], calendars: dict[str, Calendar]
) -> dict[str, SupportPlan]:
    """Each file plan with exactly the file's targets; returns every plan by slug."""
    if any(p["is_default"] for p in rows):
        SupportPlan.objects.filter(is_default=True).update(is_default=False)
    for row in rows:
        plan = _upsert(
            SupportPlan,
            row,
            key=("slug",),
            fields=(
                "name",
                "description",
                "is_default",
                "first_response_met_by",
                "customer_edit",
                "time_tracking",
            ),
        )
        plan.targets.exclude(priority__slug__in=[t["priority"] for t in row["targets"]]).delete()
        for t in row["targets"]:
            SLATarget.objects.update_or_create(
                plan=plan,
                priority=priorities[t["priority"]],
                defaults=dict(
                    first_response=t["first_response"],
                    resolution=t["resolution"],
                    calendar=calendars[t["calendar"]],
                ),
            )
    return {p.slug: p for p in SupportPlan.objects.all()}


def _apply_contacts(rows: list[dict]) -> None:
    for row in rows:
        _upsert(
            EscalationContact, row, key=("name", "role"), fields=[k for k in row if k not in ("name", "role")]
        )


def _apply_alerts(
    rows: list[dict], priorities: dict[str, PriorityLevel], calendars: dict[str, Calendar]
) -> None:
    """The file's rules replace every alert rule."""
    AlertRule.objects.all().delete()
    for row in rows:
        AlertRule.objects.create(
            **{
                **row,
                "priority": priorities[row["priority"]] if row["priority"] else None,
                "office_calendar": calendars[row["office_calendar"]] if row["office_calendar"] else None,
            }
        )


def _apply_jobs(
    jobs: dict[str | None, dict], plans: dict[str, SupportPlan], calendars: dict[str, Calendar]
) -> None:
    """The file's entries replace every timed-job setting (``None`` is the global defaults)."""
    JobPolicy.objects.exclude(plan__slug__in=[k for k in jobs if k]).exclude(plan=None).delete()
    if None not in jobs:
        JobPolicy.objects.filter(plan=None).delete()
    for key, row in jobs.items():
        values = {**row, "calendar": calendars[row["calendar"]] if row["calendar"] else None}
        plan = plans[key] if key else None
        existing = JobPolicy.objects.filter(plan=plan).first() or JobPolicy(plan=plan)
        for name, value in values.items():
            setattr(existing, name, value)
        existing.save()
