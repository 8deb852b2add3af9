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


class FrameSource(Protocol):
    fps: float

    def open(self) -> None: ...

    def read(self) -> np.ndarray:
        """The next frame; raises CameraError when the camera is gone."""

    def close(self) -> None: ...

    def describe(self) -> str: ...
