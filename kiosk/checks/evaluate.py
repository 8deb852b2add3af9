"""`kiosk eval`: compare the checks' verdicts with a labelled LABELS.tsv (no heavy imports)."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

RULES = ("one_face", "yaw", "roll", "pitch", "eyes_open", "gaze", "mouth_closed", "shoulders", "framing",
         "glasses_glare", "tinted_glasses", "hair_eyes", "ears_visible", "head_covering", "background",
         "clothing", "lighting", "sharpness", "jewellery", "hair_area")


@dataclass
class Counts:
    true_accept: int = 0
    false_accept: int = 0
    true_reject: int = 0
    false_reject: int = 0

    def add(self, label: str, kept: bool) -> None:
        if label not in ("0", "1"):
            return  # not judged by the labeller
        name = ("true_" if (label == "1") == kept else "false_") + ("accept" if kept else "reject")
        setattr(self, name, getattr(self, name) + 1)

    @property
    def balanced_accuracy(self) -> float | None:
        kept, broken = self.true_accept + self.false_reject, self.true_reject + self.false_accept
        rates = [r for r in (self.true_accept / kept if kept else None,
                             self.true_reject / broken if broken else None) if r is not None]
        return sum(rates) / len(rates) if rates else None

    def as_dict(self) -> dict:
        return {"true_accept": self.true_accept, "false_accept": self.false_accept,
                "true_reject": self.true_reject, "false_reject": self.false_reject}


@dataclass
class Evaluation:
    accept: Counts = field(default_factory=Counts)
    rules: dict[str, Counts] = field(default_factory=lambda: {r: Counts() for r in RULES})
    disagreements: list[tuple[str, str, bool, str]] = field(default_factory=list)  # file, label, accepted, why

    def as_dict(self) -> dict:
        return {"accept": self.accept.as_dict(), "rules": {r: c.as_dict() for r, c in self.rules.items()}}


def read_labels(tsv: Path) -> list[dict]:
    with open(tsv, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if not rows or "file" not in rows[0] or "accept" not in rows[0]:
        raise ValueError(f"{tsv}: not a labels file (needs a header with 'file', 'accept' and the rule columns)")
    return rows


def record(ev: Evaluation, row: dict, report) -> None:
    """Count one photo by its report (kiosk.checks.Report)."""
    accepted = bool(report.accepted)
    ev.accept.add(row.get("accept", ""), accepted)
    for rule, counts in ev.rules.items():
        counts.add(row.get(rule, ""), bool(report.rule_kept(rule)))
    label = row.get("accept", "")
    if label in ("0", "1") and (label == "1") != accepted:
        why = "; ".join(f"{r.id}: {r.verdict.value}" for r in report.failures) or "all checks passed"
        ev.disagreements.append((row["file"], label, accepted, why))


def table(ev: Evaluation) -> str:
    lines = [f"{'rule':16} {'TA':>4} {'FA':>4} {'TR':>4} {'FR':>4} {'bal.acc':>8}"]
    for name, c in [*ev.rules.items(), ("ACCEPT (photo)", ev.accept)]:
        ba = c.balanced_accuracy
        lines.append(f"{name:16} {c.true_accept:4} {c.false_accept:4} {c.true_reject:4} {c.false_reject:4} "
                     f"{'-' if ba is None else f'{ba:.3f}':>8}")
    lines.append("")
    lines.append(f"judged differently from the label: {len(ev.disagreements)}")
    for file, label, accepted, why in ev.disagreements:
        lines.append(f"  {file}: label {'accept' if label == '1' else 'reject'}, "
                     f"checks {'accept' if accepted else 'reject'} ({why})")
    return "\n".join(lines)
