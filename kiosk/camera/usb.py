"""A USB camera through OpenCV."""

from __future__ import annotations

import logging

import cv2
import numpy as np

from kiosk.camera.base import CameraError, Format
from kiosk.native import native_logs_silenced

log = logging.getLogger(__name__)


def fourcc_text(code: float) -> str:
    """CAP_PROP_FOURCC's value (a float holding four bytes, first character lowest) as
    its four characters, e.g. 1196444237.0 -> "MJPG"; "" when the backend gives none
    (0 or -1); "0x..." when the bytes are not printable."""
    value = int(code)
    if value <= 0:
        return ""
    raw = (value & 0xFFFFFFFF).to_bytes(4, "little")
    chars = raw.decode("latin-1").rstrip("\0 ")
    return chars if chars.isascii() and chars.isprintable() else f"0x{value & 0xFFFFFFFF:08x}"


class UsbCamera:
    """Asks the camera for `fourcc` (four characters; "" keeps its default), `width` x
    `height` pixels and `fps`; `delivered` says what it really gives once a frame came."""

    def __init__(self, device: str, width: int, height: int, fps: float, fourcc: str = "") -> None:
        if fourcc and len(fourcc) != 4:
            raise CameraError(f'[camera] fourcc = "{fourcc}" is not a four-character pixel format: '
                              'use "MJPG", "YUYV" or "" for the camera\'s default')
        self.device = device
        self.fps = fps
        self.asked = Format(width, height, fps, fourcc)
        self.delivered: Format | None = None
        self._capture: cv2.VideoCapture | None = None

    def describe(self) -> str:
        return f"USB camera {self.device}"

    def open(self) -> None:
        device: int | str = int(self.device) if self.device.isdigit() else self.device
        # OpenCV's backends print their probing errors themselves (its log, and FFmpeg's and
        # V4L2's straight to stderr); we say what is wrong below.
        previous = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        try:
            with native_logs_silenced():
                capture = cv2.VideoCapture(device)
        finally:
            cv2.utils.logging.setLogLevel(previous)
        if not capture.isOpened():
            capture.release()
            raise CameraError(f"no camera at {self.device} ([camera] device): connect one or set another, "
                              "or run with --camera PATH")
        asked = self.asked
        if asked.fourcc:
            # The format first: V4L2 offers sizes and rates per pixel format, so a size asked
            # before it is fitted to the default format (often YUYV: 5-10 fps at 1280x720).
            capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*asked.fourcc))
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, asked.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, asked.height)
        capture.set(cv2.CAP_PROP_FPS, asked.fps)
        # A driver-side queue would hand us old frames; we want the newest only.
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._capture = capture
        self.delivered = None

    def read(self) -> np.ndarray:
        if self._capture is None:
            raise CameraError(f"{self.describe()} is not open")
        ok, image = self._capture.read()
        if not ok or image is None:
            raise CameraError(f"{self.describe()} stopped delivering frames: check its cable")
        if self.delivered is None:
            # Cameras ignore what they cannot do, silently: read back what they chose. The
            # size from the frame itself, since some backends report the asked size.
            capture = self._capture
            self.delivered = Format(image.shape[1], image.shape[0], capture.get(cv2.CAP_PROP_FPS),
                                    fourcc_text(capture.get(cv2.CAP_PROP_FOURCC)))
            log.info("camera %s delivers %s; asked %s", self.device, self.delivered, self.asked)
        return image

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None
