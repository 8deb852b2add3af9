"""A USB camera through OpenCV."""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.camera.base import CameraError


class UsbCamera:
    def __init__(self, device: str, width: int, height: int, fps: float) -> None:
        self.device = device
        self.width, self.height, self.fps = width, height, fps
        self._capture: cv2.VideoCapture | None = None

    def describe(self) -> str:
        return f"USB camera {self.device}"

    def open(self) -> None:
        device: int | str = int(self.device) if self.device.isdigit() else self.device
        # OpenCV prints its backends' probing errors itself; we say what is wrong below.
        previous = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        try:
            capture = cv2.VideoCapture(device)
        finally:
            cv2.utils.logging.setLogLevel(previous)
        if not capture.isOpened():
            capture.release()
            raise CameraError(f"no camera at {self.device}: connect one, or run with --camera PATH")
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        capture.set(cv2.CAP_PROP_FPS, self.fps)
        # A driver-side queue would hand us old frames; we want the newest only.
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._capture = capture

    def read(self) -> np.ndarray:
        if self._capture is None:
            raise CameraError(f"{self.describe()} is not open")
        ok, image = self._capture.read()
        if not ok or image is None:
            raise CameraError(f"{self.describe()} stopped delivering frames: check its cable")
        return image

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None
