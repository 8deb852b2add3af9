"""One interface for every frame source, so the kiosk never knows which camera it has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


class CameraError(Exception):
    """The camera cannot be opened or has stopped delivering frames; says what to do."""


@dataclass(frozen=True)
class Frame:
    image: np.ndarray  # BGR, uint8, as the camera delivers it (not mirrored)
    index: int         # counts every frame the grabber took, so readers see what they missed
    time: float        # clock seconds when it was taken


@dataclass(frozen=True)
class Format:
    """What a camera is asked for, or says it delivers."""

    width: int    # pixels
    height: int   # pixels
    fps: float    # frames per second (a driver's figure, not a measurement)
    fourcc: str = ""  # pixel format, e.g. "MJPG" or "YUYV"; "" when the camera's default or unknown

    def __str__(self) -> str:
        fourcc = f" {self.fourcc}" if self.fourcc else ""
        return f"{self.width}x{self.height}{fourcc} at {self.fps:g} fps"


class FrameSource(Protocol):
    fps: float
    delivered: Format | None  # what the source delivers; known from the first frame after open()

    def open(self) -> None: ...

    def read(self) -> np.ndarray:
        """The next frame; raises CameraError when the camera is gone."""

    def close(self) -> None: ...

    def describe(self) -> str: ...
