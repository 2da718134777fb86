"""The SLA configuration export: every row as plain data in the import format, defaults left out."""

from __future__ import annotations

from typing import Any

from ..models import AlertRule, Calendar, EscalationContact, JobPolicy, PriorityLevel, SupportPlan
from . import extensions
from .formats import DAYS, JOB_DURATIONS, format_duration, format_time


def sla_config_export() -> dict:
    """The whole SLA configuration as plain data in the import format (``dump_yaml`` it).

    ``sla_config_import(text=dump_yaml(sla_config_export()))`` changes nothing.
    """
    out: dict[str, Any] = {
        "calendars": [
            _calendar(cal) for cal in Calendar.objects.prefetch_related("hours", "holidays").order_by("name")
        ],
        "priorities": [_priority(p) for p in PriorityLevel.objects.order_by("rank", "slug")],
        "plans": [_plan(plan) for plan in SupportPlan.objects.order_by("slug")],
    }
    contacts = [_contact(contact) for contact in EscalationContact.objects.order_by("role", "name")]
    if contacts:
        out["contacts"] = contacts
    alerts = [
        _alert(rule)
        for rule in AlertRule.objects.select_related("priority", "office_calendar").order_by("pk")
    ]
    if alerts:
        out["alerts"] = alerts
    jobs = {
        "default" if policy.plan is None else policy.plan.slug: _jobs(policy)
        for policy in JobPolicy.objects.select_related("plan", "calendar").order_by("plan__slug")
    }
    if jobs:
        out["jobs"] = dict(sorted(jobs.items(), key=lambda kv: (kv[0] != "default", kv[0])))
    for name, section in extensions.SECTIONS.items():
        value = section.export()
        if value:
            out[name] = value
    return out


def _calendar(cal: Calendar) -> dict:
    row: dict[str, Any] = {"name": cal.name, "timezone": cal.timezone}
    if cal.always_open:
        row["always_open"] = True
    hours: dict[str, list] = {}
    for h in sorted(cal.hours.all(), key=lambda h: (h.weekday, h.start)):
        hours.setdefault(DAYS[h.weekday], []).append([format_time(h.start), format_time(h.end)])
    if hours:
        row["hours"] = hours
    holidays = [
        {"date": h.date.isoformat(), "name": h.name} if h.name else h.date.isoformat()
        for h in sorted(cal.holidays.all(), key=lambda h: h.date)
    ]
    if holidays:
        row["holidays"] = holidays
    if cal.country_holidays:
        row["country_holidays"] = cal.country_holidays
    if cal.country_subdivision:
        row["country_subdivision"] = cal.country_subdivision
    return row


def _priority(p: PriorityLevel) -> dict:
    row: dict[str, Any] = {"slug": p.slug, "name": p.name, "rank": p.rank}
    if p.definition:
        row["definition"] = p.definition
    if p.examples:
        row["examples"] = list(p.examples)
    flags = {
        "advise_phone": p.advise_phone,
        "escalate_any_time": p.escalate_any_time,
        "abuse_guarded": p.abuse_guarded,
        "default": p.is_default,
    }
    row.update({key: True for key, value in flags.items() if value})  # false is the default: left out
    row["colour"] = p.colour
    return row


def _plan(plan: SupportPlan) -> dict:
    row: dict[str, Any] = {"slug": plan.slug, "name": plan.name}
    if plan.description:
        row["description"] = plan.description
    if plan.is_default:
        row["default"] = True
    if plan.first_response_met_by != SupportPlan.FirstResponse.REPLY:
        row["first_response_met_by"] = plan.first_response_met_by
    if plan.customer_edit != SupportPlan.CustomerEdit.NEW_OR_BREACHED:
        row["customer_edit"] = plan.customer_edit
    if plan.time_tracking != SupportPlan.TimeTracking.OPTIONAL:
        row["time_tracking"] = plan.time_tracking
    targets = {}
    for t in plan.targets.select_related("priority", "calendar").order_by("priority__rank", "priority__slug"):
        cell = {}
        if t.first_response:  # targets read as business hours ("48h"), never days
            cell["first_response"] = format_duration(t.first_response, days=False)
        if t.resolution:
            cell["resolution"] = format_duration(t.resolution, days=False)
        cell["calendar"] = t.calendar.name
        targets[t.priority.slug] = cell
    row["targets"] = targets
    return row


def _contact(contact: EscalationContact) -> dict:
    row = {"name": contact.name, "role": contact.role}
    for key in ("email", "phone", "webhook_url"):
        if getattr(contact, key):
            row[key] = getattr(contact, key)
    if not contact.active:
        row["active"] = False
    return row


def _alert(rule: AlertRule) -> dict:
    row: dict[str, Any] = {}
    if rule.name:
        row["name"] = rule.name
    row.update(
        event=rule.event,
        priority=rule.priority.slug if rule.priority else None,
        target=rule.target,
        threshold_percent=rule.threshold_percent,
        audience=rule.audience,
        channel=rule.channel,
        timing=rule.timing,
    )
    if rule.office_calendar:
        row["office_calendar"] = rule.office_calendar.name
    if rule.webhook_url:
        row["webhook_url"] = rule.webhook_url
    if not rule.active:
        row["active"] = False
    return row


def _jobs(policy: JobPolicy) -> dict:
    row: dict[str, Any] = {}
    if policy.calendar:
        row["calendar"] = policy.calendar.name
    for name in JOB_DURATIONS:
        if getattr(policy, name) is not None:
            row[name] = format_duration(getattr(policy, name))
    if policy.customer_reminder_max is not None:
        row["customer_reminder_max"] = policy.customer_reminder_max
    if policy.survey_enabled is not None:
        row["survey_enabled"] = policy.survey_enabled
    return row
