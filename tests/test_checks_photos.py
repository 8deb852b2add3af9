"""Every check on real labelled photos (tests/photos, see ATTRIBUTION.md): a pass and a fail each.

Yaw, pitch, eyes open, gaze and head covering have no failing photo whose licence allows a
copy here; `kiosk eval` measures them on ../shared/faces. Glasses are painted onto a real
photo (last test).
"""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from kiosk.checks import Analyser, Verdict
from kiosk.checks.registry import checks

COMPLIANT = "london_synthetic__blue_005.jpg"


def judge(settings, photos, name, mode="image"):
    image = cv2.imread(str(photos / name))
    assert image is not None, name
    with Analyser(settings, mode=mode) as analyser:
        return analyser.analyse(image)


def by_id(report):
    return {r.id: r for r in report.results}


@pytest.mark.parametrize("name", [COMPLIANT, "london__neutral_141.jpg", "london_synthetic__roll4_118.jpg"])
def test_compliant_photo_passes_every_check(settings, photos, name):
    report = judge(settings, photos, name)
    assert {r.id: r.verdict for r in report.results} == {i: Verdict.PASS for i in checks()}
    assert report.accepted and report.failures == []
    assert all(r.message_en == "" and r.value is not None for r in report.results)


# (photo, check, verdict, words the English guidance must contain)
FAILURES = [
    ("london_synthetic__two_020_061.jpg", "one_face", Verdict.FAIL, "only one person"),
    ("london_synthetic__roll12_005.jpg", "roll", Verdict.FAIL, "straighten"),
    ("london_synthetic__roll12_005.jpg", "shoulders", Verdict.FAIL, "shoulder"),
    ("london__smiling_009.jpg", "mouth_closed", Verdict.FAIL, "close your lips"),
    ("london_synthetic__crop_noshoulders_068.jpg", "shoulders", Verdict.FAIL, "shoulders"),
    ("london_synthetic__crop_noshoulders_068.jpg", "framing", Verdict.FAIL, ""),
    ("london_synthetic__small_009.jpg", "framing", Verdict.FAIL, "closer"),
    ("london__neutral_003.jpg", "hair_eyes", Verdict.FAIL, "fringe"),
    ("london__neutral_003.jpg", "ears_visible", Verdict.FAIL, "behind your"),
    # Hair over her left ear (image right) only; the right ear shows.
    ("london_synthetic__blue_039.jpg", "ears_visible", Verdict.FAIL, "behind your left ear"),
    ("london__neutral_135.jpg", "jewellery", Verdict.FAIL, "earrings"),
    ("london_synthetic__blue_smiling_120.jpg", "hair_area", Verdict.FAIL, "hair"),
    # Long straight hair hanging down both sides of the neck, on the light-grey studio backdrop.
    ("london__neutral_120.jpg", "hair_area", Verdict.FAIL, "behind your shoulders"),
    ("london_synthetic__busy_022_forest.jpg", "background", Verdict.FAIL, "backdrop"),
    ("canada__010f.jpg", "background", Verdict.FAIL, "backdrop colour"),
    # A blue t-shirt, darker than the light-blue backdrop but of its hue.
    ("canada_synthetic__blue_119m.jpg", "clothing", Verdict.FAIL, "another colour"),
    ("london_synthetic__over_034.jpg", "lighting", Verdict.FAIL, "too bright"),
    ("london_synthetic__over_034.jpg", "clothing", Verdict.UNKNOWN, "top"),
    ("london_synthetic__under_011.jpg", "lighting", Verdict.FAIL, "too dark"),
    ("london_synthetic__blur_gauss_007.jpg", "sharpness", Verdict.FAIL, "blurred"),
]


@pytest.mark.parametrize("name,check_id,verdict,words", FAILURES)
def test_broken_rule_is_caught_with_guidance(settings, photos, name, check_id, verdict, words):
    report = judge(settings, photos, name)
    result = by_id(report)[check_id]
    assert result.verdict == verdict, result
    assert not report.accepted
    assert words in result.message_en and result.message_zh and result.threshold
    assert result in report.failures


def test_guidance_says_which_way(settings, photos):
    roll = by_id(judge(settings, photos, "london_synthetic__roll12_005.jpg"))["roll"]
    # The photo is rotated so the head leans to the person's right (image left).
    assert roll.value > 7 and "to the left" in roll.message_en and "向左" in roll.message_zh


def test_failures_come_most_important_first(settings, photos):
    report = judge(settings, photos, "london_synthetic__crop_noshoulders_068.jpg")
    priorities = [r.priority for r in report.failures]
    assert priorities == sorted(priorities) and report.failures[0].id == "framing"


def test_no_face_is_never_a_pass(settings, photos):
    backdrop = np.ascontiguousarray(cv2.imread(str(photos / COMPLIANT))[:200, :200])
    with Analyser(settings) as analyser:
        report = analyser.analyse(backdrop)
    results = by_id(report)
    assert results["one_face"].verdict == Verdict.FAIL and results["one_face"].value == 0
    assert all(r.verdict == Verdict.UNKNOWN for r in report.results if r.id != "one_face")
    assert report.crop_box is None and not report.accepted


def test_live_mode_reaches_the_same_verdicts_and_full_judges_at_once(settings, photos):
    image = cv2.imread(str(photos / "london_synthetic__under_011.jpg"))
    still = judge(settings, photos, "london_synthetic__under_011.jpg")
    with Analyser(settings, mode="video") as analyser:
        first = analyser.analyse(image, timestamp_ms=0, full=True)
        for i in range(1, 25):  # picture checks take turns; 24 frames give each a turn
            live = analyser.analyse(image, timestamp_ms=i * 33)
    verdicts = lambda report: {r.id: r.verdict for r in report.results}  # noqa: E731
    assert verdicts(first) == verdicts(still)
    assert verdicts(live) == verdicts(still)
    assert by_id(live)["lighting"].verdict == Verdict.FAIL


def test_lens_reflection_and_tinted_lenses_are_caught(settings, photos):
    """No licensed photo shows glasses, so the compliant photo gets them painted on: a white
    flash reflection beside one eye, then dark lenses over both eyes."""
    image = cv2.imread(str(photos / COMPLIANT))
    with Analyser(settings) as analyser:
        analyser.analyse(image)
        face = analyser.last_context.face
        width = analyser.last_context.face_width
        glare = image.copy()
        x, y = face[468, :2]  # the person's right iris
        cv2.ellipse(glare, (int(x + 0.08 * width), int(y - 0.02 * width)), (int(0.03 * width), int(0.015 * width)),
                    0, 0, 360, (255, 255, 255), -1)
        glare_result = by_id(analyser.analyse(glare))["glasses_glare"]
        tinted = image.copy()
        for iris in (468, 473):
            cx, cy = face[iris, :2]
            cv2.ellipse(tinted, (int(cx), int(cy)), (int(0.14 * width), int(0.09 * width)), 0, 0, 360, (25, 20, 20), -1)
        tinted_result = by_id(analyser.analyse(tinted))["tinted_glasses"]
    assert glare_result.verdict == Verdict.FAIL and "reflect" in glare_result.message_en
    assert tinted_result.verdict == Verdict.FAIL and "tinted" in tinted_result.message_en
