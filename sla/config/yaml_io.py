"""Reading and writing the SLA file: YAML that keeps each value's line, the dumper, presets, ConfigError."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

PRESETS_DIR = Path(__file__).resolve().parent.parent / "presets"


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


class Map(dict):
    """A YAML mapping; ``line`` is where it starts and ``lines[key]`` where each value is."""

    line: int = 0
    lines: dict


class Seq(list):
    """A YAML list; ``line`` is where it starts and ``lines[i]`` where each item is."""

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


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> Map:
    loader.flatten_mapping(node)
    out = Map()
    out.line, out.lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, list | dict):  # "[a]: 1" is valid YAML, but no key of ours is a list
            raise ConfigError(
                [(key_node.start_mark.line + 1, "", "a key must be a name, not a list or mapping")]
            )
        if key in out:
            raise ConfigError([(key_node.start_mark.line + 1, str(key), "appears twice")])
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = value_node.start_mark.line + 1
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> Seq:
    out = Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.line, out.lines = node.start_mark.line + 1, [child.start_mark.line + 1 for child in node.value]
    return out


def _construct_date(loader: _Loader, node: yaml.ScalarNode):
    """A date-like scalar such as ``2026-02-30`` that is no real date is an error with its line, not a crash."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a date: {exc}", node.start_mark
        ) from exc


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def load_yaml(text: str) -> Map:
    """The file as nested ``Map``/``Seq``; ``ConfigError`` for YAML that does not parse or is not a mapping."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(
            [(mark.line + 1 if mark else 0, "", f"not valid YAML: {exc.problem or exc}")]
        ) from exc
    if data is None:
        data = Map()
    if not isinstance(data, Map):
        raise ConfigError([(1, "", "the file must be a mapping with calendars, priorities, plans, ...")])
    return data


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
    """``sla_config_export()``'s data as the file people read and edit."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def preset_path(name: str) -> Path:
    """The file of the preset ``name`` (``sla/presets/<name>.yaml``); ``ConfigError`` naming the others."""
    path = PRESETS_DIR / f"{name}.yaml"
    if not re.match(r"^[a-z0-9-]+$", name) or not path.exists():
        available = ", ".join(sorted(p.stem for p in PRESETS_DIR.glob("*.yaml")))
        raise ConfigError([(0, "", f"no preset named {name!r} (available: {available})")])
    return path
