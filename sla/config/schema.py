"""What a valid SLA file is: one validator per section, each reading its rows into the import's data.

Lengths, ranges and choices come from the models (``RANK_MIN``/``RANK_MAX``, ``WARN_PERCENT_MIN``/
``WARN_PERCENT_MAX``, each field's ``max_length``, the ``TextChoices``), so the file, the admin and the
database accept the same values.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import models

from ..models import (
    CUSTOMER_REMINDERS_MAX,
    DEFAULT_WARN_PERCENT,
    RANK_MAX,
    RANK_MIN,
    WARN_PERCENT_MAX,
    WARN_PERCENT_MIN,
    AlertRule,
    Calendar,
    EscalationContact,
    Holiday,
    JobPolicy,
    PriorityLevel,
    SupportPlan,
)
from . import extensions
from .checker import Checker
from .formats import COLOUR, DAYS, JOB_DURATIONS, SLUG
from .yaml_io import ConfigError, Map

SECTIONS = {"calendars", "priorities", "plans", "contacts", "alerts", "jobs"}


@dataclass
class Config:
    """A validated configuration, ready to apply."""

    calendars: list[dict]
    priorities: list[dict]
    plans: list[dict]
    contacts: list[dict] | None
    alerts: list[dict] | None
    jobs: dict[str | None, dict] | None
    extensions: dict[str, Any] = field(default_factory=dict)  # other apps' sections (extensions.py)


def _max_length(model: type[models.Model], field: str) -> int:
    return model._meta.get_field(field).max_length


def validate(data: Map) -> Config:
    """Check every section; raise ``ConfigError`` listing every problem (with its line) or return a Config.

    A reference (a target's calendar, an alert's priority, a job entry's plan) may name a row of the same
    file or one already stored.
    """
    c = Checker()
    c.fields(data, 1, "", SECTIONS | set(extensions.SECTIONS))
    calendars = check_calendars(c, data)
    known_calendars = {row["name"] for row in calendars} | set(
        Calendar.objects.values_list("name", flat=True)
    )
    priorities = check_priorities(c, data)
    known_priorities = {row["slug"] for row in priorities} | set(
        PriorityLevel.objects.values_list("slug", flat=True)
    )
    plans = check_plans(c, data, known_priorities, known_calendars)
    known_plans = {row["slug"] for row in plans} | set(SupportPlan.objects.values_list("slug", flat=True))
    contacts = check_contacts(c, data)
    alerts = check_alerts(c, data, known_priorities, known_calendars)
    jobs = check_jobs(c, data, known_plans, known_calendars)
    known = extensions.Known(priorities=known_priorities, calendars=known_calendars, plans=known_plans)
    extra = {name: section.check(c, data, known) for name, section in extensions.SECTIONS.items()}
    if c.problems:
        raise ConfigError(sorted(c.problems, key=lambda p: p[0]))
    return Config(calendars, priorities, plans, contacts, alerts, jobs, extra)


# --- calendars ----------------------------------------------------------------------------------------

CALENDAR_FIELDS = {
    "name",
    "timezone",
    "hours",
    "holidays",
    "country_holidays",
    "country_subdivision",
    "always_open",
}


def check_calendars(c: Checker, data: Map) -> list[dict]:
    calendars, names = [], set()
    for i, line, item in c.seq(data, "calendars"):
        path = f"calendars[{i}]"
        if c.fields(item, line, path, CALENDAR_FIELDS, {"name"}) is None:
            continue
        name = c.text(item, "name", path, max_length=_max_length(Calendar, "name"), pattern=SLUG)
        path = f"calendars[{name or i}]"
        if name in names:
            c.error(item.lines.get("name", line), f"{path}.name", "is used by another calendar")
        names.add(name)
        tz = c.text(item, "timezone", path, default="UTC")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            c.error(
                item.lines.get("timezone", line),
                f"{path}.timezone",
                f"{tz!r} is not an IANA time zone (e.g. Europe/London)",
            )
        always = c.boolean(item, "always_open", path)
        hours = _hours(c, item, path)
        holidays = _holidays(c, item, path)
        country, subdivision = _country(c, item, path)
        if not always and not hours:
            c.error(item.line, path, "has no hours: give hours or always_open: true")
        if always and hours:
            c.error(item.lines["hours"], f"{path}.hours", "an always_open calendar takes no hours")
        calendars.append(
            dict(
                name=name,
                timezone=tz,
                always_open=bool(always),
                hours=hours,
                holidays=holidays,
                country_holidays=country,
                country_subdivision=subdivision,
            )
        )
    return calendars


def _hours(c: Checker, item: Map, path: str) -> list[tuple]:
    """(weekday, start, end) for each opening interval; overlapping intervals are problems."""
    hours: list[tuple] = []
    raw = item.get("hours")
    if raw is None or c.fields(raw, item.lines["hours"], f"{path}.hours", set(DAYS)) is None:
        return hours
    for day, spans in raw.items():
        if day not in DAYS:
            continue
        if not isinstance(spans, list):
            c.error(raw.lines[day], f"{path}.hours.{day}", 'must be a list of ["HH:MM", "HH:MM"] pairs')
            continue
        day_spans = []
        for j, span in enumerate(spans):
            where = f"{path}.hours.{day}[{j}]"
            if not isinstance(span, list) or len(span) != 2:
                c.error(spans.lines[j], where, 'must be a pair ["HH:MM", "HH:MM"]')
                continue
            start = c.clock(span[0], spans.lines[j], where, end=False)
            end = c.clock(span[1], spans.lines[j], where, end=True)
            if start is not None and end is not None:
                day_spans.append((start, end, spans.lines[j], where))
        day_spans.sort(key=lambda s: s[0])
        for (s1, e1, _, _), (s2, _, l2, w2) in zip(day_spans, day_spans[1:], strict=False):
            if e1 <= s1 or s2 < e1:
                c.error(l2, w2, "overlaps the interval before it")
        hours += [(DAYS.index(day), s, e) for s, e, _, _ in day_spans]
    return hours


def _holidays(c: Checker, item: Map, path: str) -> list[tuple[date, str]]:
    """(date, name) for each listed holiday: ``"2026-12-25"`` or ``{date: ..., name: ...}``."""
    holidays = []
    raw = item.get("holidays") or []
    if not isinstance(raw, list):
        c.error(item.lines["holidays"], f"{path}.holidays", 'must be a list of dates like "2026-12-25"')
        raw = []
    seen = set()
    for j, h in enumerate(raw):
        where, line = f"{path}.holidays[{j}]", raw.lines[j]
        name = ""
        if isinstance(h, dict):
            c.fields(h, line, where, {"date", "name"}, {"date"})
            name = c.text(h, "name", where, max_length=_max_length(Holiday, "name"))
            h = h.get("date")
        try:
            day = h if isinstance(h, date) else date.fromisoformat(str(h))
        except ValueError:
            c.error(line, where, f"{h!r} is not a date; write YYYY-MM-DD")
            continue
        if day in seen:
            c.error(line, where, f"{day} is listed twice")
        seen.add(day)
        holidays.append((day, name))
    return holidays


def _country(c: Checker, item: Map, path: str) -> tuple[str, str]:
    """The public-holiday country and subdivision, as the ``holidays`` package names them."""
    country = c.text(item, "country_holidays", path).upper()
    subdivision = c.text(item, "country_subdivision", path)
    if country:
        import holidays as holidays_lib  # only when a file asks for public holidays: a large import

        supported = holidays_lib.list_supported_countries()
        if country not in supported:
            c.error(
                item.lines["country_holidays"],
                f"{path}.country_holidays",
                f"{country!r} is not a country code the holidays package knows",
            )
        elif subdivision and subdivision not in supported[country]:
            c.error(
                item.lines["country_subdivision"],
                f"{path}.country_subdivision",
                f"{subdivision!r} is not a subdivision of {country} ({', '.join(supported[country][:12])}, ...)",
            )
    elif subdivision:
        c.error(item.lines["country_subdivision"], f"{path}.country_subdivision", "needs country_holidays")
    return country, subdivision


# --- priorities ---------------------------------------------------------------------------------------

PRIORITY_FIELDS = {
    "slug",
    "name",
    "rank",
    "definition",
    "examples",
    "advise_phone",
    "default",
    "colour",
    "escalate_any_time",
    "abuse_guarded",
}


def _unique_slug(c: Checker, item: Map, line: int, i: int, section: str, model, slugs: set) -> tuple:
    """The item's slug (checked against the model's length and the slug pattern, and against the slugs
    already seen in the section) and the path its later problems are reported under."""
    path = f"{section}[{i}]"
    slug = c.text(item, "slug", path, max_length=_max_length(model, "slug"), pattern=SLUG)
    path = f"{section}[{slug or i}]"
    if slug in slugs:
        c.error(
            item.lines.get("slug", line), f"{path}.slug", f"is used by another {model._meta.verbose_name}"
        )
    slugs.add(slug)
    return slug, path


def check_priorities(c: Checker, data: Map) -> list[dict]:
    priorities, slugs, defaults = [], set(), 0
    for i, line, item in c.seq(data, "priorities"):
        path = f"priorities[{i}]"
        if c.fields(item, line, path, PRIORITY_FIELDS, {"slug", "name"}) is None:
            continue
        slug, path = _unique_slug(c, item, line, i, "priorities", PriorityLevel, slugs)
        examples = item.get("examples") or []
        if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
            c.error(item.lines.get("examples", line), f"{path}.examples", "must be a list of text")
            examples = []
        is_default = c.boolean(item, "default", path)
        defaults += bool(is_default)
        priorities.append(
            dict(
                slug=slug,
                name=c.text(item, "name", path, max_length=_max_length(PriorityLevel, "name")),
                rank=c.integer(item, "rank", path, default=i + 1, lo=RANK_MIN, hi=RANK_MAX),
                definition=c.text(item, "definition", path),
                examples=list(examples),
                advise_phone=c.boolean(item, "advise_phone", path),
                escalate_any_time=c.boolean(item, "escalate_any_time", path),
                abuse_guarded=c.boolean(item, "abuse_guarded", path),
                is_default=bool(is_default),
                colour=c.text(item, "colour", path, default="#6b7280", pattern=COLOUR),
            )
        )
    if defaults > 1:
        c.error(data.lines["priorities"], "priorities", "more than one priority is marked default: true")
    return priorities


# --- plans and their targets --------------------------------------------------------------------------

PLAN_FIELDS = {
    "slug",
    "name",
    "description",
    "default",
    "first_response_met_by",
    "customer_edit",
    "time_tracking",
    "targets",
}


def check_plans(
    c: Checker, data: Map, known_priorities: Collection[str], known_calendars: Collection[str]
) -> list[dict]:
    plans, slugs, defaults = [], set(), 0
    for i, line, item in c.seq(data, "plans"):
        path = f"plans[{i}]"
        if c.fields(item, line, path, PLAN_FIELDS, {"slug", "name"}) is None:
            continue
        slug, path = _unique_slug(c, item, line, i, "plans", SupportPlan, slugs)
        is_default = c.boolean(item, "default", path)
        defaults += bool(is_default)
        targets = _targets(c, item, line, path, known_priorities, known_calendars)
        plans.append(
            dict(
                slug=slug,
                name=c.text(item, "name", path, max_length=_max_length(SupportPlan, "name")),
                description=c.text(item, "description", path),
                is_default=bool(is_default),
                first_response_met_by=c.choice(
                    item,
                    "first_response_met_by",
                    path,
                    SupportPlan.FirstResponse,
                    SupportPlan.FirstResponse.REPLY,
                ),
                customer_edit=c.choice(
                    item,
                    "customer_edit",
                    path,
                    SupportPlan.CustomerEdit,
                    SupportPlan.CustomerEdit.NEW_OR_BREACHED,
                ),
                time_tracking=c.choice(
                    item,
                    "time_tracking",
                    path,
                    SupportPlan.TimeTracking,
                    SupportPlan.TimeTracking.OPTIONAL,
                ),
                targets=targets,
            )
        )
    if defaults > 1:
        c.error(data.lines["plans"], "plans", "more than one plan is marked default: true")
    return plans


def _targets(
    c: Checker,
    item: Map,
    line: int,
    path: str,
    known_priorities: Collection[str],
    known_calendars: Collection[str],
) -> list[dict]:
    """A plan's ``targets: {<priority slug>: {first_response, resolution, calendar}}``."""
    targets: list[dict] = []
    raw = item.get("targets") or Map()
    allowed = set(raw) if isinstance(raw, dict) else set()  # any priority slug; unknown ones are named below
    if c.fields(raw, item.lines.get("targets", line), f"{path}.targets", allowed) is None:
        return targets
    for prio, cell in raw.items():
        where, cell_line = f"{path}.targets.{prio}", raw.lines[prio]
        if prio not in known_priorities:
            c.error(cell_line, where, f"no priority with slug {prio!r}")
        if c.fields(cell, cell_line, where, {"first_response", "resolution", "calendar"}) is None:
            continue
        targets.append(
            dict(
                priority=prio,
                first_response=c.duration(cell, "first_response", where),
                resolution=c.duration(cell, "resolution", where),
                calendar=c.calendar(cell, "calendar", where, known_calendars, required=True),
            )
        )
    return targets


