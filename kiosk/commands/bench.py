"""`kiosk bench`: time the live analysis at the camera's frame size."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kiosk.commands.base import positive

BENCH_SIZE = (1280, 720)  # the station camera's frame size (config camera.width/height)
PHOTOS = Path(__file__).resolve().parents[2] / "tests" / "photos"


def register(sub) -> None:
    p = sub.add_parser("bench", help="time the live analysis at 1280x720",
                       description="Play a video or image folder (default: frames built from the project's "
                                   "test photos) through the live pipeline at 1280x720; print frames per second, "
                                   "latency median and 95th percentile, the bare MediaPipe time of the same run, and "
                                   "how often the face parsing beside it updated and how long each parse took.")
    p.add_argument("path", nargs="?", type=Path, metavar="PATH", help="video file or folder of images")
    p.add_argument("--frames", type=positive, default=300, help="frames to time, 1 or more (default 300)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--camera-rate", action="store_true",
                   help="give frames at [camera] fps, as the station's camera does (the guidance waits between "
                        "them and the parsing gets that time); default: each frame as soon as the last is judged, "
                        "the pipeline's peak rate")
    p.set_defaults(func=bench_command)


def bench_frames(path: Path | None, count: int, fitted: set | None = None):
    """Frames at 1280x720: from PATH, or the test photos placed on a camera-sized canvas.
    `fitted` collects the (width, height) of pictures of another size, scaled onto it."""
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
                    if fitted is not None:
                        fitted.add(frame.shape[1::-1])
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

    latencies, mediapipe, parsed_before, fitted = [], [], None, set()
    try:
        with Analyser(settings, mode="video") as analyser:
            start = None
            for i, frame in enumerate(bench_frames(args.path, args.frames + 10, fitted)):
                if args.camera_rate and start:  # the next frame is not there before the camera gives it
                    time.sleep(max(0.0, start + (i - 10) / settings.camera.fps - time.perf_counter()))
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
            if args.camera_rate:  # the last frame's period runs on to the camera's next frame
                total = max(total, len(latencies) / settings.camera.fps)
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
        scaled = ""
        if fitted and args.path is not None:  # the default photos are placed so on purpose
            sizes = ", ".join(f"{w}x{h}" for w, h in sorted(fitted))
            scaled = f" (pictures of {sizes} scaled onto a {BENCH_SIZE[0]}x{BENCH_SIZE[1]} frame, as a camera gives)"
        print(f"frames: {figures['frames']} at {BENCH_SIZE[0]}x{BENCH_SIZE[1]}{scaled}\n"
              f"frames per second: {figures['fps']}\n"
              f"latency median: {figures['latency_ms_p50']} ms, 95th percentile: {figures['latency_ms_p95']} ms\n"
              f"per frame: pipeline {figures['pipeline_ms_per_frame']} ms, of which bare MediaPipe "
              f"{figures['mediapipe_ms_per_frame']} ms (ratio "
              f"{figures['pipeline_ms_per_frame'] / max(figures['mediapipe_ms_per_frame'], 1e-9):.2f})\n"
              f"face parsing beside it: {figures['parsing_hz']} updates per second, 95th percentile "
              f"{figures['parsing_ms_p95']} ms per parse")
    return 0
