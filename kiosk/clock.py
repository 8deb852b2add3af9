"""Time for the camera and the capture session, fakeable so tests never sleep."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Monotonic seconds."""

    def sleep(self, seconds: float) -> None: ...

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Sleep that ends early when `event` is set; True when it was."""

    def wall(self) -> datetime:
        """Aware local wall-clock time, for records and receipts."""


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(max(0.0, seconds))

    def wall(self) -> datetime:
        return datetime.now().astimezone()


class FakeClock:
    """Time moves only when a test advances it (or something sleeps on it)."""

    def __init__(self, start: float = 0.0, wall_start: datetime | None = None) -> None:
        self._now = start
        self._start = start
        self._wall_start = wall_start or datetime(2026, 6, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))

    def wait(self, event: threading.Event, seconds: float) -> bool:
        if not event.is_set():
            self.advance(max(0.0, seconds))
        return event.is_set()

    def wall(self) -> datetime:
        return self._wall_start + timedelta(seconds=self.now() - self._start)
