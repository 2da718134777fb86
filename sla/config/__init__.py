"""The SLA configuration as a YAML file: parse and validate, import (all or nothing), export.

Sections (all optional; see ``sla/presets/*.yaml`` for complete examples)::

    calendars:   [{name, timezone, hours: {mon: [["09:00", "17:30"]], ...}, holidays, country_holidays,
                   country_subdivision, always_open}]
    priorities:  [{slug, name, rank, definition, examples, advise_phone, escalate_any_time, abuse_guarded,
                   default, colour}]
    plans:       [{slug, name, description, default, first_response_met_by (reply | assignment),
                  customer_edit (new_or_breached | breached),
                  time_tracking (off | optional | required), targets: {<priority>: {first_response, resolution, calendar}}}]
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

The package: ``formats`` (durations, times), ``yaml_io`` (reading with line numbers, the dumper,
presets, ``ConfigError``), ``checker`` and ``schema`` (one validator per section), ``apply`` (the import)
and ``export``. Callers import from here.
"""

from .apply import sla_config_import
from .export import sla_config_export
from .formats import DAYS, JOB_DURATIONS, format_duration, parse_duration
from .schema import Config, validate
from .yaml_io import PRESETS_DIR, ConfigError, dump_yaml, load_yaml, preset_path

__all__ = [
    "DAYS",
    "JOB_DURATIONS",
    "PRESETS_DIR",
    "Config",
    "ConfigError",
    "dump_yaml",
    "format_duration",
    "load_yaml",
    "parse_duration",
    "preset_path",
    "sla_config_export",
    "sla_config_import",
    "validate",
]
