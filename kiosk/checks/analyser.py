"""The Analyser: MediaPipe once per frame into a FrameContext, then every registered check."""
from __future__ import annotations

import numpy as np

from kiosk import models, paths
from kiosk.checks.context import Engines, FrameContext
from kiosk.checks.registry import checks
from kiosk.checks.result import Report

FACE_MODEL, POSE_MODEL, SEGMENTER_MODEL = "face_landmarker.task", "pose_landmarker_full.task", "selfie_segmenter.tflite"


class Analyser:
    """Judges camera frames ("video": live, frames in time order) or unrelated stills ("image")."""

    def __init__(self, settings, mode: str = "image"):
        if mode not in ("image", "video"):
            raise ValueError(f"mode must be 'image' or 'video', not {mode!r}")
        self.settings = settings
        models.require(paths.models_dir(settings))  # a file whose hash differs is never used
        self.engines = Engines(paths.model_path(settings, FACE_MODEL), paths.model_path(settings, POSE_MODEL),
                               paths.model_path(settings, SEGMENTER_MODEL), video=mode == "video")
        self.checks = [(cls(), settings.checks[check_id]) for check_id, cls in checks().items()]
        self.video = mode == "video"
        self.last_context: FrameContext | None = None  # kept for timing and for drawing guidance
        self._next_ms = 0
        self._turn = 0  # which picture check runs on this video frame
        self._last: dict[str, object] = {}  # latest result per check id

    def analyse(self, image_bgr: np.ndarray, timestamp_ms: int | None = None, full: bool = False) -> Report:
        """Judge one frame. In video mode the picture checks take turns (one on every frame
        that does not run pose and segmenter; the others keep their latest result, at most
        about 0.7 s old at 30 fps) unless `full`: use full=True on the frame to be saved."""
        if timestamp_ms is None:  # MediaPipe's video mode needs increasing timestamps
            timestamp_ms = self._next_ms
        self._next_ms = int(timestamp_ms) + 33
        ctx = self.engines.run(image_bgr, int(timestamp_ms))
        ctx.capture = self.settings.capture
        # One picture check per frame without pose and segmenter, so no frame does both.
        slow = [i for i, (check, _) in enumerate(self.checks) if not check.every_frame]
        due = None
        if not self.engines.slow_ran:
            due = slow[self._turn % len(slow)]
            self._turn += 1
        results = []
        for i, (check, params) in enumerate(self.checks):
            # Without a face every check answers at once (no stale "pass" for a person who left).
            if full or not self.video or check.every_frame or i == due or not ctx.faces or check.id not in self._last:
                self._last[check.id] = check.judge(ctx, params)
            results.append(self._last[check.id])
        self.last_context = ctx
        return Report(tuple(results), ctx.layout.box if ctx.faces else None)

    def close(self) -> None:
        self.engines.close()

    def __enter__(self) -> "Analyser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
