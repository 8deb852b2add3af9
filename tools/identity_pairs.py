"""Genuine and impostor scores of the identity pre-check on a labelled set, and its thresholds.

    .venv/bin/python tools/identity_pairs.py ../shared/faces/LABELS.tsv [--folds 5]

Every photo labelled with exactly one face (`one_face` = 1) is embedded as the station does
it (kiosk.identity.PhotoEmbedder: MediaPipe's face landmarker, five points, SFace). Pairs:
  genuine   the same person (`person` column) in two different original photos;
  impostor  two different people;
  left out  two versions of one original photo (the synthetic variants: blur, exposure,
            scale, backdrop), which say nothing about recognising a person again.
The `source` column names each photo's original (the part before " | ").

The procedure for [identity] in config.toml, with MARGIN = 0.05 and rounding outward to 0.05:
  above_impostors = the highest impostor score + MARGIN, rounded up
  below_genuine   = the lowest genuine score - MARGIN, rounded down
  likely_min      = the larger of the two;  unlikely_below = the smaller.
"likely" is then given to no impostor seen and "unlikely" to no genuine pair seen, each with
the margin; "unsure" is where both were seen (or, were the two apart, where neither was).
--folds K judges the procedure on people it never saw: the people are split into K groups as
`kiosk eval --folds` splits them; for each group the thresholds are fitted on the pairs
without any of its people and judge the pairs with one of them (a pair of two groups is
judged once, with the first).

Embeddings stay in memory: nothing is written. The output names photo files, never faces.
"""
from __future__ import annotations

import argparse
import itertools
import math
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MARGIN = 0.05  # one rounding step of the config values
STEP = 0.05

# The `person` column was written to keep each person inside one fold; for celebrity photos
# from one repository it holds one id per file. Looking at the photos (the pairs scoring
# above 0.55 between "different" people) found these files to show one person each. The
# one such pair kept apart, jojogan/iu.jpeg and liveportrait/s42.jpg (0.61), shows two
# young women who look alike, the second AI-made or retouched: the highest impostor.
SAME_PERSON = {
    "deepface/img3.jpg": "actress A (deepface img3, img12: about 25 years apart)",
    "deepface/img12_bluebg.jpg": "actress A (deepface img3, img12: about 25 years apart)",
    "deepface/img13_small.jpg": "businessman B (deepface img13-15)",
    "deepface/img14.jpg": "businessman B (deepface img13-15)",
    "deepface/img15.jpg": "businessman B (deepface img13-15)",
    "deepface/img9.jpg": "actress C (deepface img9, img47, img49)",
    "deepface/img47.jpg": "actress C (deepface img9, img47, img49)",
    "deepface/img49.jpg": "actress C (deepface img9, img47, img49)",
    "deepface/img18.jpg": "businessman D (deepface img18, hivision test0)",
    "hivision/test0.jpg": "businessman D (deepface img18, hivision test0)",
}
# hivision/test0.jpg is deepface/img18.jpg's photo, cropped and retouched (same expression,
# same skin marks): one original, not a second photo of him.
SAME_ORIGINAL = {"hivision/test0.jpg": "deepface/img18.jpg"}
# Two masked selfies whose sameness nobody could tell by eye: in neither distribution.
UNKNOWN_PAIRS = {frozenset({"insightface/bulk_mask.jpg", "insightface/bulk_mask2.jpg"})}
# Studio photos of one session (neutral and smiling shots minutes apart): the easy case.
STUDIO = ("london/", "london_synthetic/", "canada/", "canada_synthetic/")


@dataclass(eq=False)
class Photo:
    file: str
    person: str
    original: str
    embedding: np.ndarray