# --- contacts -----------------------------------------------------------------------------------------


def check_contacts(c: Checker, data: Map) -> list[dict] | None:
    """``None`` when the file has no ``contacts`` section (stored contacts stay as they are)."""
    if "contacts" not in data:
        return None
    contacts, seen = [], set()
    allowed = {"name", "role", "email", "phone", "webhook_url", "active"}
    for i, line, item in c.seq(data, "contacts"):
        path = f"contacts[{i}]"
        if c.fields(item, line, path, allowed, {"name", "role"}) is None:
            continue
        row = dict(
            name=c.text(item, "name", path, max_length=_max_length(EscalationContact, "name")),
            role=c.choice(item, "role", path, EscalationContact.Role),
            email=c.text(item, "email", path),
            phone=c.text(item, "phone", path, max_length=_max_length(EscalationContact, "phone")),
            webhook_url=c.url(item, "webhook_url", path),
            active=c.boolean(item, "active", path, default=True),
        )
        if row["email"]:
            try:
                EmailValidator()(row["email"])
            except ValidationError:
                c.error(item.lines["email"], f"{path}.email", f"{row['email']!r} is not an email address")
        if (row["name"], row["role"]) in seen:
            c.error(line, path, "the same name and role appear twice")
        seen.add((row["name"], row["role"]))
        contacts.append(row)
    return contacts


