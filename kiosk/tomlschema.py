"""Typed TOML tables into frozen dataclasses: every key, type, range and choice checked.

A leaf module (nothing of kiosk imported), so the settings and the checks' registry both
build their tables with it without importing each other.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any


class ConfigError(Exception):
    """A config file that cannot be used; the message says where and what is allowed."""


def value_range(lo: float, hi: float) -> dict:
    """Field metadata: the value (or each number of a list) must lie in lo..hi."""
    return {"range": (lo, hi)}


def choices(*values: str) -> dict:
    """Field metadata: the value must be one of these texts."""
    return {"choices": values}


def build(cls: type, table: Any, where: str) -> Any:
    """Build the frozen dataclass `cls` from a TOML table, checking every key and value."""
    if not isinstance(table, dict):
        raise ConfigError(f"[{where}] must be a table")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]} is not a known key; allowed: {', '.join(fields)}")
    values = {}
    for name, f in fields.items():
        key = f"{where}.{name}"
        if name not in table:
            raise ConfigError(f"{key} is missing")
        values[name] = _value(hints[name], table[name], key, f.metadata)
    return cls(**values)


def _value(kind: Any, value: Any, key: str, meta: Mapping) -> Any:
    if dataclasses.is_dataclass(kind):
        return build(kind, value, key)
    origin = typing.get_origin(kind)
    if origin is tuple:
        args = typing.get_args(kind)
        if not isinstance(value, list):
            raise ConfigError(f"{key} must be a list, got {_show(value)}")
        if len(args) == 2 and args[1] is Ellipsis:
            args = (args[0],) * len(value)
        elif len(value) != len(args):
            raise ConfigError(f"{key} must be a list of {len(args)} values, got {len(value)}")
        return tuple(_value(arg, item, f"{key}[{i}]", meta) for i, (arg, item) in enumerate(zip(args, value)))
    if origin is dict:
        # A table of names (each a non-empty text) to values: [operator.photographers], say.
        if not isinstance(value, dict):
            raise ConfigError(f"[{key}] must be a table of names and values, got {_show(value)}")
        name_kind, item_kind = typing.get_args(kind)
        if name_kind is not str:
            raise ConfigError(f"{key}: unsupported setting type {kind}")
        return {name: _value(item_kind, item, f"{key}.{name}", meta) for name, item in value.items()}
    if origin in (typing.Union, types.UnionType):
        raise ConfigError(f"{key}: optional values are not supported in settings")
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif kind is str:
        ok = isinstance(value, str)
    else:
        raise ConfigError(f"{key}: unsupported setting type {kind}")
    if not ok:
        raise ConfigError(f"{key} must be {_KIND_NAMES[kind]}, got {_show(value)}")
    if "range" in meta:
        lo, hi = meta["range"]
        if not lo <= value <= hi:
            raise ConfigError(f"{key} = {value} is out of range; allowed {lo} to {hi}")
    if "choices" in meta and value not in meta["choices"]:
        raise ConfigError(f"{key} = {value!r} is not allowed; choose one of {', '.join(meta['choices'])}")
    return float(value) if kind is float else value


_KIND_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "a text in quotes"}


def _show(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"