@dataclass(frozen=True)
class Pair:
    score: float
    a: Photo
    b: Photo

    @property
    def studio(self) -> bool:
        return self.a.file.startswith(STUDIO) and self.b.file.startswith(STUDIO)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path, metavar="LABELS.tsv")
    parser.add_argument("--folds", type=int, default=5, metavar="K", help="person-split folds (default 5; 0: none)")
    args = parser.parse_args()
    from kiosk.checks.evaluate import read_labels
    from kiosk.config import load_settings

    settings = load_settings()
    _ensure_models(settings)
    rows = read_labels(args.labels)
    photos, embed_ms, find_ms = _embed(rows, args.labels.resolve().parent, settings)
    genuine, impostor, same_original = _pairs(photos)
    people = {p.person for p in photos}
    print(f"{len(photos)} photos of {len(people)} people embedded; "
          f"{sum(1 for n in Counter(p.person for p in photos).values() if n > 1)} people in two or more photos\n")
    print("similarity (cosine)              n     min    p1     p5     p50    p95    p99    max")
    for name, pairs in (("genuine, all", genuine), ("genuine, studio same session", [p for p in genuine if p.studio]),
                        ("genuine, other photos", [p for p in genuine if not p.studio]),
                        ("impostor", impostor), ("left out: one original twice", same_original)):
        print(_row(name, [p.score for p in pairs]))
    print("\nlowest genuine pairs:")
    for p in sorted(genuine, key=lambda p: p.score)[:6]:
        print(f"  {p.score:.3f}  {p.a.file}  {p.b.file}")
    print("highest impostor pairs:")
    for p in sorted(impostor, key=lambda p: -p.score)[:6]:
        print(f"  {p.score:.3f}  {p.a.file}  {p.b.file}")

    fitted = fit([p.score for p in genuine], [p.score for p in impostor])
    if fitted is None:
        print("\nno thresholds: the set needs genuine and impostor pairs")
        return 1
    likely_min, unlikely_below = fitted
    print(f"\nfitted on all pairs (margin {MARGIN}): likely_min = {likely_min:.2f}, unlikely_below = "
          f"{unlikely_below:.2f}   (configured: {settings.identity.likely_min:.2f}, "
          f"{settings.identity.unlikely_below:.2f})")
    print("  in sample   " + _verdicts(genuine, impostor, likely_min, unlikely_below))
    if args.folds:
        _folds(photos, genuine, impostor, args.folds)
    print(f"\nspeed per photo ({len(embed_ms)} photos; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
          f"cores): the embedding (alignment and SFace) {statistics.median(embed_ms):.1f} ms median, "
          f"{np.percentile(embed_ms, 95):.1f} ms p95; finding the face in a photo (the MediaPipe models of "
          f"Engines in image mode) {statistics.median(find_ms):.0f} ms median")
    return 0


def fit(genuine: list[float], impostor: list[float]) -> tuple[float, float] | None:
    """(likely_min, unlikely_below) by the procedure in the module docstring; None without
    a genuine or an impostor pair to fit on."""
    if not genuine or not impostor:
        return None
    above_impostors = math.ceil(round((max(impostor) + MARGIN) / STEP, 6)) * STEP
    below_genuine = math.floor(round((min(genuine) - MARGIN) / STEP, 6)) * STEP
    return round(max(above_impostors, below_genuine), 2), round(min(above_impostors, below_genuine), 2)


def _ensure_models(settings) -> None:
    from kiosk import models, paths

    folder = paths.models_dir(settings)
    if any(models.check(folder, m) for m in models.required(face_parsing=False, identity=True)):
        models.fetch(folder, report=print, face_parsing=False, identity=True)


def _embed(rows: list[dict], folder: Path, settings) -> tuple[list[Photo], list[float], list[float]]:
    import cv2

    from kiosk.identity import PhotoEmbedder, five_points

    photos, embed_ms, find_ms, skipped = [], [], [], []
    with PhotoEmbedder(settings) as embedder:
        for row in rows:
            if row.get("one_face") != "1":
                continue
            image = cv2.imread(str(folder / row["file"]), cv2.IMREAD_COLOR)
            if image is None:
                skipped.append(f"{row['file']} (cannot be read)")
                continue
            start = time.perf_counter()
            ctx = embedder.engines.run(image, 0)
            found = time.perf_counter()
            if not ctx.faces:
                skipped.append(f"{row['file']} (no face found)")
                continue
            vector = embedder.embedder.embed(image, five_points(ctx.face))
            find_ms.append((found - start) * 1000)
            embed_ms.append((time.perf_counter() - found) * 1000)
            original = SAME_ORIGINAL.get(row["file"], row["source"].split(" | ")[0])
            photos.append(Photo(row["file"], SAME_PERSON.get(row["file"], row["person"] or row["file"]),
                                original, vector))
    if skipped:
        print("not embedded: " + ", ".join(skipped))
    return photos, embed_ms, find_ms