# --- alerts -------------------------------------------------------------------------------------------

ALERT_FIELDS = {
    "name",
    "event",
    "priority",
    "target",
    "threshold_percent",
    "audience",
    "channel",
    "timing",
    "office_calendar",
    "webhook_url",
    "active",
}


def check_alerts(
    c: Checker, data: Map, known_priorities: Collection[str], known_calendars: Collection[str]
) -> list[dict] | None:
    """``None`` when the file has no ``alerts`` section; a list (maybe empty) replaces every rule."""
    if "alerts" not in data:
        return None
    alerts = []
    for i, line, item in c.seq(data, "alerts"):
        path = f"alerts[{i}]"
        if c.fields(item, line, path, ALERT_FIELDS, {"event", "audience"}) is None:
            continue
        prio = item.get("priority")
        if prio is not None and (not isinstance(prio, str) or prio not in known_priorities):
            c.error(
                item.lines["priority"],
                f"{path}.priority",
                f"no priority with slug {prio!r} (null means every priority)",
            )
        alerts.append(
            dict(
                name=c.text(item, "name", path, max_length=_max_length(AlertRule, "name")),
                event=c.choice(item, "event", path, AlertRule.Event),
                priority=prio,
                target=c.choice(item, "target", path, AlertRule.Target, AlertRule.Target.ANY),
                threshold_percent=c.integer(
                    item,
                    "threshold_percent",
                    path,
                    default=DEFAULT_WARN_PERCENT,
                    lo=WARN_PERCENT_MIN,
                    hi=WARN_PERCENT_MAX,
                ),
                audience=c.choice(item, "audience", path, AlertRule.Audience),
                channel=c.choice(item, "channel", path, AlertRule.Channel, AlertRule.Channel.EMAIL),
                timing=c.choice(item, "timing", path, AlertRule.Timing, AlertRule.Timing.ALWAYS),
                office_calendar=c.calendar(item, "office_calendar", path, known_calendars, required=False),
                webhook_url=c.url(item, "webhook_url", path),
                active=c.boolean(item, "active", path, default=True),
            )
        )
    return alerts


