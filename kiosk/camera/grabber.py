"""A thread that keeps the newest camera frame, and brings a lost camera back.

Readers always get the newest frame: old frames are dropped, never queued, so the
preview and the analysis never fall behind the person in front of the camera.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kiosk.camera.base import CameraError, Frame, FrameSource
from kiosk.clock import Clock

log = logging.getLogger(__name__)

RUNNING, LOST, RECONNECTING, STOPPED = "running", "lost", "reconnecting", "stopped"


class Grabber:
    def __init__(self, source: FrameSource, clock: Clock, reconnect_min_s: float = 0.5,
                 reconnect_max_s: float = 8.0,
                 on_status: Callable[[str, str], None] | None = None) -> None:
        self.source = source
        self._clock = clock
        self._backoff = (reconnect_min_s, reconnect_max_s)
        self._on_status = on_status
        self._frame: Frame | None = None
        self._count = 0
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.status = STOPPED
        self.problem = ""

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="camera-grabber", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._changed:
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.source.close()
        self._set_status(STOPPED, "")

    def latest(self) -> Frame | None:
        with self._changed:
            return self._frame

    def wait_next(self, after_index: int, timeout: float) -> Frame | None:
        """The newest frame taken after `after_index`, waiting up to `timeout` real seconds."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._stop.is_set() or (self._frame is not None and self._frame.index > after_index),
                timeout)
            frame = self._frame
        return frame if frame is not None and frame.index > after_index else None

    def _run(self) -> None:
        delay = self._backoff[0]
        opened = False
        while not self._stop.is_set():
            if not opened:
                try:
                    self.source.open()
                except CameraError as error:
                    self._set_status(RECONNECTING, f"{error}; retrying in {delay:.1f} s")
                    delay = self._pause(delay)
                    continue
                opened = True
            try:
                image = self.source.read()
            except CameraError as error:
                self.source.close()
                opened = False
                self._set_status(LOST, str(error))
                # A camera that opens but gives no frame (busy, a bad cable) fails again at once:
                # wait as after a failed open, so the retries neither spin nor flood the log.
                delay = self._pause(delay)
                continue
            delay = self._backoff[0]  # frames again: the next loss is retried promptly
            self._set_status(RUNNING, "")
            with self._changed:
                self._frame = Frame(image, self._count, self._clock.now())
                self._count += 1
                self._changed.notify_all()

    def _pause(self, delay: float) -> float:
        """Wait `delay` s before the next try (stop() ends the wait); the next delay, doubled."""
        self._clock.wait(self._stop, delay)
        return min(delay * 2, self._backoff[1])

    def _set_status(self, status: str, problem: str) -> None:
        if status == self.status and problem == self.problem:
            return
        self.status, self.problem = status, problem
        if status in (LOST, RECONNECTING):
            log.warning("camera %s: %s", status, problem)
        if self._on_status is not None:
            self._on_status(status, problem)
