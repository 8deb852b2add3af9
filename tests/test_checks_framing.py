"""Framing guidance at the camera's 1280x720: the student is told the move that fixes the
picture, once, and never two moves that undo each other."""
from __future__ import annotations

import cv2
import numpy as np

from kiosk.checks import Analyser, Verdict
from kiosk.checks.geometry import MOVE_BACK
from tests.test_checks_photos import COMPLIANT, by_id

CLOSER, FURTHER = "come a little closer to the camera", "move back a little"


def on_camera(image, height_share: float, down_px: int, right_px: int = 0) -> np.ndarray:
    """The photo scaled to `height_share` of a 1280x720 frame, centred, then moved down by
    `down_px` and right by `right_px` (what passes the frame's edge is cut off), on its own
    backdrop colour. The frame is the camera's: not mirrored."""
    h, w = 720, 1280
    scale = height_share * h / image.shape[0]
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    frame = np.full((h, w, 3), small[0, 0], np.uint8)
    y, x = (h - small.shape[0]) // 2 + down_px, (w - small.shape[1]) // 2 + right_px
    top, bottom, left, right = max(0, y), min(h, y + small.shape[0]), max(0, x), min(w, x + small.shape[1])
    frame[top:bottom, left:right] = small[top - y:bottom - y, left - x:right - x]
    return frame


def instructions(report) -> list[str]:
    return [r.message_en for r in sorted(report.results, key=lambda r: r.priority)
            if r.verdict is not Verdict.PASS and r.message_en]


def test_a_student_sitting_low_is_told_to_sit_up_not_to_come_closer_and_move_back(settings, photos):
    image = cv2.imread(str(photos / COMPLIANT))
    with Analyser(settings) as analyser:
        centred = by_id(analyser.analyse(on_camera(image, 0.9, 0)))
        low = analyser.analyse(on_camera(image, 0.9, 250))
    assert centred["framing"].verdict is Verdict.PASS
    results, told = by_id(low), instructions(low)
    assert results["framing"].verdict is Verdict.FAIL and "stand up straight" in results["framing"].message_en
    # The shoulders below the frame edge are the same matter: the same words, told once.
    assert (results["shoulders"].message_zh, results["shoulders"].message_en) == \
        (results["framing"].message_zh, results["framing"].message_en)
    assert not any(CLOSER in t or FURTHER in t for t in told), told
    assert not any("your top" in t for t in told), told  # the top is below the frame: framing's matter


def test_a_student_far_away_is_still_told_to_come_closer(settings, photos):
    image = cv2.imread(str(photos / COMPLIANT))
    with Analyser(settings) as analyser:
        far = by_id(analyser.analyse(on_camera(image, 0.45, 0)))
    assert far["framing"].verdict is Verdict.FAIL and far["framing"].message_en == CLOSER


def test_a_picture_on_its_side_is_told_first_as_such(settings, photos):
    """A sideways photo without its rotation tag, or a camera mounted upright: no student
    leans 90 degrees, so the first thing said is to turn the picture."""
    image = cv2.rotate(cv2.imread(str(photos / COMPLIANT)), cv2.ROTATE_90_CLOCKWISE)
    with Analyser(settings) as analyser:
        report = analyser.analyse(image)
    roll = by_id(report)["roll"]
    assert roll.verdict is Verdict.FAIL and "on its side" in roll.message_en and "横着" in roll.message_zh
    assert "photographer" in roll.message_en
    assert instructions(report)[0] == roll.message_en


def test_a_student_off_to_one_side_is_sent_back_to_the_middle(settings, photos):
    """The camera's picture is not mirrored: a face near its left edge belongs to a student
    off to their own right, who moves to their left (toward the middle of the mirrored
    preview they see)."""
    image = cv2.imread(str(photos / COMPLIANT))
    with Analyser(settings) as analyser:
        their_right = by_id(analyser.analyse(on_camera(image, 0.9, 0, -420)))["framing"]
        their_left = by_id(analyser.analyse(on_camera(image, 0.9, 0, 420)))["framing"]
        far_and_aside = by_id(analyser.analyse(on_camera(image, 0.45, 0, 450)))["framing"]
    assert their_right.message_en == "move a little to your left"
    assert their_left.message_en == "move a little to your right"
    # Far away and to one side: coming closer alone would carry the face out of the picture.
    assert far_and_aside.message_en == "move a little to your right, then come a little closer to the camera"


def test_a_student_far_away_and_low_is_told_to_sit_up_then_come_closer(settings, photos):
    image = cv2.imread(str(photos / COMPLIANT))
    with Analyser(settings) as analyser:
        framing = by_id(analyser.analyse(on_camera(image, 0.5, 220)))["framing"]
    assert framing.message_en == "stand up straight, then come a little closer to the camera"
    assert framing.message_zh == "请站直，再靠近镜头一点"


def test_a_student_too_close_is_told_to_move_back_once(settings, photos):
    """Head and shoulders both past the frame's edges: moving back fixes both, and sitting
    higher would cut the head off."""
    image = cv2.imread(str(photos / COMPLIANT))
    with Analyser(settings) as analyser:
        report = analyser.analyse(on_camera(image, 1.6, 0))
    told = instructions(report)
    assert told[0] == "move a little further from the camera", told
    assert not any("stand up straight" in t for t in told), told


def test_a_student_too_close_with_the_head_cut_is_told_to_move_back_not_to_sit_lower(settings, photos):
    """Too close, the head's top (or the shoulders) past the frame: moving back brings it in
    and keeps the other, where sitting lower (or higher) would cut the other. A student at a good distance whose
    crown is at the frame's edge sits lower instead of being told to come closer."""
    image = cv2.imread(str(photos / COMPLIANT))
    with Analyser(settings) as analyser:
        close = by_id(analyser.analyse(on_camera(image, 1.3, 0)))["framing"]
        close_and_low = by_id(analyser.analyse(on_camera(image, 1.3, 60)))  # the shoulders cut, not the head
        moved_back = by_id(analyser.analyse(on_camera(image, 1.2, 0)))["framing"]
        high = by_id(analyser.analyse(on_camera(image, 1.0, -67)))["framing"]
        sat_lower = by_id(analyser.analyse(on_camera(image, 1.0, 0)))["framing"]
    assert close.verdict is Verdict.FAIL and close.message_en == MOVE_BACK[1]
    # Sitting higher would cut the head; moving back brings the shoulders in.
    assert close_and_low["framing"].message_en == MOVE_BACK[1]
    assert CLOSER not in close_and_low["shoulders"].message_en and "higher" not in close_and_low["shoulders"].message_en
    assert moved_back.verdict is Verdict.PASS
    assert high.verdict is Verdict.FAIL and high.message_en == "the top of your head is cut off: bend your knees a little"
    assert sat_lower.verdict is Verdict.PASS
