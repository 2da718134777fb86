"""The value formats of the SLA file: durations (``4h``, ``1h30m``), clock times, slugs and colours."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Any

from ..models import JobPolicy

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
JOB_DURATIONS = JobPolicy.DURATIONS
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)(?:m|min))?(?:(\d+)s)?$")
HHMM = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


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


def format_time(value: time) -> str:
    """A clock time as the file writes it: ``"09:00"``, with seconds only when there are some."""
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")
