"""Station settings: config.toml read with tomllib into frozen, typed, validated settings.

A mistake in the file stops the program with the file, the key and what is allowed,
before any camera or database is touched.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "graduation-photo-station"
REPO_CONFIG = Path(__file__).resolve().parent.parent / "config.toml"


class ConfigError(Exception):
    """A config file that cannot be used; the message says where and what is allowed."""


def _range(lo: float, hi: float) -> dict:
    return {"range": (lo, hi)}


def _choices(*values: str) -> dict:
    return {"choices": values}


@dataclass(frozen=True)
class StationSettings:
    id: str
    name: str
    language: str = field(metadata=_choices("zh", "en"))


@dataclass(frozen=True)
class CameraSettings:
    device: str
    width: int = field(metadata=_range(320, 7680))
    height: int = field(metadata=_range(240, 4320))
    fps: float = field(metadata=_range(1, 120))
    fourcc: str  # pixel format asked of a USB camera: "MJPG" (most give 1280x720 at 30 fps only so), "YUYV", or "" for its default
    reconnect_min_s: float = field(metadata=_range(0.05, 60))
    reconnect_max_s: float = field(metadata=_range(0.1, 600))


@dataclass(frozen=True)
class CaptureSettings:
    width: int = field(metadata=_range(120, 4000))
    height: int = field(metadata=_range(160, 4000))
    dpi: int = field(metadata=_range(72, 1200))
    jpeg_quality_min: int = field(metadata=_range(1, 100))
    jpeg_kb_min: int = field(metadata=_range(1, 10000))
    jpeg_kb_max: int = field(metadata=_range(1, 10000))
    crown_px: tuple[int, int] = field(metadata=_range(0, 4000))
    eyes_px: tuple[int, int] = field(metadata=_range(0, 4000))
    face_width_px: tuple[int, int] = field(metadata=_range(0, 4000))
    steady_s: float = field(metadata=_range(0, 30))
    countdown_s: int = field(metadata=_range(0, 10))


@dataclass(frozen=True)
class StoreSettings:
    data_dir: str


@dataclass(frozen=True)
class ExportSettings:
    folder: str
    file_pattern: str


@dataclass(frozen=True)
class KioskSettings:
    inactivity_s: float = field(metadata=_range(5, 3600))
    codec: str  # "demo", or "package.module:factory" from the authorised unit
    qr_scan_width: int = field(metadata=_range(320, 1920))
    instructions: int = field(metadata=_range(1, 2))
    instruction_delay_s: float = field(metadata=_range(0, 2))
    hold_grace_s: float = field(metadata=_range(0, 2))
    saved_screen_s: float = field(metadata=_range(2, 120))
    unreadable_code_s: float = field(metadata=_range(0.5, 30))


@dataclass(frozen=True)
class OperatorSettings:
    pin_hash: str
    pin_attempts: int = field(metadata=_range(1, 20))
    lockout_s: float = field(metadata=_range(0, 3600))
    timeout_s: float = field(metadata=_range(30, 36000))


@dataclass(frozen=True)
class Settings:
    source: Path
    station: StationSettings
    camera: CameraSettings
    capture: CaptureSettings
    checks: Mapping[str, Any]
    check_options: Any  # kiosk.checks.registry.Options: face_parsing and its live cadence
    store: StoreSettings
    export: ExportSettings
    kiosk: KioskSettings
    operator: OperatorSettings

    @property
    def face_parsing(self) -> bool:
        return self.check_options.face_parsing


def user_config_file() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def find_config(path: Path | None = None) -> Path:
    """--config, then KIOSK_CONFIG, then the station's own file, then the repo default."""
    if path is not None:
        return Path(path)
    if os.environ.get("KIOSK_CONFIG"):
        return Path(os.environ["KIOSK_CONFIG"])
    own = user_config_file()
    return own if own.exists() else REPO_CONFIG


def load_settings(path: Path | None = None) -> Settings:
    source = find_config(path)
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{source}: config file not found; give an existing file with --config") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{source}: cannot read the config file ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: not valid TOML: {error}; fix the line it names") from None
    try:
        return _settings_from(raw, source)
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None


def _settings_from(raw: dict, source: Path) -> Settings:
    from kiosk.checks import registry  # light: declares the checks and their Params

    raw = dict(raw)
    checks_table = raw.pop("checks", None)
    if not isinstance(checks_table, dict):
        raise ConfigError("[checks] is missing; every check needs its [checks.<id>] section")
    hints = typing.get_type_hints(Settings)
    sections = [name for name in hints if name not in ("source", "checks", "check_options")]
    for name in raw:
        if name not in sections:
            raise ConfigError(f"[{name}] is not a known section; allowed: {', '.join(sections + ['checks'])}")
    values: dict[str, Any] = {"source": source, "checks": registry.build_params(checks_table, build),
                              "check_options": registry.build_options(checks_table, build)}
    for name in sections:
        if name not in raw:
            raise ConfigError(f"[{name}] is missing")
        values[name] = build(hints[name], raw[name], name)
    settings = Settings(**values)
    _cross_checks(settings)
    return settings


def _cross_checks(settings: Settings) -> None:
    capture, camera = settings.capture, settings.camera
    for key in ("crown_px", "eyes_px", "face_width_px"):
        lo, hi = getattr(capture, key)
        if lo > hi:
            raise ConfigError(f"capture.{key}: the first number ({lo}) must not exceed the second ({hi})")
    if capture.jpeg_kb_min > capture.jpeg_kb_max:
        raise ConfigError("capture.jpeg_kb_min must not exceed capture.jpeg_kb_max")
    if len(camera.fourcc) not in (0, 4):
        raise ConfigError(f"camera.fourcc = {camera.fourcc!r}: give 4 characters such as \"MJPG\" or \"YUYV\", "
                          "or \"\" for the camera's default")
    if camera.reconnect_min_s > camera.reconnect_max_s:
        raise ConfigError("camera.reconnect_min_s must not exceed camera.reconnect_max_s")


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
