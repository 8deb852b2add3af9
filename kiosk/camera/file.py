"""A camera that plays a video file, an image file or a folder of images: demo mode and every test's camera."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from kiosk.camera.base import CameraError, Format
from kiosk.clock import Clock
from kiosk.imagefile import ImageFileError, read_image

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
KEPT_FRAMES = 64  # a folder's images up to this many are decoded once and kept, as a still image is


class FileCamera:
    """Plays a video, a folder of images (in name order) or one image at `fps` on
    `clock`, looping, like a camera that never stops."""

    def __init__(self, path: Path | str, fps: float, clock: Clock, loop: bool = True) -> None:
        self.path = Path(path)
        self.fps = fps
        self.loop = loop
        self._clock = clock
        self._images: list[Path] = []
        self._frames: dict[Path, tuple[tuple[int, int], np.ndarray]] = {}  # path -> (its mtime and size, image)
        self._video: cv2.VideoCapture | None = None
        self._position = 0
        self._due: float | None = None
        self.delivered: Format | None = None

    def describe(self) -> str:
        return f"file camera {self.path}"

    def open(self) -> None:
        if self.path.is_dir():
            self._images = sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not self._images:
                raise CameraError(f"{self.path} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))}): give a "
                                  "folder of images, an image file or a video file")
        elif self.path.is_file() and self.path.suffix.lower() in IMAGE_SUFFIXES:
            self._images, self._position = [self.path], 0  # OpenCV would play it once and stop
            self._next_image()  # a damaged file is said now, not warned about 30 times a second
        elif self.path.is_file():
            self._video = cv2.VideoCapture(str(self.path))
            if not self._video.isOpened():
                raise CameraError(f"{self.path} is not a video OpenCV can play: give a video file (such as MP4), "
                                  "an image file or a folder of images")
        else:
            raise CameraError(f"{self.path} does not exist: give a video file, an image file or a folder of images")
        self._position = 0
        self._due = None
        self.delivered = None

    def read(self) -> np.ndarray:
        self._pace()
        image = self._next_image() if self._images else self._next_video_frame()
        if image is None:
            raise CameraError(f"{self.describe()} has no more frames")
        if self.delivered is None:
            self.delivered = Format(image.shape[1], image.shape[0], self.fps)
        return image

    def close(self) -> None:
        if self._video is not None:
            self._video.release()
            self._video = None
        self._images, self._frames = [], {}

    def _pace(self) -> None:
        now = self._clock.now()
        if self._due is not None and now < self._due:
            self._clock.sleep(self._due - now)
        self._due = max(now, self._due or now) + 1.0 / self.fps

    def _next_image(self) -> np.ndarray | None:
        if self._position >= len(self._images):
            if not self.loop:
                return None
            self._position = 0
        path = self._images[self._position]
        self._position += 1
        try:
            stat = path.stat()
        except OSError:
            raise CameraError(f"cannot read {path}: the file is gone") from None
        # A file changed in place (a test's camera, a demo) is decoded again.
        key = (stat.st_mtime_ns, stat.st_size)
        if (kept := self._frames.get(path)) is not None and kept[0] == key:
            return kept[1].copy()
        try:
            image = read_image(path)
        except ImageFileError as e:
            raise CameraError(f"{path}: {e}") from None
        if len(self._images) <= KEPT_FRAMES:
            self._frames[path] = (key, image)
        return image.copy()

    def _next_video_frame(self) -> np.ndarray | None:
        if self._video is None:
            raise CameraError(f"{self.describe()} is not open")
        ok, image = self._video.read()
        if not ok and self.loop:
            self._video.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, image = self._video.read()
        return image if ok else None
