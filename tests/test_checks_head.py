"""Head covering on real photos (tests/photos, see ATTRIBUTION.md): a head top cut off by the
frame is the framing check's matter, and a brim pulled over the forehead is a covering even
when the outline of the head stays low."""
from __future__ import annotations

import cv2

from kiosk.checks import Analyser, Verdict
from tests.test_checks_photos import COMPLIANT, by_id, judge


def test_cut_off_head_top_is_framing_not_a_covering(settings, photos):
    # Cut at the chin and just above the hair: forehead and hairline show, no covering.
    results = by_id(judge(settings, photos, "london_synthetic__crop_noshoulders_068.jpg"))
    assert results["framing"].verdict == Verdict.FAIL
    assert results["head_covering"].verdict == Verdict.PASS


def test_head_cut_above_the_hairline_is_judged_and_through_the_forehead_cannot_be(settings, photos):
    # Cut about half a face width above the eyes: the forehead strip where a brim sits shows.
    image = cv2.imread(str(photos / "london_synthetic__crop_top_044.jpg"))
    with Analyser(settings) as analyser:
        above = by_id(analyser.analyse(image))
        forehead_y = analyser.last_context.face[10, 1]  # top of the face mesh
        # The same photo cut a little below the top of the face mesh: no telling what is above.
        through = by_id(analyser.analyse(image[int(forehead_y) + 5:].copy()))["head_covering"]
    assert above["framing"].verdict == Verdict.FAIL and above["head_covering"].verdict == Verdict.PASS
    assert through.verdict == Verdict.UNKNOWN and "top of your head" in through.message_en


def test_brim_over_the_forehead_is_a_covering(settings, photos):
    """No licensed photo shows a hat, so a red beanie brim is painted over the forehead of the
    compliant photo, from the hair down to the top of the face mesh: the head outline does not
    rise, only the brim tells."""
    image = cv2.imread(str(photos / COMPLIANT))
    with Analyser(settings) as analyser:
        bare = by_id(analyser.analyse(image))["head_covering"]
        face, width = analyser.last_context.face, analyser.last_context.face_width
        hat = image.copy()
        x, y = face[10, :2]  # top of the face mesh, on the forehead
        cv2.rectangle(hat, (int(x - 0.45 * width), int(y - 0.35 * width)), (int(x + 0.45 * width), int(y)),
                      (40, 40, 200), -1)
        covered = by_id(analyser.analyse(hat))["head_covering"]
    assert bare.verdict == Verdict.PASS
    assert covered.verdict == Verdict.FAIL and "hat" in covered.message_en and "帽" in covered.message_zh
