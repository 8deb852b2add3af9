"""What a check returns and what a whole frame's judgement looks like (no heavy imports)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum


# The priority of a failure of the picture itself (turned on its side), not of the student:
# guidance tells it alone, since what the other checks say of such a picture is noise.
PICTURE = 0
# The priority of a face covered by a mask or a hand: what the checks after it make of the
# face measures the cover (a white mask "too bright", a dark one's edge a "stud"), so
# guidance tells none of them while it fails.
COVERED = 35


class Verdict(str, Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "cannot tell"


@dataclass(frozen=True)
class CheckResult:
    id: str
    rule: str  # the LABELS.tsv column this check serves
    verdict: Verdict
    value: float | None  # the raw measurement (of a failure: the one its reason names), None when not measured
    threshold: str  # the limit from [checks.<id>], readable
    message_zh: str  # what the person should do; empty when nothing to do
    message_en: str
    priority: int  # lower = more important, so guidance shows one thing at a time
    # Of a check with several limits, the measure (its key) whose limit decided this verdict,
    # so the review can say what was measured (kiosk.messages.measured); "" when one limit.
    reason: str = ""
    overridable: bool = True  # False: no photographer's reason can waive this rule (Check.overridable)


@dataclass(frozen=True)
class Report:
    results: tuple[CheckResult, ...]
    crop_box: tuple[int, int, int, int] | None  # x, y, width, height in the camera frame
    # Live reports: judges the same frame again with every check at full resolution (the
    # face parsing at 480x640), for the frame that is saved. None when already full.
    finish: Callable[[], "Report"] | None = field(default=None, compare=False, repr=False)

    @property
    def accepted(self) -> bool:
        # "cannot tell" is not a pass: a photo is accepted only when every check could judge it.
        return all(r.verdict in (Verdict.PASS, Verdict.WARN) for r in self.results)

    @property
    def failures(self) -> list[CheckResult]:
        bad = [r for r in self.results if r.verdict in (Verdict.FAIL, Verdict.UNKNOWN)]
        return sorted(bad, key=lambda r: r.priority)

    def rule_kept(self, rule: str) -> bool | None:
        """True/False when the rule's checks judged it, None when no check serves the rule."""
        mine = [r for r in self.results if r.rule == rule]
        if not mine:
            return None
        return all(r.verdict in (Verdict.PASS, Verdict.WARN) for r in mine)
