"""The SLA configuration as a YAML file: parse and validate, import (all or nothing), export.

Sections (all optional; see ``sla/presets/*.yaml`` for complete examples)::

    calendars:   [{name, timezone, hours: {mon: [["09:00", "17:30"]], ...}, holidays, country_holidays,
                   country_subdivision, always_open}]
    priorities:  [{slug, name, rank, definition, examples, advise_phone, escalate_any_time, abuse_guarded,
                   default, colour}]
    plans:       [{slug, name, description, default, first_response_met_by (reply | assignment),
                  customer_edit (new_or_breached | breached), targets: {<priority>: {first_response, resolution, calendar}}}]
    contacts:    [{name, role, email, phone, webhook_url, active}]
    alerts:      [{name, event, priority, target, threshold_percent, audience, channel, timing,
                   office_calendar, webhook_url, active}]
    jobs:        {default: {...}, <plan slug>: {calendar, assignment_deadline, stale_after, ...}}

Durations are ``45m``, ``4h``, ``2d`` (a day is 24 h of the calendar's open time) or combinations such as
``1h30m``. Times are ``"HH:MM"``; an end at or before the start runs past midnight (``"24:00"`` is
accepted as an end and means midnight).

Import semantics: calendars, priorities, plans and contacts are matched by their key (name, slug, slug,
name + role) and every field is set from the file (an omitted field takes its default); a calendar's
hours and holidays and a plan's targets become exactly the file's. The ``alerts`` and ``jobs`` sections,
when present, replace all alert rules and all timed-job settings. Rows the file does not mention are
left alone. So ``import(export())`` changes nothing, and a file is applied completely or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction

from .models import (
    DEFAULT_WARN_PERCENT,
    RANK_MAX,
    RANK_MIN,
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

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
JOB_DURATIONS = (
    "assignment_deadline",
    "stale_after",
    "customer_reminder_every",
    "waiting_close_after",
    "resolved_close_after",
    "reopen_window",
    "survey_valid_for",
)
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)(?:m|min))?(?:(\d+)s)?$")
HHMM = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


# --- durations --------------------------------------------------------------------------------------


def parse_duration(text: Any) -> timedelta:
    """``45m``, ``4h``, ``2d``, ``1h30m`` (also ``90s``, ``30min``) -> timedelta; ValueError otherwise."""
    if isinstance(text, bool) or not isinstance(text, str):
        raise ValueError(f"{text!r} is not a duration; write e.g. 45m, 4h, 2d or 1h30m")
    match = DURATION.match(text.replace(" ", "").lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration; write e.g. 45m, 4h, 2d or 1h30m")
    d, h, m, s = (int(g or 0) for g in match.groups())
    return timedelta(days=d, hours=h, minutes=m, seconds=s)


def format_duration(value: timedelta, *, days: bool = True) -> str:
    """The inverse of ``parse_duration``, in the largest whole units: 2d, 1h30m, 45m.

    ``days=False`` stops at hours (SLA targets read as "48h" of business time, not "2d").
    """
    seconds = int(value.total_seconds())
    if seconds <= 0 or value != timedelta(seconds=seconds):
        raise ValueError(f"{value} cannot be written as a duration")
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size and (days or unit != "d"):
            out += f"{seconds // size}{unit}"
            seconds %= size
    return out


def _format_time(value: time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


# --- YAML with line numbers -------------------------------------------------------------------------


class _Map(dict):
    line: int = 0
    lines: dict


class _Seq(list):
    line: int = 0
    lines: list


class _Loader(yaml.SafeLoader):
    """Safe YAML, keeping the line of every value; ``17:30`` stays a string (no base-60 integers)."""


_Loader.yaml_implicit_resolvers = {
    key: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
    ]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line, out.lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise ConfigError([(key_node.start_mark.line + 1, str(key), "appears twice")])
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = value_node.start_mark.line + 1
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.line, out.lines = node.start_mark.line + 1, [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


class ConfigError(Exception):
    """Every problem found in a file: a list of (line, field path, message)."""

    def __init__(self, problems: list[tuple[int, str, str]]):
        self.problems = problems
        super().__init__(
            "\n".join(
                f"line {line}: {path}: {msg}" if path else f"line {line}: {msg}"
                for line, path, msg in problems
            )
        )


def load_yaml(text: str) -> _Map:
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(
            [(mark.line + 1 if mark else 0, "", f"not valid YAML: {exc.problem or exc}")]
        ) from exc
    if data is None:
        data = _Map()
    if not isinstance(data, _Map):
        raise ConfigError([(1, "", "the file must be a mapping with calendars, priorities, plans, ...")])
    return data


# --- validation -------------------------------------------------------------------------------------


@dataclass
class Config:
    """A validated configuration, ready to apply."""

    calendars: list[dict]
    priorities: list[dict]
    plans: list[dict]
    contacts: list[dict] | None
    alerts: list[dict] | None
    jobs: dict[str | None, dict] | None


class _Checker:
    def __init__(self) -> None:
        self.problems: list[tuple[int, str, str]] = []

    def error(self, line: int, path: str, msg: str) -> None:
        self.problems.append((line, path, msg))

    def fields(
        self, obj: Any, line: int, path: str, allowed: set[str], required: set[str] = frozenset()
    ) -> _Map | None:
        if not isinstance(obj, dict):
            self.error(line, path, "must be a mapping")
            return None
        for key in obj:
            if key not in allowed:
                self.error(
                    obj.lines.get(key, line),
                    f"{path}.{key}",
                    f"unknown field (expected one of: {', '.join(sorted(allowed))})",
                )
        for key in sorted(required - set(obj)):
            self.error(obj.line, f"{path}.{key}", "is required")
        return obj

    def seq(self, data: _Map, key: str) -> list[tuple[int, int, Any]]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(data.lines[key], key, "must be a list")
            return []
        return [(i, value.lines[i], item) for i, item in enumerate(value)]

    def text(
        self,
        obj: _Map,
        key: str,
        path: str,
        *,
        default: str = "",
        max_length: int | None = None,
        pattern=None,
    ) -> str:
        value = obj.get(key, default)
        if value is None:
            return default
        if not isinstance(value, str | int) or isinstance(value, bool):
            self.error(obj.lines.get(key, obj.line), f"{path}.{key}", "must be text")
            return default
        value = str(value)
        if max_length and len(value) > max_length:
            self.error(obj.lines[key], f"{path}.{key}", f"is longer than {max_length} characters")
        if pattern is not None and value and not pattern.match(value):
            self.error(obj.lines[key], f"{path}.{key}", f"{value!r} is not valid")
        return value

    def boolean(self, obj: _Map, key: str, path: str, default: bool | None = False) -> bool | None:
        value = obj.get(key, default)
        if value is not None and not isinstance(value, bool):
            self.error(obj.lines.get(key, obj.line), f"{path}.{key}", "must be true or false")
            return default
        return value

    def integer(self, obj: _Map, key: str, path: str, *, default: int | None, lo: int, hi: int) -> int | None:
        value = obj.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            self.error(
                obj.lines.get(key, obj.line), f"{path}.{key}", f"must be a whole number from {lo} to {hi}"
            )
            return default
        return value

    def duration(self, obj: _Map, key: str, path: str) -> timedelta | None:
        value = obj.get(key)
        if value is None:
            return None
        try:
            parsed = parse_duration(value)
        except ValueError as exc:
            self.error(obj.lines[key], f"{path}.{key}", str(exc))
            return None
        if parsed <= timedelta(0):
            self.error(obj.lines[key], f"{path}.{key}", "must be longer than zero")
            return None
        return parsed

    def choice(self, obj: _Map, key: str, path: str, choices, default: str | None = None) -> str | None:
        value = obj.get(key, default)
        if value not in choices.values:
            self.error(
                obj.lines.get(key, obj.line),
                f"{path}.{key}",
                f"{value!r} is not one of: {', '.join(choices.values)}",
            )
            return default
        return value

    def url(self, obj: _Map, key: str, path: str) -> str:
        value = self.text(obj, key, path)
        if value:
            try:
                URLValidator()(value)
            except ValidationError:
                self.error(obj.lines[key], f"{path}.{key}", f"{value!r} is not a URL")
        return value

    def clock(self, value: Any, line: int, path: str, *, end: bool) -> time | None:
        match = HHMM.match(value) if isinstance(value, str) else None
        if match:
            h, m, s = int(match[1]), int(match[2]), int(match[3] or 0)
            if end and (h, m, s) == (24, 0, 0):
                return time(0)
            if h < 24 and m < 60 and s < 60:
                return time(h, m, s)
        self.error(line, path, f'{value!r} is not a time; write "HH:MM" in quotes, e.g. "09:00"')
        return None


def validate(data: _Map) -> Config:
    """Check every section; raise ``ConfigError`` listing every problem (with its line) or return a Config."""
    c = _Checker()
    c.fields(data, 1, "", {"calendars", "priorities", "plans", "contacts", "alerts", "jobs"})

    calendars, cal_names = [], set()
    for i, line, item in c.seq(data, "calendars"):
        path = f"calendars[{i}]"
        if (
            c.fields(
                item,
                line,
                path,
                {
                    "name",
                    "timezone",
                    "hours",
                    "holidays",
                    "country_holidays",
                    "country_subdivision",
                    "always_open",
                },
                {"name"},
            )
            is None
        ):
            continue
        name = c.text(item, "name", path, max_length=50, pattern=SLUG)
        path = f"calendars[{name or i}]"
        if name in cal_names:
            c.error(item.lines.get("name", line), f"{path}.name", "is used by another calendar")
        cal_names.add(name)
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
        hours = []
        raw_hours = item.get("hours")
        if (
            raw_hours is not None
            and c.fields(raw_hours, item.lines["hours"], f"{path}.hours", set(DAYS)) is not None
        ):
            for day, spans in raw_hours.items():
                if day not in DAYS:
                    continue
                span_line = raw_hours.lines[day]
                if not isinstance(spans, list):
                    c.error(span_line, f"{path}.hours.{day}", 'must be a list of ["HH:MM", "HH:MM"] pairs')
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
        holidays = []
        raw_holidays = item.get("holidays") or []
        if not isinstance(raw_holidays, list):
            c.error(item.lines["holidays"], f"{path}.holidays", 'must be a list of dates like "2026-12-25"')
            raw_holidays = []
        seen_dates = set()
        for j, h in enumerate(raw_holidays):
            where, hline = f"{path}.holidays[{j}]", raw_holidays.lines[j]
            h_name = ""
            if isinstance(h, dict):
                c.fields(h, hline, where, {"date", "name"}, {"date"})
                h_name = c.text(h, "name", where, max_length=100)
                h = h.get("date")
            try:
                day = h if isinstance(h, date) else date.fromisoformat(str(h))
            except ValueError:
                c.error(hline, where, f"{h!r} is not a date; write YYYY-MM-DD")
                continue
            if day in seen_dates:
                c.error(hline, where, f"{day} is listed twice")
            seen_dates.add(day)
            holidays.append((day, h_name))
        country = c.text(item, "country_holidays", path).upper()
        subdivision = c.text(item, "country_subdivision", path)
        if country:
            import holidays as holidays_lib

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
            c.error(
                item.lines["country_subdivision"], f"{path}.country_subdivision", "needs country_holidays"
            )
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
    known_calendars = cal_names | set(Calendar.objects.values_list("name", flat=True))

    def calendar_ref(obj: _Map, key: str, path: str, *, required: bool) -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                c.error(obj.line, f"{path}.{key}", "is required (a calendar name)")
            return None
        if value not in known_calendars:
            c.error(obj.lines[key], f"{path}.{key}", f"no calendar named {value!r}")
        return value

    priorities, prio_slugs = [], set()
    defaults = 0
    for i, line, item in c.seq(data, "priorities"):
        path = f"priorities[{i}]"
        if (
            c.fields(
                item,
                line,
                path,
                {"slug", "name", "rank", "definition", "examples", "advise_phone", "default", "colour",
                 "escalate_any_time", "abuse_guarded"},
                {"slug", "name"},
            )
            is None
        ):
            continue
        slug = c.text(item, "slug", path, max_length=50, pattern=SLUG)
        path = f"priorities[{slug or i}]"
        if slug in prio_slugs:
            c.error(item.lines.get("slug", line), f"{path}.slug", "is used by another priority")
        prio_slugs.add(slug)
        examples = item.get("examples") or []
        if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
            c.error(item.lines.get("examples", line), f"{path}.examples", "must be a list of text")
            examples = []
        is_default = c.boolean(item, "default", path)
        defaults += bool(is_default)
        priorities.append(
            dict(
                slug=slug,
                name=c.text(item, "name", path, max_length=60),
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
    known_priorities = prio_slugs | set(PriorityLevel.objects.values_list("slug", flat=True))

    plans, plan_slugs = [], set()
    defaults = 0
    for i, line, item in c.seq(data, "plans"):
        path = f"plans[{i}]"
        if (
            c.fields(
                item,
                line,
                path,
                {"slug", "name", "description", "default", "first_response_met_by", "customer_edit", "targets"},
                {"slug", "name"},
            )
            is None
        ):
            continue
        slug = c.text(item, "slug", path, max_length=50, pattern=SLUG)
        path = f"plans[{slug or i}]"
        if slug in plan_slugs:
            c.error(item.lines.get("slug", line), f"{path}.slug", "is used by another plan")
        plan_slugs.add(slug)
        is_default = c.boolean(item, "default", path)
        defaults += bool(is_default)
        targets = []
        raw_targets = item.get("targets") or _Map()
        if (
            c.fields(
                raw_targets,
                item.lines.get("targets", line),
                f"{path}.targets",
                set(raw_targets) if isinstance(raw_targets, dict) else set(),
            )
            is not None
        ):
            for prio, cell in raw_targets.items():
                where, tline = f"{path}.targets.{prio}", raw_targets.lines[prio]
                if prio not in known_priorities:
                    c.error(tline, where, f"no priority with slug {prio!r}")
                if c.fields(cell, tline, where, {"first_response", "resolution", "calendar"}) is None:
                    continue
                targets.append(
                    dict(
                        priority=prio,
                        first_response=c.duration(cell, "first_response", where),
                        resolution=c.duration(cell, "resolution", where),
                        calendar=calendar_ref(cell, "calendar", where, required=True),
                    )
                )
        plans.append(
            dict(
                slug=slug,
                name=c.text(item, "name", path, max_length=80),
                description=c.text(item, "description", path),
                is_default=bool(is_default),
                first_response_met_by=c.choice(
                    item, "first_response_met_by", path, SupportPlan.FirstResponse, SupportPlan.FirstResponse.REPLY
                ),
                customer_edit=c.choice(
                    item, "customer_edit", path, SupportPlan.CustomerEdit, SupportPlan.CustomerEdit.NEW_OR_BREACHED
                ),
                targets=targets,
            )
        )
    if defaults > 1:
        c.error(data.lines["plans"], "plans", "more than one plan is marked default: true")
    known_plans = plan_slugs | set(SupportPlan.objects.values_list("slug", flat=True))

    contacts = None
    if "contacts" in data:
        contacts, seen = [], set()
        for i, line, item in c.seq(data, "contacts"):
            path = f"contacts[{i}]"
            if (
                c.fields(
                    item,
                    line,
                    path,
                    {"name", "role", "email", "phone", "webhook_url", "active"},
                    {"name", "role"},
                )
                is None
            ):
                continue
            row = dict(
                name=c.text(item, "name", path, max_length=120),
                role=c.choice(item, "role", path, EscalationContact.Role),
                email=c.text(item, "email", path),
                phone=c.text(item, "phone", path, max_length=40),
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

    alerts = None
    if "alerts" in data:
        alerts = []
        for i, line, item in c.seq(data, "alerts"):
            path = f"alerts[{i}]"
            allowed = {
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
            if c.fields(item, line, path, allowed, {"event", "audience"}) is None:
                continue
            prio = item.get("priority")
            if prio is not None and prio not in known_priorities:
                c.error(
                    item.lines["priority"],
                    f"{path}.priority",
                    f"no priority with slug {prio!r} (null means every priority)",
                )
            alerts.append(
                dict(
                    name=c.text(item, "name", path, max_length=120),
                    event=c.choice(item, "event", path, AlertRule.Event),
                    priority=prio,
                    target=c.choice(item, "target", path, AlertRule.Target, AlertRule.Target.ANY),
                    threshold_percent=c.integer(item, "threshold_percent", path, default=DEFAULT_WARN_PERCENT, lo=1, hi=100),
                    audience=c.choice(item, "audience", path, AlertRule.Audience),
                    channel=c.choice(item, "channel", path, AlertRule.Channel, AlertRule.Channel.EMAIL),
                    timing=c.choice(item, "timing", path, AlertRule.Timing, AlertRule.Timing.ALWAYS),
                    office_calendar=calendar_ref(item, "office_calendar", path, required=False),
                    webhook_url=c.url(item, "webhook_url", path),
                    active=c.boolean(item, "active", path, default=True),
                )
            )

    jobs = None
    if "jobs" in data:
        jobs = {}
        raw_jobs = data["jobs"]
        if not isinstance(raw_jobs, dict):
            c.error(
                data.lines["jobs"], "jobs", "must be a mapping: default: {...} and one entry per plan slug"
            )
            raw_jobs = _Map()
        for key, item in raw_jobs.items():
            path, line = f"jobs.{key}", raw_jobs.lines[key]
            if key != "default" and key not in known_plans:
                c.error(line, path, f"no plan with slug {key!r} (use 'default' for the global settings)")
            allowed = {"calendar", "customer_reminder_max", "survey_enabled", *JOB_DURATIONS}
            if c.fields(item if item is not None else _Map(), line, path, allowed) is None:
                continue
            item = item or _Map()
            row = {name: c.duration(item, name, path) for name in JOB_DURATIONS}
            row["calendar"] = calendar_ref(item, "calendar", path, required=False)
            row["customer_reminder_max"] = c.integer(
                item, "customer_reminder_max", path, default=None, lo=0, hi=1000
            )
            row["survey_enabled"] = c.boolean(item, "survey_enabled", path, default=None)
            jobs[None if key == "default" else key] = row

    if c.problems:
        raise ConfigError(sorted(c.problems, key=lambda p: p[0]))
    return Config(calendars, priorities, plans, contacts, alerts, jobs)


# --- import / export --------------------------------------------------------------------------------


def preset_path(name: str) -> Path:
    path = PRESETS_DIR / f"{name}.yaml"
    if not re.match(r"^[a-z0-9-]+$", name) or not path.exists():
        available = ", ".join(sorted(p.stem for p in PRESETS_DIR.glob("*.yaml")))
        raise ConfigError([(0, "", f"no preset named {name!r} (available: {available})")])
    return path


def sla_config_import(*, text: str) -> dict[str, int]:
    """Validate ``text`` and apply it in one transaction; ``ConfigError`` changes nothing."""
    config = validate(load_yaml(text))
    with transaction.atomic():
        return _apply(config)


def _apply(config: Config) -> dict[str, int]:
    calendars = {}
    for row in config.calendars:
        cal, _ = Calendar.objects.update_or_create(
            name=row["name"],
            defaults=dict(
                timezone=row["timezone"],
                always_open=row["always_open"],
                country_holidays=row["country_holidays"],
                country_subdivision=row["country_subdivision"],
            ),
        )
        cal.hours.all().delete()
        cal.holidays.all().delete()
        BusinessHours.objects.bulk_create(
            BusinessHours(calendar=cal, weekday=d, start=s, end=e) for d, s, e in row["hours"]
        )
        Holiday.objects.bulk_create(Holiday(calendar=cal, date=d, name=n) for d, n in row["holidays"])
        calendars[cal.name] = cal
    calendars.update({c.name: c for c in Calendar.objects.exclude(name__in=calendars)})

    if any(p["is_default"] for p in config.priorities):
        PriorityLevel.objects.filter(is_default=True).update(is_default=False)
    for row in config.priorities:
        PriorityLevel.objects.update_or_create(
            slug=row["slug"], defaults={k: v for k, v in row.items() if k != "slug"}
        )
    priorities = {p.slug: p for p in PriorityLevel.objects.all()}

    if any(p["is_default"] for p in config.plans):
        SupportPlan.objects.filter(is_default=True).update(is_default=False)
    for row in config.plans:
        plan, _ = SupportPlan.objects.update_or_create(
            slug=row["slug"],
            defaults=dict(
                name=row["name"],
                description=row["description"],
                is_default=row["is_default"],
                first_response_met_by=row["first_response_met_by"],
                customer_edit=row["customer_edit"],
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
    plans = {p.slug: p for p in SupportPlan.objects.all()}

    if config.contacts is not None:
        for row in config.contacts:
            EscalationContact.objects.update_or_create(
                name=row["name"],
                role=row["role"],
                defaults={k: v for k, v in row.items() if k not in ("name", "role")},
            )
    if config.alerts is not None:
        AlertRule.objects.all().delete()
        for row in config.alerts:
            AlertRule.objects.create(
                **{
                    **row,
                    "priority": priorities[row["priority"]] if row["priority"] else None,
                    "office_calendar": calendars[row["office_calendar"]] if row["office_calendar"] else None,
                }
            )
    if config.jobs is not None:
        JobPolicy.objects.exclude(plan__slug__in=[k for k in config.jobs if k]).exclude(plan=None).delete()
        if None not in config.jobs:
            JobPolicy.objects.filter(plan=None).delete()
        for key, row in config.jobs.items():
            values = {**row, "calendar": calendars[row["calendar"]] if row["calendar"] else None}
            plan = plans[key] if key else None
            existing = JobPolicy.objects.filter(plan=plan).first() or JobPolicy(plan=plan)
            for name, value in values.items():
                setattr(existing, name, value)
            existing.save()
    return {
        "calendars": len(config.calendars),
        "priorities": len(config.priorities),
        "plans": len(config.plans),
        "contacts": len(config.contacts or []),
        "alerts": len(config.alerts or []),
        "jobs": len(config.jobs or {}),
    }


def sla_config_export() -> dict:
    """The whole SLA configuration as plain data in the import format (``yaml.safe_dump`` it)."""
    out: dict[str, Any] = {"calendars": [], "priorities": [], "plans": []}
    for cal in Calendar.objects.prefetch_related("hours", "holidays").order_by("name"):
        row: dict[str, Any] = {"name": cal.name, "timezone": cal.timezone}
        if cal.always_open:
            row["always_open"] = True
        hours: dict[str, list] = {}
        for h in sorted(cal.hours.all(), key=lambda h: (h.weekday, h.start)):
            hours.setdefault(DAYS[h.weekday], []).append([_format_time(h.start), _format_time(h.end)])
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
        out["calendars"].append(row)
    for p in PriorityLevel.objects.order_by("rank", "slug"):
        row = {"slug": p.slug, "name": p.name, "rank": p.rank}
        if p.definition:
            row["definition"] = p.definition
        if p.examples:
            row["examples"] = list(p.examples)
        if p.advise_phone:
            row["advise_phone"] = True
        if p.escalate_any_time:
            row["escalate_any_time"] = True
        if p.abuse_guarded:
            row["abuse_guarded"] = True
        if p.is_default:
            row["default"] = True
        row["colour"] = p.colour
        out["priorities"].append(row)
    for plan in SupportPlan.objects.order_by("slug"):
        row = {"slug": plan.slug, "name": plan.name}
        if plan.description:
            row["description"] = plan.description
        if plan.is_default:
            row["default"] = True
        if plan.first_response_met_by != SupportPlan.FirstResponse.REPLY:
            row["first_response_met_by"] = plan.first_response_met_by
        if plan.customer_edit != SupportPlan.CustomerEdit.NEW_OR_BREACHED:
            row["customer_edit"] = plan.customer_edit
        targets = {}
        for t in plan.targets.select_related("priority", "calendar").order_by(
            "priority__rank", "priority__slug"
        ):
            cell = {}
            if t.first_response:
                cell["first_response"] = format_duration(t.first_response, days=False)
            if t.resolution:
                cell["resolution"] = format_duration(t.resolution, days=False)
            cell["calendar"] = t.calendar.name
            targets[t.priority.slug] = cell
        row["targets"] = targets
        out["plans"].append(row)
    contacts = []
    for contact in EscalationContact.objects.order_by("role", "name"):
        row = {"name": contact.name, "role": contact.role}
        for key in ("email", "phone", "webhook_url"):
            if getattr(contact, key):
                row[key] = getattr(contact, key)
        if not contact.active:
            row["active"] = False
        contacts.append(row)
    if contacts:
        out["contacts"] = contacts
    alerts = []
    for rule in AlertRule.objects.select_related("priority", "office_calendar").order_by("pk"):
        row = {}
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
        alerts.append(row)
    if alerts:
        out["alerts"] = alerts
    jobs = {}
    for policy in JobPolicy.objects.select_related("plan", "calendar").order_by("plan__slug"):
        row = {}
        if policy.calendar:
            row["calendar"] = policy.calendar.name
        for name in JOB_DURATIONS:
            if getattr(policy, name) is not None:
                row[name] = format_duration(getattr(policy, name))
        if policy.customer_reminder_max is not None:
            row["customer_reminder_max"] = policy.customer_reminder_max
        if policy.survey_enabled is not None:
            row["survey_enabled"] = policy.survey_enabled
        jobs["default" if policy.plan is None else policy.plan.slug] = row
    if jobs:
        out["jobs"] = dict(sorted(jobs.items(), key=lambda kv: (kv[0] != "default", kv[0])))
    return out


class _Dumper(yaml.SafeDumper):
    """Block style for structure, flow style for small leaves: ``mon: [["09:00", "17:30"]]``,
    ``urgent: {first_response: 30m, calendar: always}``."""


def _short(value: Any) -> bool:
    return value is None or isinstance(value, bool | int) or (isinstance(value, str) and len(value) <= 40)


def _represent_list(dumper: _Dumper, data: list):
    flow = bool(data) and all(_short(v) or (isinstance(v, list) and all(_short(x) for x in v)) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _represent_dict(dumper: _Dumper, data: dict):
    flow = bool(data) and len(data) <= 3 and all(_short(v) for v in data.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _represent_dict)


def dump_yaml(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
