"""The fitting procedure behind `kiosk calibrate` and `kiosk eval --folds`, on measures whose
right answer is known, and the commands on real photos."""
from __future__ import annotations

import json
import shutil

from kiosk.checks.calibrate import Measured, fit, judge, person_folds
from kiosk.checks.registry import checks
from kiosk.checks.result import Verdict
from tests.test_eval import run


def mouth(gap: float) -> Measured:
    return Measured({"mouth_closed": {"gap": gap, "jaw": 0.0, "smile": 0.0}}, (0, 0, 10, 10))


def test_a_threshold_lands_in_the_middle_of_the_widest_gap(settings):
    check = checks()["mouth_closed"]()
    closed, open_ = [0.01, 0.02, 0.03, 0.04], [0.10, 0.12, 0.2]
    rows = [{"file": f"{g}", "mouth_closed": "1"} for g in closed] + [{"file": f"{g}", "mouth_closed": "0"} for g in open_]
    params, fits = fit([check], settings.checks, rows, [mouth(g) for g in closed + open_])
    gap = next(f for f in fits if f.param == "max_lip_gap")
    assert gap.value == 0.07 and abs(gap.margin - 0.03) < 1e-9 and gap.balanced_accuracy == 1.0
    assert params["mouth_closed"].max_lip_gap == 0.07
    assert judge([check], mouth(0.06), params).results[0].verdict == Verdict.PASS
    assert judge([check], mouth(0.08), params).results[0].verdict == Verdict.FAIL


def test_overlapping_classes_keep_good_photos_and_few_examples_keep_the_configured_value(settings):
    check = checks()["mouth_closed"]()
    # One open mouth measures like the closed ones: catching it would turn away three good photos.
    closed, open_ = [0.01, 0.02, 0.03, 0.05, 0.05, 0.05], [0.04, 0.10, 0.12, 0.2]
    rows = [{"file": "", "mouth_closed": "1"}] * len(closed) + [{"file": "", "mouth_closed": "0"}] * len(open_)
    params, _ = fit([check], settings.checks, rows, [mouth(g) for g in closed + open_])
    assert 0.05 < params["mouth_closed"].max_lip_gap < 0.10
    few = rows[:6] + rows[6:8]  # two non-compliant photos are too few to fit on
    params, fits = fit([check], settings.checks, few, [mouth(g) for g in (closed + open_)[:8]])
    assert params["mouth_closed"] == settings.checks["mouth_closed"]
    assert all("too few" in f.note for f in fits)


def test_a_measure_that_is_never_finite_leaves_its_threshold_loose(settings):
    check = checks()["mouth_closed"]()
    rows = [{"file": "", "mouth_closed": "1"}] * 4 + [{"file": "", "mouth_closed": "0"}] * 4
    params, fits = fit([check], settings.checks, rows, [mouth(float("nan")) for _ in rows])
    gap = next(f for f in fits if f.param == "max_lip_gap")
    assert gap.margin is None and params["mouth_closed"].max_lip_gap == 1.0  # the loosest: fails nobody


def gaze(offset: float, yaw_deg: float) -> Measured:
    import math
    return Measured({"gaze": {"signed": offset, "yaw_sin": math.sin(math.radians(yaw_deg)), "look": 0.1,
                              "vertical": 0.0}}, (0, 0, 10, 10))


def test_the_eyes_turning_back_with_the_head_is_fitted_and_taken_out(settings):
    """People looking at the lens with the head turned by up to 20 degrees: their irises sit
    off-centre by -0.3 x sin(yaw). Those looking away sit off-centre with the head straight."""
    import math
    check = checks()["gaze"]()
    looking = [(-0.3 * math.sin(math.radians(y)) + n, y) for y, n in
               ((-20, 0.004), (-12, -0.003), (-5, 0.002), (0, -0.004), (4, 0.003), (10, -0.002), (15, 0.001), (20, 0.0))]
    away = [(0.12, 0), (-0.15, 2), (0.2, -3), (-0.11, 0)]
    rows = [{"file": "", "gaze": "1"}] * len(looking) + [{"file": "", "gaze": "0"}] * len(away)
    params, fits = fit([check], settings.checks, rows, [gaze(o, y) for o, y in looking + away])
    turn = next(f for f in fits if f.param == "eye_turn")
    assert abs(turn.value + 0.3) < 0.01 and turn.margin < 0.01
    assert next(f for f in fits if f.param == "max_offset").balanced_accuracy == 1.0
    # A head turned 20 degrees, eyes on the lens, passes; the same irises with the head straight fail.
    assert judge([check], gaze(0.1, -20), params).results[0].verdict == Verdict.PASS
    straight = judge([check], gaze(0.1, 0), params).results[0]
    assert straight.verdict == Verdict.FAIL and "look" in straight.message_en


def test_folds_keep_each_person_together_and_are_the_same_every_time():
    rows = [{"file": f"{p}_{i}.jpg", "person": p} for p in "abcdefghij" for i in range(3)] + [{"file": "x.jpg", "person": ""}]
    folds = person_folds(rows, 5)
    assert folds == person_folds(list(rows), 5)
    for person in "abcdefghij":
        assert len({f for r, f in zip(rows, folds) if r["person"] == person}) == 1
    assert set(folds) == set(range(5))


def test_eval_folds_and_calibrate_on_photos(settings, photos, tmp_path, capsys):
    folder = tmp_path / "set"
    folder.mkdir()
    people = {"london_synthetic__blue_005.jpg": ("1", "a"), "london__neutral_141.jpg": ("1", "b"),
              "london_synthetic__roll4_118.jpg": ("1", "c"), "london__smiling_009.jpg": ("0", "d"),
              "london_synthetic__blue_smiling_120.jpg": ("0", "e"), "london__neutral_003.jpg": ("1", "f")}
    rows = ["file\taccept\tmouth_closed\tperson"]
    for name, (closed, person) in people.items():
        shutil.copy(photos / name, folder / name)
        rows.append(f"{name}\t\t{closed}\t{person}")
    (folder / "LABELS.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert run(settings, "eval", str(folder / "LABELS.tsv"), "--folds", "3", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"accept", "rules"}
    assert sum(out["rules"]["mouth_closed"].values()) == 6, "every photo judged once, in its own fold"
    assert run(settings, "eval", str(folder / "LABELS.tsv"), "--folds", "3") == 0
    header = capsys.readouterr().out.splitlines()[0]
    # Two teeth photos are too few to fit on: the header does not claim its figures are held out.
    assert header.startswith("3 person-split folds") and "except" in header and "mouth_closed" in header
    assert run(settings, "calibrate", str(folder / "LABELS.tsv")) == 0
    printed = capsys.readouterr().out
    assert "in-sample" in printed and "--folds" in printed
    line = next(row for row in printed.splitlines() if row.startswith("mouth_closed") and "max_lip_gap" in row)
    assert "too few" in line, "two teeth photos are too few to fit a threshold on"
    assert run(settings, "eval", str(folder / "LABELS.tsv"), "--folds", "1") == 2
