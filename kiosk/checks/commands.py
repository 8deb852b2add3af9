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
    p.set_defaults(func=eval_command)

    p = sub.add_parser("bench", help="time the live analysis at 1280x720",
                       description="Play a video or image folder (default: frames built from the project's "
                                   "test photos) through the live pipeline at 1280x720; print frames per second, "
                                   "latency median and 95th percentile, and the bare MediaPipe time of the same run.")
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
    verdict = "ACCEPTED" if report.accepted else "REJECTED"
    lines = [f"{path}: {verdict}"]
    if report.crop_box is None:
        lines.append("  no face found: the photo needs one person facing the camera")
    for r in report.results:
        value = "-" if r.value is None else f"{r.value:g}"
        lines.append(f"  {r.verdict.value:11} {r.id:15} {value:>9}  ({r.threshold})"
                     + (f"  {r.message_en} / {r.message_zh}" if r.message_en else ""))
    if "deliverable" in entry:
        lines.append(f"  deliverable written: {entry['deliverable']}")
    if "deliverable_error" in entry:
        lines.append(f"  no deliverable: {entry['deliverable_error']}")
    return "\n".join(lines) + "\n"


def eval_command(args, settings) -> int:
    import cv2

    from kiosk.checks import Analyser
    from kiosk.checks.evaluate import Evaluation, read_labels, record, table

    try:
        rows = read_labels(args.labels)
    except (OSError, ValueError) as error:
        print(f"cannot read {args.labels}: {error}", file=sys.stderr)
        return 2
    folder, ev = args.labels.resolve().parent, Evaluation()
    with Analyser(settings, mode="image") as analyser:
        for row in rows:
            image = cv2.imread(str(folder / row["file"]), cv2.IMREAD_COLOR)
            if image is None:
                print(f"{row['file']}: cannot be read; counted as rejected", file=sys.stderr)
            record(ev, row, analyser.analyse(image) if image is not None else None)
    if args.json:
        print(json.dumps(ev.as_dict()))
    else:
        print(table(ev))
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

    latencies, mediapipe = [], []
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
            total = time.perf_counter() - start if start else 0.0
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
               "frames": len(latencies)}
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"frames: {figures['frames']} at {BENCH_SIZE[0]}x{BENCH_SIZE[1]}\n"
              f"frames per second: {figures['fps']}\n"
              f"latency median: {figures['latency_ms_p50']} ms, 95th percentile: {figures['latency_ms_p95']} ms\n"
              f"per frame: pipeline {figures['pipeline_ms_per_frame']} ms, of which bare MediaPipe "
              f"{figures['mediapipe_ms_per_frame']} ms (ratio "
              f"{figures['pipeline_ms_per_frame'] / max(figures['mediapipe_ms_per_frame'], 1e-9):.2f})")
    return 0
