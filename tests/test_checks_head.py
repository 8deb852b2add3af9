"""Head covering on real photos (tests/photos, see ATTRIBUTION.md): a head top cut off by the
frame is the framing check's matter, and a hat the face parsing sees is a covering."""
from __future__ import annotations

import cv2
from helpers import paint_mask

from kiosk.checks import Analyser, Verdict
from tests.test_checks_photos import COMPLIANT, by_id, judge


def test_cut_off_head_top_is_framing_not_a_covering(settings, photos):
    for name in ("london_synthetic__crop_noshoulders_068.jpg", "london_synthetic__crop_top_044.jpg"):
        results = by_id(judge(settings, photos, name))
        assert results["framing"].verdict == Verdict.FAIL, name
        assert results["head_covering"].verdict == Verdict.PASS, name


def test_a_beanie_is_a_covering(settings, photos):
    """No licensed photo shows a hat, so a red knitted beanie is painted over the top of the
    head of the compliant photo, down to the forehead: the parsing calls it a hat."""
    image = cv2.imread(str(photos / COMPLIANT))
    with Analyser(settings) as analyser:
        bare = by_id(analyser.analyse(image))["head_covering"]
        face, width = analyser.last_context.face, analyser.last_context.face_width
        hat = image.copy()
        x, y = face[10, :2]  # top of the face mesh, on the forehead
        cv2.ellipse(hat, (int(x), int(y + 0.05 * width)), (int(0.62 * width), int(0.75 * width)), 0, 180, 360,
                    (40, 40, 170), -1)
        for k in range(0, int(1.2 * width), max(3, int(0.04 * width))):  # the knit's ribs
            cv2.line(hat, (int(x - 0.6 * width + k), int(y - 0.7 * width)), (int(x - 0.6 * width + k), int(y + 0.05 * width)),
                     (30, 30, 140), 2)
        top = int(y - 0.72 * width)
        hat[:top] = image[:top]
        covered = by_id(analyser.analyse(hat))["head_covering"]
    assert bare.verdict == Verdict.PASS
    assert covered.verdict == Verdict.FAIL and "hat" in covered.message_en and "帽" in covered.message_zh


def test_a_face_mask_or_a_hand_over_the_mouth_is_a_covered_face(settings, photos):
    """A surgical mask was accepted with every check passed, "lips closed" among them. Painted
    over the compliant photo: a light-blue mask from the nose bridge to the chin, and a
    skin-coloured hand over the mouth; the bare face passes."""
    image = cv2.imread(str(photos / COMPLIANT))
    with Analyser(settings) as analyser:
        bare = by_id(analyser.analyse(image))
        face, width = analyser.last_context.face, analyser.last_context.face_width
        masked = by_id(analyser.analyse(paint_mask(image, face, width, (235, 215, 185))))
        hand = image.copy()
        (mx, my), skin = face[13, :2], image[int(face[234, 1]), int(face[234, 0] + 0.1 * width)].tolist()
        cv2.ellipse(hand, (int(mx), int(my)), (int(0.32 * width), int(0.14 * width)), 0, 0, 360, skin, -1)
        hidden = by_id(analyser.analyse(hand))["face_uncovered"]
    assert bare["face_uncovered"].verdict is Verdict.PASS
    covered = masked["face_uncovered"]
    assert covered.verdict is Verdict.FAIL and "mask" in covered.message_en and "口罩" in covered.message_zh
    assert hidden.verdict is Verdict.FAIL and hidden.reason == "lips"
