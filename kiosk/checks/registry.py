"""Checks register here by id. A LIGHT module: config loading imports it, so no cv2/mediapipe.

Each check is a small class (the OFIQ pattern): it names the LABELS.tsv rule column it
serves, declares a frozen Params dataclass that `[checks.<id>]` in config.toml fills,
measures a FrameContext that was computed once for the frame, and decides on the measures.
The split lets `kiosk calibrate` and `kiosk eval --folds` refit the thresholds marked
`fitted(...)` from labelled photos without running the models again.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

from kiosk.checks.result import CheckResult, Verdict
from kiosk.tomlschema import ConfigError, build

_CHECKS: dict[str, type["Check"]] = {}


def fitted(direction: str, measure: str, lo: float, hi: float) -> dict:
    """Field metadata of a threshold fitted from labelled photos (`kiosk calibrate`): the check
    passes only while measures[measure] <= the value ("max") or >= it ("min"); lo..hi is
    the allowed range in config.toml."""
    if direction not in ("max", "min"):
        raise ValueError(f"direction must be 'max' or 'min', not {direction!r}")
    return {"range": (lo, hi), "fit": (direction, measure)}


def fitted_slope(y: str, x: str, lo: float, hi: float) -> dict:
    """Field metadata of a slope fitted from labelled photos (`kiosk calibrate`): the
    least-squares slope of measures[y] against measures[x] over the compliant photos, for
    what a compliant person does anyway (eyes turn back to the lens as the head turns);
    Check.derive removes it before the thresholds are applied. lo..hi is the allowed range."""
    return {"range": (lo, hi), "slope": (y, x)}


Measures = dict[str, Any]  # raw values (floats), or what decide() needs (Framing: the layout)


class Check:
    id: ClassVar[str]
    rule: ClassVar[str]
    priority: ClassVar[int]  # lower = said first to the person
    Params: ClassVar[type]
    # False for checks that read many portrait pixels or need the face parsing: in video mode
    # they run beside the guidance on their own cadence (backdrop, clothing or jewellery do
    # not change between two frames); the frame that is saved is judged by all of them.
    every_frame: ClassVar[bool] = True
    needs_parsing: ClassVar[bool] = False  # judged "cannot tell" when [checks] face_parsing = false
    reads_parsing: ClassVar[bool] = False  # uses the parsing when there is one (all that need it do)
    # False for a rule of the file itself that no reason can waive (the spec's 24-bit colour):
    # its failure cannot be overridden, on the review screen or by `kiosk add --override`.
    overridable: ClassVar[bool] = True

    def measure(self, ctx: Any, params: Any) -> Measures | CheckResult:
        """The raw values this check decides on, or its final result when there is nothing to
        measure (no face, region out of view)."""
        raise NotImplementedError

    def derive(self, measures: Measures, params: Any) -> Measures:
        """Measures that depend on fitted slopes (`fitted_slope`), added to the raw ones;
        decide() and the threshold fitting both read these."""
        return measures

    def decide(self, measures: Measures, params: Any) -> CheckResult:
        """The verdict from the measures alone: cheap, so thresholds can be refitted."""
        raise NotImplementedError

    def judge(self, ctx: Any, params: Any) -> CheckResult:
        measured = self.measure(ctx, params)
        return measured if isinstance(measured, CheckResult) else self.decide(measured, params)

    def result(self, verdict: Verdict, value: float | None, threshold: str,
               zh: str = "", en: str = "", reason: str = "") -> CheckResult:
        # Four significant digits, not three decimals: a necklace of 0.0003 face widths squared
        # fails a limit of 0, and was shown as 0 beside it.
        value = None if value is None else float(f"{float(value):.4g}")
        return CheckResult(self.id, self.rule, verdict, value, threshold, zh, en, self.priority, reason,
                           self.overridable)

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


@dataclass(frozen=True)
class Options:
    """The plain keys of `[checks]` (the tables under it are the checks' own Params)."""
    # The BiSeNet face parsing for the appearance rules. Off: those rules say "cannot tell"
    # and the photographer confirms them on review (its training data is research-only).
    face_parsing: bool
    # Live, the parsing runs beside the guidance on a copy of the portrait this wide (288 x 384
    # takes about a third of the full 480 x 640) ...
    live_parsing_width: int = field(metadata={"range": (96, 480)})
    # ... at most this often, so MediaPipe keeps its core for the camera rate. (A multiple of 96,
    # so that the height, 4/3 of it, is a multiple of 32 too.)
    live_parsing_hz: float = field(metadata={"range": (1.0, 30.0)})
    # A rule the small parse fails is confirmed on a full 480 x 640 parse at most this often;
    # meanwhile it keeps the verdict the student sees, so a pass still shows at once.
    live_confirm_s: float = field(metadata={"range": (0.0, 10.0)})


def build_options(raw_checks: dict) -> Options:
    """The plain keys of the `[checks]` table as Options; a ConfigError when one is wrong."""
    options = build(Options, {k: v for k, v in raw_checks.items() if not isinstance(v, dict)}, "checks")
    if options.live_parsing_width % 96:
        raise ConfigError(f"checks.live_parsing_width = {options.live_parsing_width} must be a multiple of 96 "
                          "(96, 192, 288, 384 or 480): the parser needs width and height (4/3 of it) in "
                          "multiples of 32")
    return options


def build_params(raw_checks: dict) -> dict[str, Any]:
    """Turn the `[checks]` TOML table into {check id: Params}; any mismatch is a ConfigError."""
    known = checks()
    options = {f.name for f in dataclasses.fields(Options)}
    raw_checks = {k: v for k, v in raw_checks.items() if k not in options}
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
