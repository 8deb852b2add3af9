"""Checks register here by id. A LIGHT module: config loading imports it, so no cv2/mediapipe.

Each check is a small class (the OFIQ pattern): it names the LABELS.tsv rule column it
serves, declares a frozen Params dataclass that `[checks.<id>]` in config.toml fills,
and judges a FrameContext that was computed once for the frame.
"""
from __future__ import annotations

from typing import Any, Callable, ClassVar

from kiosk.checks.result import CheckResult, Verdict

_CHECKS: dict[str, type["Check"]] = {}


class Check:
    id: ClassVar[str]
    rule: ClassVar[str]
    priority: ClassVar[int]  # lower = said first to the person
    Params: ClassVar[type]
    # False for checks that read many portrait pixels: in video mode they take turns, one per
    # frame, because backdrop, clothing or jewellery do not change between two frames.
    every_frame: ClassVar[bool] = True

    def judge(self, ctx: Any, params: Any) -> CheckResult:
        raise NotImplementedError

    def result(self, verdict: Verdict, value: float | None, threshold: str,
               zh: str = "", en: str = "") -> CheckResult:
        value = None if value is None else round(float(value), 3)
        return CheckResult(self.id, self.rule, verdict, value, threshold, zh, en, self.priority)

    def unknown(self, threshold: str, zh: str, en: str, value: float | None = None) -> CheckResult:
        return self.result(Verdict.UNKNOWN, value, threshold, zh, en)


def register(cls: type[Check]) -> type[Check]:
    if cls.id in _CHECKS:
        raise ValueError(f"check id {cls.id!r} registered twice")
    _CHECKS[cls.id] = cls
    return cls


def checks() -> dict[str, type[Check]]:
    """Every registered check class by id, in judging order."""
    # Imported here, not at the top, because the check modules import `register` from us.
    from kiosk.checks import face, geometry, looks, scene  # noqa: F401  (they register the checks)
    return dict(_CHECKS)


def build_params(raw_checks: dict, build: Callable[[type, dict, str], Any]) -> dict[str, Any]:
    """Turn the `[checks]` TOML table into {check id: Params}; any mismatch is a ConfigError."""
    from kiosk.config import ConfigError

    known = checks()
    for check_id, table in raw_checks.items():
        if check_id not in known:
            raise ConfigError(
                f"[checks.{check_id}]: no such check. Known checks: {', '.join(sorted(known))}. "
                "Remove the section or fix its name.")
        if not isinstance(table, dict):
            raise ConfigError(f"[checks.{check_id}] must be a table of settings, not a single value.")
    params = {}
    for check_id, cls in known.items():
        if check_id not in raw_checks:
            raise ConfigError(
                f"[checks.{check_id}] is missing: every check needs its section "
                "(copy it from the repository's config.toml).")
        params[check_id] = build(cls.Params, raw_checks[check_id], f"checks.{check_id}")
    return params
