"""`kiosk check`, `kiosk eval`, `kiosk bench`: the checks from the command line.

register() imports nothing heavy; each handler loads cv2/mediapipe itself.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

BENCH_SIZE = (1280, 720)  # the station camera's frame size (config camera.width/height)
PHOTOS = Path(__file__).resolve().parents[2] / "tests" / "photos"


def register(sub) -> None:
    p = sub.add_parser("check", help="judge photos taken elsewhere against every rule",
                       description="Judge photos (e.g. a photographer's DSLR files) against every rule "
                                   "of the graduation photo. Exit code 0 when every photo is accepted, "
                                   "1 when any is rejected or unreadable.")
    p.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    p.add_argument("--json", action="store_true", help="print JSON for machines instead of a table")
    p.add_argument("--crop", type=Path, metavar="DIR", help="write each photo's 480x640 deliverable here")
    p.set_defaults(func=check_command)

    p = sub.add_parser("eval", help="measure the checks against labelled photos (LABELS.tsv)",
                       description="Run every check on the photos of a LABELS.tsv (paths relative to its "
                                   "folder) and print, per rule and overall, true/false accepts and rejects, "
                                   "balanced accuracy, and every photo judged differently from its label.")
    p.add_argument("labels", type=Path, metavar="LABELS.tsv")
    p.add_argument("--json", action="store_true", help="print only the counts as JSON")
    p.add_argument("--folds", type=int, metavar="K",
                   help="split the photos into K groups of people (the `person` column); fit the thresholds "
                        "on K-1 groups as `kiosk calibrate` does and judge the group left out; every figure "
                        "printed is from left-out people only")
    p.set_defaults(func=eval_command)

    p = sub.add_parser("calibrate", help="fit the checks' thresholds from labelled photos",
                       description="Measure every photo of a LABELS.tsv and fit each threshold marked as fitted "
                                   "(config.toml says which) from the raw values: the best accuracy of the rule "
                                   "with compliant photos counted twice, ties to the safe side, then to the middle "
                                   "of the widest gap. Prints "
                                   "each threshold beside its configured value, with its margin; round it and "
                                   "write it into config.toml with why. Judge the procedure with "
                                   "`kiosk eval --folds`, never with the photos it was fitted on.")
    p.add_argument("labels", type=Path, metavar="LABELS.tsv")
    p.set_defaults(func=calibrate_command)

    p = sub.add_parser("bench", help="time the live analysis at 1280x720",
                       description="Play a video or image folder (default: frames built from the project's "
                                   "test photos) through the live pipeline at 1280x720; print frames per second, "
                                   "latency median and 95th percentile, the bare MediaPipe time of the same run, and "
                                   "how often the face parsing beside it updated and how long each parse took.")
    p.add_argument("path", nargs="?", type=Path, metavar="PATH", help="video file or folder of images")
    p.add_argument("--frames", type=int, default=300, help="frames to time (default 300)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=bench_command)


def result_dict(report) -> dict:
    return {"accepted": report.accepted, "crop_box": list(report.crop_box) if report.crop_box else None,
            "checks": [{"id": r.id, "rule": r.rule, "verdict": r.verdict.value, "value": r.value,
                        "threshold": r.threshold, "message_zh": r.message_zh, "message_en": r.message_en}
                       for r in report.results]}


def check_command(args, settings) -> int:
    import cv2

    from kiosk.checks import Analyser, render_deliverable

    if args.crop:
        args.crop.mkdir(parents=True, exist_ok=True)
    everything_accepted, out = True, []
    with Analyser(settings, mode="image") as analyser:
        for path in args.images:
            image = cv2.imread(str(path), cv2.IMREAD_COLOR) if path.is_file() else None
            if image is None:
                problem = "file not found" if not path.exists() else "not an image OpenCV can read (use JPEG or PNG)"
                everything_accepted = False
                out.append({"file": str(path), "error": problem})
                if not args.json:
                    print(f"{path}: {problem}; skipped\n")
                continue
            report = analyser.analyse(image)
            everything_accepted &= report.accepted
            entry = {"file": str(path), **result_dict(report)}
            if args.crop and report.crop_box is not None:
                target = args.crop / f"{path.stem}.jpg"
                try:
                    target.write_bytes(render_deliverable(image, report, settings.capture))
                    entry["deliverable"] = str(target)
                except ValueError as error:
                    entry["deliverable_error"] = str(error)
            out.append(entry)
            if not args.json:
                print(report_text(path, report, entry))
    if args.json:
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        print()
    return 0 if everything_accepted else 1


def report_text(path: Path, report, entry: dict) -> str:
    from kiosk.checks.result import Verdict

    verdict = "ACCEPTED" if report.accepted else "REJECTED"
    lines = [f"{path}: {verdict}"]
    results = report.results
    if report.crop_box is None:
        lines.append("  no face found: the photo needs one person facing the camera")
        results = [r for r in results if r.verdict is not Verdict.UNKNOWN]  # each would only say "no face"
    for r in results:
        value = "-" if r.value is None else f"{r.value:g}"
        lines.append(f"  {r.verdict.value:11} {r.id:15} {value:>9}  ({r.threshold})"
                     + (f"  {r.message_en} / {r.message_zh}" if r.message_en else ""))
    if "deliverable" in entry:
        lines.append(f"  deliverable written: {entry['deliverable']}")
    if "deliverable_error" in entry:
        lines.append(f"  no deliverable: {entry['deliverable_error']}")
    return "\n".join(lines) + "\n"


def measure_labelled(args, settings):
    """(rows, measures, checks) of a LABELS.tsv; None (after saying why) when it cannot be read."""
    import cv2

    from kiosk.checks import Analyser
    from kiosk.checks.evaluate import read_labels

    try:
        rows = read_labels(args.labels)
    except (OSError, ValueError) as error:
        print(f"cannot read {args.labels}: {error}", file=sys.stderr)
        return None
    folder, measured = args.labels.resolve().parent, []
    with Analyser(settings, mode="image") as analyser:
        for row in rows:
            image = cv2.imread(str(folder / row["file"]), cv2.IMREAD_COLOR)
            if image is None:
                print(f"{row['file']}: cannot be read; counted as rejected", file=sys.stderr)
            measured.append(analyser.measure(image) if image is not None else None)
        checks = [check for check, _ in analyser.checks]
    return rows, measured, checks


def eval_command(args, settings) -> int:
    from kiosk.checks.calibrate import fit, judge, person_folds
    from kiosk.checks.evaluate import Evaluation, record, table

    if args.folds is not None and args.folds < 2:
        print("--folds needs at least 2 groups", file=sys.stderr)
        return 2
    loaded = measure_labelled(args, settings)
    if loaded is None:
        return 2
    rows, measured, checks = loaded
    ev, unfitted = Evaluation(), set()
    folds = person_folds(rows, args.folds) if args.folds else [0] * len(rows)
    for fold in sorted(set(folds)):
        params = settings.checks
        if args.folds:
            train = [(r, m) for r, m, f in zip(rows, measured, folds) if f != fold and m is not None]
            params, fits = fit(checks, settings.checks, [r for r, _ in train], [m for _, m in train])
            unfitted |= {f.check for f in fits if f.note}
        for row, m, f in zip(rows, measured, folds):
            if f == fold:
                record(ev, row, judge(checks, m, params) if m is not None else None)
    if args.json:
        print(json.dumps(ev.as_dict()))
    else:
        if args.folds:
            print(f"{len(set(folds))} person-split folds: thresholds fitted without the people judged\n")
        print(table(ev))
    for check in sorted(unfitted):
        # Its configured value was fitted on every photo, the judged people among them.
        print(f"{check}: too few labelled photos in a fold to fit on; the configured value was used, so its "
              "figures are not from unseen people", file=sys.stderr)
    return 0


def calibrate_command(args, settings) -> int:
    from kiosk.checks.calibrate import fit, fits_table

    loaded = measure_labelled(args, settings)
    if loaded is None:
        return 2
    rows, measured, checks = loaded
    kept = [(r, m) for r, m in zip(rows, measured) if m is not None]
    _, fits = fit(checks, settings.checks, [r for r, _ in kept], [m for _, m in kept])
    print(f"fitted on {len(kept)} photos of {args.labels}; these figures are in-sample: judge them with "
          f"`kiosk eval {args.labels} --folds 5`\n")
    print(fits_table(fits))
    return 0


def bench_frames(path: Path | None, count: int):
    """Frames at 1280x720: from PATH, or the test photos placed on a camera-sized canvas."""
    import cv2
    import numpy as np

    from kiosk.camera import CameraError
    from kiosk.camera.file import FileCamera
    from kiosk.clock import FakeClock

    def fit(image):
        w, h = BENCH_SIZE
        s = min(w / image.shape[1], h / image.shape[0])
        small = cv2.resize(image, (round(image.shape[1] * s), round(image.shape[0] * s)), interpolation=cv2.INTER_AREA)
        canvas = np.full((h, w, 3), small[0, 0], np.uint8)  # backdrop-coloured surround
        y, x = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
        canvas[y:y + small.shape[0], x:x + small.shape[1]] = small
        return canvas

    camera = FileCamera(path or PHOTOS, fps=30, clock=FakeClock(), loop=True)
    camera.open()
    try:
        stills = path is None or path.is_dir()
        frame = None
        for i in range(count):
            # A still is held for a second and drifts a pixel per frame, like a person sitting.
            if frame is None or not stills or i % 30 == 0:
                frame = camera.read()
                if frame.shape[1::-1] != BENCH_SIZE:
                    frame = fit(frame)
            yield np.roll(frame, i % 30, axis=1) if stills else frame
    except CameraError:
        return
    finally:
        camera.close()


def bench_command(args, settings) -> int:
    import time

    import numpy as np

    from kiosk.camera import CameraError
    from kiosk.checks import Analyser

    latencies, mediapipe, parsed_before = [], [], None
    try:
        with Analyser(settings, mode="video") as analyser:
            start = None
            for i, frame in enumerate(bench_frames(args.path, args.frames + 10)):
                t = time.perf_counter()
                analyser.analyse(frame, timestamp_ms=i * 33)
                if i < 10:  # model warm-up is not the live rate
                    continue
                start = start or t
                latencies.append((time.perf_counter() - t) * 1000)
                mediapipe.append(analyser.last_context.mediapipe_ms)
                if parsed_before is None:
                    parsed_before = (len(analyser.parsing_ms), analyser.updates)
            total = time.perf_counter() - start if start else 0.0
            parses = analyser.parsing_ms[parsed_before[0] if parsed_before else 0:]
            updates = analyser.updates - (parsed_before[1] if parsed_before else 0)
    except CameraError as error:
        print(f"cannot play {args.path}: {error}", file=sys.stderr)
        return 2
    if not latencies:
        print("no frames to time: give a longer video or a folder of images", file=sys.stderr)
        return 2
    figures = {"fps": round(len(latencies) / total, 1),
               "latency_ms_p50": round(float(np.percentile(latencies, 50)), 1),
               "latency_ms_p95": round(float(np.percentile(latencies, 95)), 1),
               "pipeline_ms_per_frame": round(float(np.mean(latencies)), 1),
               "mediapipe_ms_per_frame": round(float(np.mean(mediapipe)), 1),
               "frames": len(latencies),
               # The face parsing beside the guidance: updates per second and time per parse.
               "parsing_hz": round(updates / total, 1),
               "parsing_ms_p95": round(float(np.percentile(parses, 95)), 1) if parses else None}
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"frames: {figures['frames']} at {BENCH_SIZE[0]}x{BENCH_SIZE[1]}\n"
              f"frames per second: {figures['fps']}\n"
              f"latency median: {figures['latency_ms_p50']} ms, 95th percentile: {figures['latency_ms_p95']} ms\n"
              f"per frame: pipeline {figures['pipeline_ms_per_frame']} ms, of which bare MediaPipe "
              f"{figures['mediapipe_ms_per_frame']} ms (ratio "
              f"{figures['pipeline_ms_per_frame'] / max(figures['mediapipe_ms_per_frame'], 1e-9):.2f})\n"
              f"face parsing beside it: {figures['parsing_hz']} updates per second, 95th percentile "
              f"{figures['parsing_ms_p95']} ms per parse")
    return 0
