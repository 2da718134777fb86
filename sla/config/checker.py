"""The field readers the section validators share: each checks one value and records a problem with its line."""

from __future__ import annotations

from collections.abc import Collection
from datetime import time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from .formats import HHMM, parse_duration
from .yaml_io import Map


class Checker:
    """Collects every problem as (line, field path, message); each reader returns the value or a default."""

    def __init__(self) -> None:
        self.problems: list[tuple[int, str, str]] = []

    def error(self, line: int, path: str, msg: str) -> None:
        self.problems.append((line, path, msg))

    def fields(
        self, obj: Any, line: int, path: str, allowed: set[str], required: set[str] = frozenset()
    ) -> Map | None:
        """``obj`` if it is a mapping (unknown and missing keys recorded), else ``None``."""
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

    def seq(self, data: Map, key: str) -> list[tuple[int, int, Any]]:
        """(index, line, item) for each item of the list ``data[key]``; empty when absent or not a list."""
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(data.lines[key], key, "must be a list")
            return []
        return [(i, value.lines[i], item) for i, item in enumerate(value)]

    def text(
        self,
        obj: Map,
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

    def boolean(self, obj: Map, key: str, path: str, default: bool | None = False) -> bool | None:
        value = obj.get(key, default)
        if value is not None and not isinstance(value, bool):
            self.error(obj.lines.get(key, obj.line), f"{path}.{key}", "must be true or false")
            return default
        return value

    def integer(self, obj: Map, key: str, path: str, *, default: int | None, lo: int, hi: int) -> int | None:
        value = obj.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            self.error(
                obj.lines.get(key, obj.line), f"{path}.{key}", f"must be a whole number from {lo} to {hi}"
            )
            return default
        return value

    def duration(self, obj: Map, key: str, path: str) -> timedelta | None:
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

    def choice(self, obj: Map, key: str, path: str, choices, default: str | None = None) -> str | None:
        value = obj.get(key, default)
        if value not in choices.values:
            self.error(
                obj.lines.get(key, obj.line),
                f"{path}.{key}",
                f"{value!r} is not one of: {', '.join(choices.values)}",
            )
            return default
        return value

    def url(self, obj: Map, key: str, path: str) -> str:
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

    def calendar(
        self, obj: Map, key: str, path: str, known: Collection[str], *, required: bool
    ) -> str | None:
        """A reference to a calendar by name: one in the file or one already stored (``known``)."""
        value = obj.get(key)
        if value is None:
            if required:
                self.error(obj.line, f"{path}.{key}", "is required (a calendar name)")
            return None
        if not isinstance(value, str) or value not in known:
            self.error(obj.lines[key], f"{path}.{key}", f"no calendar named {value!r}")
        return value