# --- timed jobs ---------------------------------------------------------------------------------------

JOB_FIELDS = {"calendar", *JobPolicy.SETTINGS}


def check_jobs(
    c: Checker, data: Map, known_plans: Collection[str], known_calendars: Collection[str]
) -> dict[str | None, dict] | None:
    """``{None: global defaults, <plan slug>: ...}``; ``None`` when the file has no ``jobs`` section."""
    if "jobs" not in data:
        return None
    jobs: dict[str | None, dict] = {}
    raw = data["jobs"]
    if not isinstance(raw, dict):
        c.error(data.lines["jobs"], "jobs", "must be a mapping: default: {...} and one entry per plan slug")
        raw = Map()
    for key, item in raw.items():
        path, line = f"jobs.{key}", raw.lines[key]
        if key != "default" and key not in known_plans:
            c.error(line, path, f"no plan with slug {key!r} (use 'default' for the global settings)")
        if c.fields(item if item is not None else Map(), line, path, JOB_FIELDS) is None:
            continue
        item = item or Map()
        row = {name: c.duration(item, name, path) for name in JOB_DURATIONS}
        row["calendar"] = c.calendar(item, "calendar", path, known_calendars, required=False)
        row["customer_reminder_max"] = c.integer(
            item, "customer_reminder_max", path, default=None, lo=0, hi=CUSTOMER_REMINDERS_MAX
        )
        row["survey_enabled"] = c.boolean(item, "survey_enabled", path, default=None)
        jobs[None if key == "default" else key] = row
    return jobs
