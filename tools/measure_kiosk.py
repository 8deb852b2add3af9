"""Measures the kiosk as a student meets it: the time from the capture code entering the
picture to the confirm screen, and the preview frame rate while the checks run.

The real window (offscreen works), the real worker with the checks in VIDEO mode, a
file camera playing 1280x720 footage at the configured camera rate: one second of empty
backdrop, the code held up, then a person (a licensed photo from tests/photos) whose
head is tilted, so the station keeps guiding and the checks run on every frame it can.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/measure_kiosk.py [--seconds 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from screenshots import FAILING, scene  # noqa: E402  (same footage builder)


def footage(folder: Path, code_text: str, fps: int) -> int:
    """Writes the frames; returns the index of the first frame that shows the code."""
    import cv2

    empty, code, person = scene(None), scene(None, code_text), scene(FAILING)
    frames = [empty] * fps + [code] * (2 * fps) + [person] * (30 * fps)
    for i, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"{i:05d}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 92])
    return fps


def measure(settings, folder: Path, code_start: int, seconds: float,
            size: tuple[int, int]) -> tuple[float, float, float]:
    from kiosk import app
    from kiosk.camera import FileCamera
    from kiosk.clock import SystemClock
    from kiosk.session import Confirm, State

    clock = SystemClock()

    class Camera(FileCamera):
        """Notes when the first frame showing the code was taken."""

        code_seen_at: float | None = None

        def read(self):
            image = super().read()
            if self._position == code_start + 1 and self.code_seen_at is None:
                self.code_seen_at = clock.now()
            return image

    camera = Camera(folder, settings.camera.fps, clock, loop=False)
    kiosk = app.build(settings, camera, clock, clock)
    window = kiosk.window
    confirm_at: list[float] = []

    def on_view(view) -> None:
        if view.state is State.CONFIRMING and not confirm_at:
            confirm_at.append(clock.now())  # the confirm page is current from here
            kiosk.worker.post(Confirm())

    kiosk.window.bridge.changed.connect(on_view)
    window.resize(*size)
    window.show()
    qt = app.qt_application()
    kiosk.start()
    deadline = time.monotonic() + 30
    while not confirm_at and time.monotonic() < deadline:
        qt.processEvents()
        time.sleep(0.002)
    if not confirm_at:
        raise SystemExit("the code was never read: is zbar installed?")
    latency = confirm_at[0] - camera.code_seen_at
    while camera._position < code_start * 3 + 5:  # count only once the person is in the picture
        qt.processEvents()
        time.sleep(0.002)
    start_painted, start_analysed = window.preview.painted, kiosk.worker.analysed
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        qt.processEvents()
        time.sleep(0.002)
    elapsed = time.monotonic() - start
    if window.view.state is not State.GUIDING:
        raise SystemExit(f"the kiosk left guidance ({window.view.state.value}): the count is not valid")
    preview_fps = (window.preview.painted - start_painted) / elapsed
    analysis_fps = (kiosk.worker.analysed - start_analysed) / elapsed
    kiosk.stop()
    window.allow_close = True
    window.close()
    return latency, preview_fps, analysis_fps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="how long to count preview frames")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="1920x1080", help="window size, WxH (the station's screen)")
    args = parser.parse_args()
    from kiosk import models, paths
    from kiosk.codec import DemoCodec, new_code
    from kiosk.config import load_settings

    os.environ.pop("KIOSK_DATA", None)
    model_dir = paths.models_dir(load_settings())
    if any(models.check(model_dir, m) for m in models.MODEL_FILES):
        models.fetch(model_dir, report=lambda _line: None)
    results = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as data, tempfile.TemporaryDirectory() as frames:
            os.symlink(model_dir, Path(data) / "models", target_is_directory=True)
            os.environ["KIOSK_DATA"] = data
            settings = load_settings()
            code_start = footage(Path(frames), DemoCodec().encode(new_code(), "张*三", "3101**********1234"),
                                 int(settings.camera.fps))
            size = tuple(int(n) for n in args.size.split("x"))
            latency, preview_fps, analysis_fps = measure(settings, Path(frames), code_start, args.seconds, size)
            results.append((latency, preview_fps, analysis_fps))
            print(f"run {run + 1}: code in picture -> confirm screen {latency * 1000:.0f} ms; "
                  f"preview {preview_fps:.1f} fps, checks {analysis_fps:.1f} fps "
                  f"(camera {settings.camera.fps:g} fps, 1280x720; window {args.size})")
    latencies = [r[0] * 1000 for r in results]
    print(f"code -> confirm: median {statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms; "
          f"preview median {statistics.median(r[1] for r in results):.1f} fps while the checks ran at "
          f"{statistics.median(r[2] for r in results):.1f} fps")


if __name__ == "__main__":
    main()
