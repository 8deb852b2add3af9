"""Station settings: the shipped config.toml, overlaid with the station's own file, read
with tomllib into frozen, typed, validated settings.

A station's file holds only what differs from the shipped defaults, so a release that adds
a key does not break it. A mistake stops the program with the file, the key and what is
allowed, before any camera or database is touched.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from kiosk.checks import registry  # light: declares the checks and their Params, no models
from kiosk.tomlschema import ConfigError, build, choices, value_range

__all__ = ["APP_NAME", "PAPERS", "REPO_CONFIG", "ConfigError", "Settings", "find_config", "load_settings"]

APP_NAME = "graduation-photo-station"
REPO_CONFIG = Path(__file__).resolve().parent.parent / "config.toml"


@dataclass(frozen=True)
class StationSettings:
    id: str
    name: str
    name_en: str  # shown on the English screens; empty: `name` on both
    language: str = field(metadata=choices("zh", "en"))


@dataclass(frozen=True)
class CameraSettings:
    device: str
    width: int = field(metadata=value_range(320, 7680))
    height: int = field(metadata=value_range(240, 4320))
    fps: float = field(metadata=value_range(1, 120))
    fourcc: str  # pixel format asked of a USB camera: "MJPG" (most give 1280x720 at 30 fps only so), "YUYV", or "" for its default
    reconnect_min_s: float = field(metadata=value_range(0.05, 60))
    reconnect_max_s: float = field(metadata=value_range(0.1, 600))


@dataclass(frozen=True)
class CaptureSettings:
    width: int = field(metadata=value_range(120, 4000))
    height: int = field(metadata=value_range(160, 4000))
    dpi: int = field(metadata=value_range(72, 1200))
    jpeg_quality_min: int = field(metadata=value_range(1, 100))
    jpeg_kb_min: int = field(metadata=value_range(1, 10000))
    jpeg_kb_max: int = field(metadata=value_range(1, 10000))
    crown_px: tuple[int, int] = field(metadata=value_range(0, 4000))
    eyes_px: tuple[int, int] = field(metadata=value_range(0, 4000))
    face_width_px: tuple[int, int] = field(metadata=value_range(0, 4000))
    max_enlargement: float = field(metadata=value_range(1.0, 10.0))
    steady_s: float = field(metadata=value_range(0, 30))
    countdown_s: int = field(metadata=value_range(0, 10))


@dataclass(frozen=True)
class StoreSettings:
    data_dir: str
    lookalike_correlation: float = field(metadata=value_range(0.5, 1.0))


@dataclass(frozen=True)
class ExportSettings:
    folder: str
    file_pattern: str


@dataclass(frozen=True)
class CentreSettings:
    folder: str
    file_pattern: str


# The photo papers of [print]: each has its paper_<name>_mm there.
PAPERS = ("5inch", "6inch", "a4")


@dataclass(frozen=True)
class PrintSettings:
    paper: str = field(metadata=choices(*PAPERS))
    paper_5inch_mm: tuple[float, float] = field(metadata=value_range(50, 1000))
    paper_6inch_mm: tuple[float, float] = field(metadata=value_range(50, 1000))
    paper_a4_mm: tuple[float, float] = field(metadata=value_range(50, 1000))
    margin_mm: float = field(metadata=value_range(1, 30))
    gap_mm: float = field(metadata=value_range(0, 30))
    max_copies: int = field(metadata=value_range(1, 500))

    def paper_mm(self, name: str) -> tuple[float, float]:
        """(width, height) in mm of the paper called `name` (one of the `paper` choices)."""
        return getattr(self, f"paper_{name}_mm")


@dataclass(frozen=True)
class KioskSettings:
    inactivity_s: float = field(metadata=value_range(5, 3600))
    codec: str  # "demo", or "package.module:factory" from the authorised unit
    qr_scan_width: int = field(metadata=value_range(320, 1920))
    instructions: int = field(metadata=value_range(1, 2))
    instruction_delay_s: float = field(metadata=value_range(0, 2))
    hold_grace_s: float = field(metadata=value_range(0, 2))
    saved_screen_s: float = field(metadata=value_range(2, 120))
    unreadable_code_s: float = field(metadata=value_range(0.5, 30))


@dataclass(frozen=True)
class IdentitySettings:
    # Off by default: face embeddings are sensitive personal information (PIPL) and the
    # recognition model's training data is research-only; a centre turns it on knowingly.
    enabled: bool
    likely_min: float = field(metadata=value_range(-1, 1))  # cosine similarity at or above: "likely the same person"
    unlikely_below: float = field(metadata=value_range(-1, 1))  # below: "unlikely"; between the two: "unsure"


@dataclass(frozen=True)
class OperatorSettings:
    pin_hash: str  # the station's PIN, for "<station id> photographer"; "" with photographers only
    # name -> PIN hash, one PIN per photographer: the audit names who overrode, replaced or voided.
    photographers: dict[str, str]
    pin_attempts: int = field(metadata=value_range(1, 20))
    lockout_s: float = field(metadata=value_range(0, 3600))
    timeout_s: float = field(metadata=value_range(30, 36000))


@dataclass(frozen=True)
class Settings:
    source: Path  # the station's file (the shipped config.toml when the station has none)
    # (dotted key, value) of each setting the station's file gives a value other than the
    # shipped default: `kiosk doctor` lists them.
    overrides: tuple[tuple[str, Any], ...]
    station: StationSettings
    camera: CameraSettings
    capture: CaptureSettings
    checks: Mapping[str, Any]
    check_options: Any  # kiosk.checks.registry.Options: face_parsing and its live cadence
    store: StoreSettings
    export: ExportSettings
    centre: CentreSettings
    print: PrintSettings
    kiosk: KioskSettings
    operator: OperatorSettings
    identity: IdentitySettings

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
    """The settings: the shipped config.toml (REPO_CONFIG) overlaid key by key with the station's
    file (find_config). Raises ConfigError naming the file and key at fault."""
    source = find_config(path)
    defaults = _read(REPO_CONFIG)
    own = defaults if _same_file(source, REPO_CONFIG) else _read(source)
    merged = _overlay(defaults, own)
    if "name" in own.get("station", {}) and "name_en" not in own["station"]:
        # A station's own name, without an English one, is its name on both: not the
        # shipped station's English name beside another station's Chinese one.
        merged["station"] = {**merged["station"], "name_en": ""}
    try:
        return _settings_from(merged, source, tuple(_differences(defaults, own)))
    except ConfigError as error:
        if own is not defaults:
            try:  # a fault of the shipped file itself must not be blamed on the station's
                _settings_from(defaults, REPO_CONFIG, ())
            except ConfigError:
                source = REPO_CONFIG
        raise ConfigError(f"{source}: {error}") from None


def _read(path: Path) -> dict:
    try:
        # utf-8-sig: Notepad and other Windows editors start a UTF-8 file with a byte-order mark.
        text = path.read_text(encoding="utf-8-sig")
        return tomllib.loads(text)
    except FileNotFoundError:
        named = " (named by KIOSK_CONFIG)" if os.environ.get("KIOSK_CONFIG") == str(path) else ""
        raise ConfigError(f"{path}{named}: config file not found; give an existing file with --config or "
                          "KIOSK_CONFIG, or unset KIOSK_CONFIG for the station's own file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text (an editor saved it as UTF-16 or a Chinese code page): save it "
                          "again as UTF-8") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the config file ({error})") from None
    except tomllib.TOMLDecodeError as error:
        curly = ("; write values in straight quotes (\"HK-01\"), not the curly ones (“ ” ‘ ’) a Chinese input "
                 "method types" if any(q in text for q in "“”‘’") else "")
        raise ConfigError(f"{path}: not valid TOML: {error}{curly}; fix the line it names") from None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _overlay(defaults: dict, own: dict) -> dict:
    """Tables merge key by key (so a station sets one threshold of one check); values replace."""
    merged = dict(defaults)
    for key, value in own.items():
        merged[key] = _overlay(merged[key], value) if isinstance(value, dict) and isinstance(
            merged.get(key), dict) else value
    return merged


def _differences(defaults: dict, own: dict, prefix: str = ""):
    for key, value in own.items():
        base = defaults.get(key)
        if isinstance(value, dict) and isinstance(base, dict):
            yield from _differences(base, value, f"{prefix}{key}.")
        elif value != base:
            yield f"{prefix}{key}", value


def _settings_from(raw: dict, source: Path, overrides: tuple) -> Settings:
    raw = dict(raw)
    checks_table = raw.pop("checks", None)
    if not isinstance(checks_table, dict):
        raise ConfigError("[checks] must be a table of the checks' sections")
    hints = typing.get_type_hints(Settings)
    sections = [name for name in hints if name not in ("source", "overrides", "checks", "check_options")]
    for name in raw:
        if name not in sections:
            raise ConfigError(f"[{name}] is not a known section; allowed: {', '.join(sections + ['checks'])}")
    values: dict[str, Any] = {"source": source, "overrides": overrides,
                              "checks": registry.build_params(checks_table),
                              "check_options": registry.build_options(checks_table)}
    for name in sections:
        if name not in raw:
            raise ConfigError(f"[{name}] is missing")
        values[name] = build(hints[name], raw[name], name)
    settings = Settings(**values)
    _cross_checks(settings)
    return settings


def smallest_camera(settings: Settings) -> tuple[int, int]:
    """(width, height) in pixels of the smallest camera picture the deliverable can be cut
    from: [capture] width x height over [checks.framing] max_upscale (a smaller picture
    would keep every student at "come closer")."""
    upscale = settings.checks["framing"].max_upscale
    return math.ceil(settings.capture.width / upscale), math.ceil(settings.capture.height / upscale)


# What FAT and exFAT (USB drives) refuse in a file name: a station id names batch folders.
NOT_IN_FILE_NAMES = frozenset('\\/:*?"<>|')


def photographer_name_ok(name: str) -> bool:
    """Whether `name` can stand for a photographer on the badge and in the audit: 1-32
    printable characters (王伟 as well as wang), no spaces at either end."""
    return 0 < len(name) <= 32 and name == name.strip() and name.isprintable()


def station_id_ok(station_id: str) -> bool:
    """Whether `station_id` can name batch folders on any drive: 1-32 characters (虹口1号 as
    well as HK-01), none of NOT_IN_FILE_NAMES or control characters, no leading dot (a hidden
    folder), no spaces at either end."""
    return (0 < len(station_id) <= 32 and station_id == station_id.strip() and not station_id.startswith(".")
            and not any(c in NOT_IN_FILE_NAMES or not c.isprintable() for c in station_id))


# What `kiosk pin` writes: pbkdf2_sha256$iterations$salt (hex)$digest (hex, 32 bytes).
PIN_HASH = re.compile(r"pbkdf2_sha256\$[1-9][0-9]*\$(?:[0-9a-f]{2})+\$[0-9a-f]{64}")


def _cross_checks(settings: Settings) -> None:
    capture, camera = settings.capture, settings.camera
    operator = settings.operator
    # Values are not repeated: a pasted PIN would be printed in clear.
    if not (PIN_HASH.fullmatch(operator.pin_hash) or (operator.pin_hash == "" and operator.photographers)):
        raise ConfigError("operator.pin_hash is not a PIN hash, so no PIN would open photographer mode: run "
                          "`kiosk pin` and paste the pin_hash line it prints (not the PIN itself)")
    for name, pin_hash in operator.photographers.items():
        if not PIN_HASH.fullmatch(pin_hash):
            raise ConfigError(f"operator.photographers.{name} is not a PIN hash, so that photographer's PIN would "
                              f"not open photographer mode: run `kiosk pin --name {name}` and paste the line it "
                              "prints (not the PIN itself)")
        if not photographer_name_ok(name):
            raise ConfigError(f"operator.photographers: the name {name!r} must be 1-32 printable characters without "
                              "spaces at either end: the audit and the photographer's badge show it")
    if not station_id_ok(settings.station.id):
        raise ConfigError(f"station.id = {settings.station.id!r}: give 1-32 characters without \\ / : * ? \" < > |, "
                          "a leading dot or spaces at either end (such as \"HK-01\"): it names the station's batch "
                          "folders")
    for key in ("crown_px", "eyes_px", "face_width_px"):
        lo, hi = getattr(capture, key)
        if lo > hi:
            raise ConfigError(f"capture.{key}: the first number ({lo}) must not exceed the second ({hi})")
    if capture.jpeg_kb_min > capture.jpeg_kb_max:
        raise ConfigError("capture.jpeg_kb_min must not exceed capture.jpeg_kb_max")
    if len(camera.fourcc) not in (0, 4):
        raise ConfigError(f"camera.fourcc = {camera.fourcc!r}: give 4 characters such as \"MJPG\" or \"YUYV\", "
                          "or \"\" for the camera's default")
    if settings.identity.unlikely_below > settings.identity.likely_min:
        raise ConfigError("identity.unlikely_below must not exceed identity.likely_min")
    if camera.reconnect_min_s > camera.reconnect_max_s:
        raise ConfigError("camera.reconnect_min_s must not exceed camera.reconnect_max_s")
    need, upscale = smallest_camera(settings), settings.checks["framing"].max_upscale
    if camera.width < need[0] or camera.height < need[1]:
        raise ConfigError(f"camera {camera.width}x{camera.height} cannot make the {capture.width}x{capture.height} "
                          f"deliverable: its picture must be at least {need[0]}x{need[1]} (the deliverable enlarged "
                          f"at most checks.framing.max_upscale = {upscale:g}); set camera.width and height to a "
                          "size the camera gives, such as 1280 x 720")