def _pairs(photos: list[Photo]) -> tuple[list[Pair], list[Pair], list[Pair]]:
    from kiosk.identity import similarity

    genuine, impostor, same_original = [], [], []
    for a, b in itertools.combinations(photos, 2):
        if frozenset({a.file, b.file}) in UNKNOWN_PAIRS:
            continue
        pair = Pair(similarity(a.embedding, b.embedding), a, b)
        if a.person != b.person:
            impostor.append(pair)
        elif a.original != b.original:
            genuine.append(pair)
        else:
            same_original.append(pair)
    return genuine, impostor, same_original


def _split(pairs: list[Pair], fold_of: dict[str, int], fold: int) -> tuple[list[Pair], list[Pair]]:
    """(pairs without a person of `fold`, pairs judged in `fold`): each pair is judged once,
    in the first fold that holds one of its people out."""
    train = [p for p in pairs if fold not in (fold_of[p.a.person], fold_of[p.b.person])]
    judged = [p for p in pairs if min(fold_of[p.a.person], fold_of[p.b.person]) == fold]
    return train, judged


def _row(name: str, scores: list[float]) -> str:
    if not scores:
        return f"{name:30} {0:5d}"
    q = np.percentile(scores, [1, 5, 50, 95, 99])
    return (f"{name:30} {len(scores):5d}  {min(scores):6.3f} " + " ".join(f"{v:6.3f}" for v in q)
            + f" {max(scores):6.3f}")


def _verdicts(genuine: list[Pair], impostor: list[Pair], likely_min: float, unlikely_below: float) -> str:
    def count(pairs):
        c = Counter("likely" if p.score >= likely_min else "unlikely" if p.score < unlikely_below else "unsure"
                    for p in pairs)
        return f"likely {c['likely']}, unsure {c['unsure']}, unlikely {c['unlikely']}"

    return f"genuine: {count(genuine)}   impostor: {count(impostor)}"


def _folds(photos: list[Photo], genuine: list[Pair], impostor: list[Pair], k: int) -> None:
    from kiosk.checks.calibrate import person_folds

    people = sorted({p.person for p in photos})
    fold_of = dict(zip(people, person_folds([{"person": name} for name in people], k)))
    print(f"\nperson-split folds ({k} groups; thresholds fitted without the people judged):")
    held_genuine, held_impostor = [], []
    for fold in range(k):
        (train_g, judged_g), (train_i, judged_i) = (_split(pairs, fold_of, fold) for pairs in (genuine, impostor))
        fitted = fit([p.score for p in train_g], [p.score for p in train_i])
        if fitted is None:
            print(f"  fold {fold}: nothing to fit on without its people ({len(judged_g)} genuine, "
                  f"{len(judged_i)} impostor pairs not judged)")
            continue
        likely_min, unlikely_below = fitted
        print(f"  fold {fold}: likely_min {likely_min:.2f}, unlikely_below {unlikely_below:.2f}; "
              + _verdicts(judged_g, judged_i, likely_min, unlikely_below))
        held_genuine += [(p, likely_min, unlikely_below) for p in judged_g]
        held_impostor += [(p, likely_min, unlikely_below) for p in judged_i]
    wrong_likely = [p for p, lo, _ in held_impostor if p.score >= lo]
    wrong_unlikely = [p for p, _, below in held_genuine if p.score < below]
    print(f"  all folds: {len(held_genuine)} genuine pairs judged, {len(wrong_unlikely)} called unlikely; "
          f"{len(held_impostor)} impostor pairs judged, {len(wrong_likely)} called likely")
    for kind, pairs in (("genuine called unlikely", wrong_unlikely), ("impostor called likely", wrong_likely)):
        for p in pairs:
            print(f"    {kind}: {p.score:.3f}  {p.a.file}  {p.b.file}")


if __name__ == "__main__":
    sys.exit(main())
