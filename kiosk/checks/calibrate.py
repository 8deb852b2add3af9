"""Thresholds from labelled photos by a fixed procedure, and person-split validation of it.

`kiosk calibrate LABELS.tsv` fits every threshold marked `fitted(...)` in a check's Params
from the checks' raw measures on the labelled photos; `kiosk eval LABELS.tsv --folds K`
runs the same fitting on K-1 groups of people and judges the people it never saw. No
heavy imports: the measures come in already computed (Analyser.measure).

The procedure, per check and its LABELS.tsv rule column: candidate thresholds are the
midpoints between neighbouring measured values (plus one step beyond each end); the one
with the best weighted accuracy of the rule wins (compliant photos kept count GOOD_WEIGHT
times non-compliant photos caught); ties go to fewer non-compliant photos passed (the
safe side), then to the widest gap between the measured values around it.
Checks with several thresholds are fitted one threshold at a time, the others held,
twice round (coordinate descent), starting with every threshold at its loosest.
"""
from __future__ import annotations

import dataclasses
import hashlib
import math
import typing
from dataclasses import dataclass
from typing import Any

import numpy as np

from kiosk.checks.evaluate import Counts
from kiosk.checks.registry import Check
from kiosk.checks.result import CheckResult, Report, Verdict

MIN_EXAMPLES = 3  # compliant and non-compliant photos each, below which a threshold is not fitted
ROUNDS = 2
# A compliant photo a threshold turns away counts this many times a non-compliant one it
# lets through: twenty rules each may turn a good photo away, while a bad photo is usually
# caught by more than one of its rules. On person-split folds of ../shared/faces weight 2
# turned away 3 of 34 good photos where weight 1 turned away 11, for 3 bad photos of 184
# accepted instead of 1.
GOOD_WEIGHT = 2.0


@dataclass
class Measured:
    """One photo as the checks saw it: per check id its measures, or its final result when
    there was nothing to measure (no face, out of view)."""
    by_check: dict[str, dict | CheckResult]
    crop_box: tuple[int, int, int, int] | None


@dataclass(frozen=True)
class Fit:
    check: str
    param: str
    configured: float
    value: float  # the fitted threshold
    margin: float | None  # distance to the nearest measured value (measure units); None: not fitted
    balanced_accuracy: float | None  # of the rule with all the check's fitted values, on the photos fitted on
    compliant: int  # photos labelled 1 / 0 for the rule that the check could measure
    non_compliant: int
    note: str = ""


def fitted_params(check: Check) -> list[tuple[str, str, str]]:
    """(param name, "max" | "min", measure key) of every fitted threshold of a check."""
    return [(f.name, *f.metadata["fit"]) for f in dataclasses.fields(check.Params) if "fit" in f.metadata]


def slope_params(check: Check) -> list[tuple[str, str, str]]:
    """(param name, y measure key, x measure key) of every fitted slope of a check."""
    return [(f.name, *f.metadata["slope"]) for f in dataclasses.fields(check.Params) if "slope" in f.metadata]


def judge(checks: list[Check], measured: Measured, params: dict[str, Any]) -> Report:
    """The Report the Analyser would give with these params, from stored measures."""
    results = tuple(m if isinstance(m, CheckResult) else check.decide(m, params[check.id])
                    for check in checks for m in (measured.by_check[check.id],))
    return Report(results, measured.crop_box)


def fit(checks: list[Check], params: dict[str, Any], rows: list[dict], measured: list[Measured]
        ) -> tuple[dict[str, Any], list[Fit]]:
    """Fit every fitted threshold on these photos (rows of LABELS.tsv and their measures).
    Returns the new {check id: Params} and one Fit per threshold."""
    out, fits = dict(params), []
    for check in checks:
        names = fitted_params(check)
        if not names:
            continue
        samples = [(m.by_check[check.id], row[check.rule] == "1") for row, m in zip(rows, measured)
                   if row.get(check.rule) in ("0", "1") and isinstance(m.by_check[check.id], dict)]
        good = sum(1 for _, ok in samples if ok)
        bad = len(samples) - good
        p = params[check.id]
        if min(good, bad) < MIN_EXAMPLES:
            fits += [Fit(check.id, name, getattr(p, name), getattr(p, name), None, None, good, bad,
                         f"too few examples (needs {MIN_EXAMPLES} of each): configured value kept")
                     for name, _, _ in names]
            continue
        margins: dict[str, float] = {}
        slopes = slope_params(check)
        for name, y, x in slopes:
            p, margins[name] = _fit_slope(check, p, samples, name, y, x)
        samples = [(check.derive(m, p), ok) for m, ok in samples]
        # Start from the loosest value of each threshold, not from config.toml: those values
        # were fitted on every photo, and a fold must not start from what its held-out people
        # taught.
        p = dataclasses.replace(p, **{name: _loosest(check, name, direction) for name, direction, _ in names})
        for _ in range(ROUNDS):
            for name, direction, key in names:
                p, margins[name] = _fit_one(check, p, samples, name, direction, key)
        out[check.id] = p
        balanced = _counts(check, p, samples).balanced_accuracy
        fits += [Fit(check.id, name, getattr(params[check.id], name), getattr(p, name), margins[name], balanced,
                     good, bad) for name, _, _ in slopes + names]
    return out, fits


