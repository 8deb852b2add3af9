"""The deliverable: 480x640 JPEG at 300 dpi, size range, head placed by the spec, pixels untouched."""
from __future__ import annotations

import struct

import cv2
import numpy as np
import pytest

from kiosk.checks import Analyser, render_deliverable, sharpness
from kiosk.checks.landmarks import CHEEK_L, CHEEK_R, IRIS_L, IRIS_R

NAMES = ["london_synthetic__blue_005.jpg", "london__neutral_141.jpg", "london_synthetic__roll4_118.jpg"]


def jfif_density(jpeg: bytes) -> tuple[int, int, int]:
    assert jpeg[:4] == b"\xff\xd8\xff\xe0" and jpeg[6:11] == b"JFIF\x00"
    return struct.unpack(">BHH", jpeg[13:18])


@pytest.mark.parametrize("name", NAMES)
def test_deliverable_meets_the_spec(settings, photos, name):
    cap = settings.capture
    image = cv2.imread(str(photos / name))
    with Analyser(settings) as analyser:
        report = analyser.analyse(image)
        jpeg = render_deliverable(image, report, cap)
        out = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_UNCHANGED)
        # Judge the deliverable itself: where do crown, eyes and face width land?
        again = analyser.analyse(out)
        ctx = analyser.last_context
    assert out.shape == (cap.height, cap.width, 3)
    assert jfif_density(jpeg) == (1, cap.dpi, cap.dpi)
    assert cap.jpeg_kb_min * 1024 <= len(jpeg) <= cap.jpeg_kb_max * 1024
    face = ctx.face
    face_width = np.linalg.norm(face[CHEEK_L, :2] - face[CHEEK_R, :2])
    eyes_y = (face[IRIS_R, 1] + face[IRIS_L, 1]) / 2
    centre_x = (face[CHEEK_L, 0] + face[CHEEK_R, 0]) / 2
    tolerance = 3  # px: the landmarks of a re-encoded picture move a little
    assert cap.face_width_px[0] - tolerance <= face_width <= cap.face_width_px[1] + tolerance
    assert cap.eyes_px[0] - tolerance <= eyes_y <= cap.eyes_px[1] + tolerance
    assert cap.crown_px[0] - 2 * tolerance <= ctx.crown_y <= cap.crown_px[1] + 2 * tolerance
    assert abs(centre_x - cap.width / 2) <= 6
    assert again.accepted


def test_background_is_cut_not_repainted(settings, photos):
    image = cv2.imread(str(photos / NAMES[0]))
    with Analyser(settings) as analyser:
        report = analyser.analyse(image)
    out = cv2.imdecode(np.frombuffer(render_deliverable(image, report, settings.capture), np.uint8), 1)
    x, y, w, h = report.crop_box
    plain = cv2.resize(image[y:y + h, x:x + w], (480, 640), interpolation=cv2.INTER_AREA)
    # Only JPEG loss separates the deliverable from a plain crop of the camera frame.
    assert np.abs(out.astype(int) - plain.astype(int)).mean() < 3


def test_crop_that_needs_pixels_outside_the_photo_is_refused(settings, photos):
    image = cv2.imread(str(photos / "london_synthetic__crop_noshoulders_068.jpg"))
    with Analyser(settings) as analyser:
        report = analyser.analyse(image)
    with pytest.raises(ValueError, match="larger than the photo"):
        render_deliverable(image, report, settings.capture)


def test_sharpness_prefers_the_sharp_frame(photos):
    sharp = cv2.imread(str(photos / NAMES[0]))
    assert sharpness(sharp) > 3 * sharpness(cv2.GaussianBlur(sharp, (0, 0), 3))
