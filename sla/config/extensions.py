"""Sections other apps add to the SLA file (automation's macros and rules), so one file carries the whole
desk policy while ``sla`` imports none of those apps: each registers its section at start-up
(``AppConfig.ready``) with a validator, an applier and an exporter, and the import runs them in the same
all-or-nothing transaction as the SLA sections."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from .checker import Checker
from .yaml_io import Map


@dataclass(frozen=True)
class Known:
    """What references in a section may name: rows in the file or already stored."""

    priorities: Collection[str]
    calendars: Collection[str]
    plans: Collection[str]


@dataclass(frozen=True)
class Section:
    name: str
    #: Check ``data[name]`` (record problems on the checker) and return the value to apply, or None
    #: when the section is absent.
    check: Callable[[Checker, Map, Known], Any]
    #: Apply a checked value (inside the import's transaction, after the SLA sections).
    apply: Callable[[Any], None]
    #: The section as stored, in the file's format; None or empty when there is nothing to export.
    export: Callable[[], Any]


SECTIONS: dict[str, Section] = {}


def register_section(section: Section) -> None:
    SECTIONS[section.name] = section