def _fit_one(check: Check, p, samples, name: str, direction: str, key: str):
    labels: dict[float, set[bool]] = {}
    for m, ok in samples:
        if math.isfinite(value := float(m[key])):
            labels.setdefault(value, set()).add(ok)
    values = sorted(labels)
    if not values:
        return p, None
    lo, hi = _range(check, name)
    step = (values[-1] - values[0]) / 100 or 1e-3
    edges = [values[0] - step, *values, values[-1] + step]
    # Only a threshold between a compliant and a non-compliant value can be best: inside a run
    # of one label the accuracy only rises towards one end of it.
    pairs = [(a, b) for a, b in zip(edges, edges[1:])
             if a not in labels or b not in labels or labels[a] != labels[b] or len(labels[a]) > 1]
    whole = typing.get_type_hints(check.Params)[name] is int
    best = None
    for below, above in pairs:
        value = min(hi, max(lo, (below + above) / 2))
        if whole:
            value = int(math.floor(value) if direction == "max" else math.ceil(value))
        c = _counts(check, dataclasses.replace(p, **{name: value}), samples)
        good, bad = c.true_accept + c.false_reject, c.true_reject + c.false_accept
        score = (round(GOOD_WEIGHT * c.true_accept / good + c.true_reject / bad, 9), -c.false_accept, above - below)
        if best is None or score > best[0]:
            best = (score, value, min(abs(value - v) for v in values))
    _, value, margin = best
    return dataclasses.replace(p, **{name: value}), margin


def _fit_slope(check: Check, p, samples, name: str, y: str, x: str):
    """Least-squares slope of y on x over the compliant photos; its margin is the slope's
    standard error."""
    points = np.array([(m[x], m[y]) for m, ok in samples if ok and math.isfinite(m[x]) and math.isfinite(m[y])])
    if len(points) < MIN_EXAMPLES:
        return p, None
    slope, intercept = np.polyfit(points[:, 0], points[:, 1], 1)
    residuals = points[:, 1] - (slope * points[:, 0] + intercept)
    spread = float(np.sum((points[:, 0] - points[:, 0].mean()) ** 2))
    error = math.sqrt(float(residuals @ residuals) / max(1, len(points) - 2) / spread) if spread else math.inf
    lo, hi = _range(check, name)
    return dataclasses.replace(p, **{name: min(hi, max(lo, float(slope)))}), error


def _counts(check: Check, p, samples) -> Counts:
    """How the check with params `p` judges the samples (measures, labelled compliant)."""
    counts = Counts()
    for m, ok in samples:
        counts.add("1" if ok else "0", check.decide(m, p).verdict in (Verdict.PASS, Verdict.WARN))
    return counts


def _range(check: Check, name: str) -> tuple[float, float]:
    return next(f.metadata["range"] for f in dataclasses.fields(check.Params) if f.name == name)


def _loosest(check: Check, name: str, direction: str):
    lo, hi = _range(check, name)
    return hi if direction == "max" else lo


def person_folds(rows: list[dict], k: int) -> list[int]:
    """Fold index per row: every photo of one person (the `person` column; the file when it
    is empty) in the same fold, people spread by a hash of their name, so the split is
    the same on every machine and does not follow the file order."""
    people = sorted({_person(r) for r in rows}, key=lambda name: hashlib.sha256(name.encode()).hexdigest())
    fold_of = {name: i % k for i, name in enumerate(people)}
    return [fold_of[_person(r)] for r in rows]


def _person(row: dict) -> str:
    return row.get("person") or row["file"]


def fits_table(fits: list[Fit]) -> str:
    lines = [f"{'check':15} {'threshold':22} {'config':>9} {'fitted':>9} {'margin':>8} {'bal.acc':>8} "
             f"{'n ok/bad':>9}"]
    for f in fits:
        margin = "-" if f.margin is None else f"{f.margin:.3g}"
        ba = "-" if f.balanced_accuracy is None else f"{f.balanced_accuracy:.3f}"
        lines.append(f"{f.check:15} {f.param:22} {f.configured:9.4g} {f.value:9.4g} {margin:>8} {ba:>8} "
                     f"{f.compliant:4}/{f.non_compliant:<4}" + (f"  {f.note}" if f.note else ""))
    return "\n".join(lines)
