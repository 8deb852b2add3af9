"""The Analyser: MediaPipe once per frame into a FrameContext, then every registered check.

Live (video mode) the checks marked every_frame run on each camera frame for guidance; the
others, the face parsing among them, run beside it on a worker thread on the newest frame,
at most [checks] live_parsing_hz times a second, on a smaller copy of the portrait, by the
int8 copy of the parser (a failure there is confirmed by the float one). The frame to be
saved (Report.finish) and unrelated stills (image mode) are judged by every check at the
full 480x640, by the float parser the thresholds were fitted on.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np

from kiosk import models, paths
from kiosk.checks.calibrate import Measured
from kiosk.checks.context import Engines, FrameContext
from kiosk.checks.landmarks import OUT_W
from kiosk.checks.registry import checks
from kiosk.checks.result import Report, Verdict

FACE_MODEL, POSE_MODEL, SEGMENTER_MODEL = "face_landmarker.task", "pose_landmarker_full.task", "selfie_segmenter.tflite"
PARSING_MODEL, LIVE_PARSING_MODEL = models.FACE_PARSING.name, models.FACE_PARSING_INT8.name

# The full parse's pass of a rule the small parses keep failing is looked at again after this
# many [checks] live_confirm_s (its failure after one).
RECHECK = 3

log = logging.getLogger(__name__)


class Analyser:
    """Judges camera frames ("video": live, frames in time order) or unrelated stills ("image")."""

    def __init__(self, settings, mode: str = "image"):
        if mode not in ("image", "video"):
            raise ValueError(f"mode must be 'image' or 'video', not {mode!r}")
        self.settings = settings
        options = settings.check_options
        # A file whose hash differs is never used.
        models.require(paths.models_dir(settings), face_parsing=options.face_parsing)
        self.engines = Engines(paths.model_path(settings, FACE_MODEL), paths.model_path(settings, POSE_MODEL),
                               paths.model_path(settings, SEGMENTER_MODEL), video=mode == "video")
        self.parser = self.live_parser = None
        if options.face_parsing:
            from kiosk.faceparsing import FaceParser

            # Live, one thread: the other core keeps MediaPipe at the camera rate.
            self.parser = FaceParser(paths.model_path(settings, PARSING_MODEL), threads=1 if mode == "video" else 2)
            if mode == "video":
                self.live_parser = FaceParser(paths.model_path(settings, LIVE_PARSING_MODEL), threads=1)
        self.checks = [(cls(), settings.checks[check_id]) for check_id, cls in checks().items()]
        self.video = mode == "video"
        self.last_context: FrameContext | None = None  # kept for timing and for drawing guidance
        self._next_ms = 0
        self._slow: dict[str, object] = {}  # latest result per slow check id
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="parsing") if self.video else None
        # Between the camera thread and the worker, under the lock: the newest frame with a face
        # (with the person it shows), whether the worker is on one, and what it last delivered.
        self._lock = threading.Lock()
        self._newest: tuple[int, FrameContext] | None = None
        self._busy = False
        self._delivered: tuple[int, dict] | None = None
        self._generation = 0  # counts people: a frame without a face ends one
        self._submitted = float("-inf")
        self._interval = 1.0 / options.live_parsing_hz
        self._confirmed = float("-inf")  # when the worker last confirmed failures on a full parse
        self._unconfirmed = False  # the last small parse failed a rule that waits for a full one
        # Rules the last full parse judged, each until a small parse passes it, and which of them it failed.
        self._known: set[str] = set()
        self._full_failed: set[str] = set()
        self.parsing_ms: list[float] = []  # time of each live parse, for `kiosk bench`
        self.updates = 0  # results the worker delivered (parsing updates), for `kiosk bench`

    def _context(self, image_bgr: np.ndarray, timestamp_ms: int | None, parse_width: int) -> FrameContext:
        if timestamp_ms is None:  # MediaPipe's video mode needs increasing timestamps
            timestamp_ms = self._next_ms
        self._next_ms = int(timestamp_ms) + 33
        ctx = self.engines.run(image_bgr, int(timestamp_ms))
        ctx.capture, ctx.parser, ctx.parse_width = self.settings.capture, self.parser, parse_width
        return ctx

    def analyse(self, image_bgr: np.ndarray, timestamp_ms: int | None = None) -> Report:
        """Judge one frame. In video mode the slow checks keep their newest result from the
        worker (at most about 1/live_parsing_hz + one parse old); the report's finish() judges
        the frame again in full, for the frame to be saved."""
        ctx = self._context(image_bgr, timestamp_ms, OUT_W)
        self.last_context = ctx
        if not self.video:
            return self._judge_all(ctx)
        if not ctx.faces:
            # Every check answers at once (no stale "pass" for a person who left), and what the
            # worker still judges belongs to them: the next person starts afresh.
            self._slow, self._generation = {}, self._generation + 1
            with self._lock:
                self._newest = None
            self._confirmed = float("-inf")  # the next person's first failure is confirmed at once
            self._unconfirmed, self._known = False, set()
            return Report(tuple(check.judge(ctx, params) for check, params in self.checks), None)
        live = dataclasses.replace(ctx, parse_width=self.settings.check_options.live_parsing_width,
                                   parser=self.live_parser)
        with self._lock:
            self._newest = (self._generation, live)
            delivered, self._delivered = self._delivered, None
            job = self._next_job()
        if delivered is not None and delivered[0] == self._generation:
            self._slow.update(delivered[1])
        if job is not None:
            self._worker.submit(self._work, job)
        results = []
        for check, params in self.checks:
            if check.every_frame:
                results.append(check.judge(ctx, params))
            else:
                results.append(self._slow.get(check.id) or check.unknown("", "", ""))
        # The frame to be saved: every check again, its parsing at the full 480x640 by the float parser.
        return Report(tuple(results), ctx.layout.box, finish=partial(self._judge_all, ctx))

    def _judge_all(self, ctx: FrameContext) -> Report:
        results = [check.judge(ctx, params) for check, params in self.checks]
        self._slow = {r.id: r for r in results}
        return Report(tuple(results), ctx.layout.box if ctx.faces else None)

    def _judge_slow(self, ctx: FrameContext) -> dict:
        """On the worker: the parsing and every slow check on one frame's own context. The
        small parse loses thin parts (an ear's rim, a stud), so a rule it fails is left out
        of its results (keeping the verdict the student sees) and the next update parses the
        frame instead at the full 480x640 by the float parser that judges the saved frame,
        before the student is told: live guidance never asks for what the saved frame would
        not (the int8 parse at 480x640 would, for 2 of the 221 faces of ../shared/faces).
        Such a full update, which judges every slow check, runs at most every [checks]
        live_confirm_s. Its verdict on a rule stands while the small parses keep failing that
        rule, until a small parse passes it or the full parse looks again: a failure it
        confirmed is told at once and looked at again after a period, and a rule the small
        parse cannot see at its size (lips and ears of some faces) keeps the full parse's
        pass for RECHECK periods."""
        slow = [(check, params) for check, params in self.checks if not check.every_frame]
        period = self.settings.check_options.live_confirm_s
        full = self._unconfirmed and time.monotonic() - self._confirmed >= period
        if full:
            self._confirmed = time.monotonic()
            ctx = dataclasses.replace(ctx, parse_width=OUT_W, parser=self.parser)
        results = {check.id: check.judge(ctx, params) for check, params in slow}
        failed = {check.id for check, _ in slow if check.reads_parsing and results[check.id].verdict is Verdict.FAIL}
        if full:
            self._known, self._full_failed, unconfirmed = {c.id for c, _ in slow if c.reads_parsing}, failed, set()
        else:
            self._known &= failed
            age = time.monotonic() - self._confirmed
            # A failure is looked at again each period (the student may have mended it where
            # the small parse cannot see: a mask taken off), a pass after RECHECK periods.
            unconfirmed = {i for i in failed if i not in self._known
                           or age >= (period if i in self._full_failed else RECHECK * period)}
            for check_id in failed:
                if check_id in unconfirmed or check_id not in self._full_failed:
                    del results[check_id]  # the verdict shown stays
        self._unconfirmed = bool(unconfirmed)
        if ctx.parsing_ms is not None:  # an update of the parsing, not only of the picture checks
            self.parsing_ms.append(ctx.parsing_ms)
            self.updates += 1
        return results

    def _next_job(self) -> tuple[int, FrameContext] | None:
        """Under the lock: the newest frame, when the worker is free for it and the last parse
        started at least 1/live_parsing_hz ago (the worker is then busy with it)."""
        if self._busy or self._newest is None or time.monotonic() - self._submitted < self._interval:
            return None
        self._busy, self._submitted = True, time.monotonic()
        return self._newest

    def _work(self, job: tuple[int, FrameContext]) -> None:
        """On the worker: judge the job's frame, hand the results over, and go on with the
        newest frame at once when it is due (not at the camera's next frame)."""
        while job is not None:
            generation, ctx = job
            try:
                results = self._judge_slow(ctx)
            except Exception:  # a bug in a slow check must not stop the guidance: those checks cannot tell
                log.exception("the picture checks failed on the worker")
                results = {check.id: check.unknown("", "", "") for check, _ in self.checks if not check.every_frame}
            with self._lock:
                self._delivered, self._busy = (generation, results), False
                job = self._next_job() if self._newest is not job else None

    def measure(self, image_bgr: np.ndarray) -> Measured:
        """Every check's raw measures on one still, for fitting thresholds (kiosk calibrate)."""
        ctx = self._context(image_bgr, None, OUT_W)
        return Measured({check.id: check.measure(ctx, params) for check, params in self.checks},
                        ctx.layout.box if ctx.faces else None)

    def close(self) -> None:
        if self._worker is not None:
            self._worker.shutdown(wait=True)
        self.engines.close()

    def __enter__(self) -> "Analyser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
