"""A keyboard-wedge scanner's typing, without Qt: the window hands over each key and Enter,
and gets the code typed back.

A scanner types a whole code in well under a second, its keys a few milliseconds apart
(tens for a slow Bluetooth one). A key that came before a longer pause was not part of
the scan: a student's stray key, pressed long before the scanner's trigger.
"""

from __future__ import annotations

# Longer than any scanner's gap between two keys, shorter than the wait between a stray
# key and the scan that follows it.
SCANNER_GAP_S = 0.5


class WedgeInput:
    """The characters typed since the last pause longer than `gap_s` seconds; Enter ends
    a code. Times are monotonic seconds, from any one clock."""

    def __init__(self, gap_s: float = SCANNER_GAP_S) -> None:
        self.gap_s = gap_s
        self.typed = ""
        self._last = 0.0  # when the last character came

    def key(self, char: str, now: float) -> None:
        """A printable character typed at `now`; what came before a pause is dropped."""
        if now - self._last > self.gap_s:
            self.typed = ""
        self.typed += char
        self._last = now

    def enter(self, now: float) -> str | None:
        """Enter pressed at `now`: the code typed, or None when nothing was typed since the
        last pause (the Enter is then the screen's: confirm, try again)."""
        typed = self.typed if now - self._last <= self.gap_s else ""
        self.clear()
        return typed or None

    def scanning(self, now: float) -> bool:
        """Whether a scan is under way at `now` (a key came within the gap): a Space then is
        part of the code, not the screen's "confirm"."""
        return bool(self.typed) and now - self._last <= self.gap_s

    def clear(self) -> None:
        """Forget what was typed (an Enter ended it)."""
        self.typed = ""
