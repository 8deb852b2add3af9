"""The deliverable: the accepted frame cut to 480x640, 300 dpi JPEG of the configured size.

Only cropping and scaling: the background is never repainted or replaced (the spec rejects
edited backgrounds), so a crop that would reach outside the camera frame is refused.
"""
from __future__ import annotations

import struct

import cv2
import numpy as np

from kiosk.checks.result import Report


def crop_inside(box: tuple[int, int, int, int], width: int, height: int) -> tuple[int, int, int, int]:
    """The crop box moved inside the image if it pokes out; ValueError if it is larger."""
    x, y, w, h = box
    if w > width or h > height:
        raise ValueError(f"the crop ({w}x{h} px) is larger than the photo ({width}x{height} px): "
                         "the person is too close or the photo too small; take it again from further away")
    return min(max(0, x), width - w), min(max(0, y), height - h), w, h


def render_deliverable(image_bgr: np.ndarray, report: Report, capture_settings) -> bytes:
    """JPEG bytes of the deliverable, 300 dpi (capture.dpi), within the configured size range.
    ValueError, saying what to do, when no crop box, a crop larger than the picture, a crop to
    be enlarged more than capture.max_enlargement, or a JPEG over capture.jpeg_kb_max."""
    if report.crop_box is None:
        raise ValueError("no face was found, so there is nothing to crop")
    height, width = image_bgr.shape[:2]
    x, y, w, h = crop_inside(report.crop_box, width, height)
    if (enlarged := capture_settings.width / w) > capture_settings.max_enlargement:
        raise ValueError(f"the face is too small in this picture: the {w}x{h} px around it would be enlarged "
                         f"{enlarged:.1f} times (at most {capture_settings.max_enlargement:g}) into a soft photo; "
                         "take it again closer, or give the original picture")
    out_size = (capture_settings.width, capture_settings.height)
    shrink = w >= capture_settings.width
    portrait = cv2.resize(image_bgr[y:y + h, x:x + w], out_size,
                          interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    return encode_jpeg(portrait, capture_settings)


def encode_jpeg(portrait: np.ndarray, cap) -> bytes:
    """The best JPEG quality whose file fits under jpeg_kb_max, never below jpeg_quality_min."""
    kb_min, kb_max = cap.jpeg_kb_min * 1024, cap.jpeg_kb_max * 1024
    data = None
    for quality in range(95, cap.jpeg_quality_min - 1, -5):
        ok, buf = cv2.imencode(".jpg", portrait, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok and len(buf) <= kb_max:
            data = buf.tobytes()
            break
    if data is None:
        raise ValueError(f"even at quality {cap.jpeg_quality_min} the photo is over {cap.jpeg_kb_max} KB: "
                         "the picture is unusually busy; retake it against the plain backdrop")
    data = set_dpi(data, cap.dpi)
    if len(data) < kb_min:
        # Very plain pictures compress below the minimum some upload portals enforce; a JPEG
        # comment segment brings the file up to it without touching a pixel.
        data = data[:2] + comment_segment(kb_min - len(data)) + data[2:]
    return data


def set_dpi(jpeg: bytes, dpi: int) -> bytes:
    """Write the resolution into the JFIF header (OpenCV leaves it at 1:1, no unit)."""
    if jpeg[2:4] != b"\xff\xe0" or jpeg[6:11] != b"JFIF\x00":
        raise ValueError("the encoder did not write a JFIF header")
    return jpeg[:13] + struct.pack(">BHH", 1, dpi, dpi) + jpeg[18:]


def comment_segment(size: int) -> bytes:
    size = max(size, 4)
    body = min(size - 4, 65533)
    return b"\xff\xfe" + struct.pack(">H", body + 2) + b" " * body


def sharpness(image_bgr: np.ndarray) -> float:
    """Laplacian variance of a 640 px wide copy: higher is sharper (picks the best frame)."""
    gray = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
    if gray.shape[1] > 640:
        gray = cv2.resize(gray, (640, round(gray.shape[0] * 640 / gray.shape[1])), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(gray, cv2.CV_32F).var())
