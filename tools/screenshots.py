"""Renders every kiosk screen, in Chinese and in English, to docs/screens/*.png.

The screens are the real window driven through a real session: the real checks judge
licensed photos from tests/photos, a throwaway store takes the capture, a fake clock
moves the countdown. Run it offscreen:

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots.py [--out docs/screens]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = ROOT / "tests" / "photos"
PASSING = "london_synthetic__blue_005.jpg"
FAILING = "london_synthetic__roll12_005.jpg"
LOOKS = "london__neutral_003.jpg"  # fringe over the brows, hair over the ears: the face parsing's rules
SIZE = (1280, 800)
BACKDROP = (255, 197, 100)
CODE = "7KQ2M9XD3FTP"  # the demo footage's code; belongs to nobody


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screens")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from kiosk import models, paths
    from kiosk.config import load_settings

    os.environ.pop("KIOSK_DATA", None)
    model_dir = paths.models_dir(load_settings())
    if any(models.check(model_dir, m) for m in models.MODEL_FILES):
        models.fetch(model_dir, report=lambda _line: None)
    for language in ("zh", "en"):
        # A throwaway data folder per language: nothing lands in the station's store.
        with tempfile.TemporaryDirectory() as data:
            os.symlink(model_dir, Path(data) / "models", target_is_directory=True)
            os.environ["KIOSK_DATA"] = data
            for name in render_all(load_settings(), language, args.out):
                print(args.out / name)


def scene(photo_name: str | None, code_text: str | None = None, dim: bool = False):
    import cv2
    import numpy as np

    frame = np.full((720, 1280, 3), BACKDROP, np.uint8)
    if photo_name:
        photo = cv2.imread(str(PHOTOS / photo_name))
        side = 712
        photo = cv2.resize(photo, (round(photo.shape[1] * side / photo.shape[0]), side))
        x = (1280 - photo.shape[1]) // 2
        frame[4:4 + side, x:x + photo.shape[1]] = photo
    if code_text:
        from kiosk.codec import qr_image

        card = qr_image(code_text, border=3, scale=7)
        if dim:  # a phone turned right down under a ceiling light: too faint for zbar
            card = (card * 0.1 + 120).astype(np.uint8)
        card = cv2.cvtColor(card, cv2.COLOR_GRAY2BGR)
        y, x = 200, (1280 - card.shape[1]) // 2
        frame[y:y + card.shape[0], x:x + card.shape[1]] = card
    return frame


def render_all(settings, language: str, out: Path) -> list[str]:
    from kiosk.app import qt_application

    app = qt_application()
    from kiosk.camera import Frame
    from kiosk.checks import Analyser
    from kiosk.clock import FakeClock
    from kiosk.codec import DemoCodec, new_code
    from kiosk import session as s
    from kiosk.codereader import CodeReader
    from kiosk.station import StationDesk
    from kiosk.store import Store
    from kiosk.ui.window import KioskWindow

    clock = FakeClock()

    def open_store():
        return Store.from_settings(settings, clock)

    desk = StationDesk(settings, open_store)
    session = s.Session(settings, clock, desk)
    lock = s.OperatorLock(settings.operator.pin_hash, 5, 60, clock)
    current = {"frame": None}
    window = KioskWindow(settings, session.handle, lambda: current["frame"], lock, open_store, 30)
    session.subscribe(window.show_view)
    window.show_view(session.view())  # as kiosk.app does: the first screen before any event
    window.resize(*SIZE)
    window.show()
    analyser = Analyser(settings, mode="image")
    judged = {}
    for name in (PASSING, FAILING, LOOKS):
        image = scene(name)
        judged[name] = (image, analyser.analyse(image))
    analyser.close()
    written: list[str] = []
    count = [0]

    def show(image):
        count[0] += 1
        current["frame"] = Frame(image, count[0], clock.now())

    def shot(name: str, widget=None) -> None:
        for _ in range(5):
            app.processEvents()
        window._poll_camera()
        app.processEvents()
        file = f"{language}-{len(written) + 1:02d}-{name}.png"
        (widget or window).grab().save(str(out / file))
        written.append(file)

    session.handle(s.SetLanguage(language))
    code_text = DemoCodec().encode(CODE, "张*三", "3101**********1234")
    show(scene(None, code_text))
    shot("waiting")
    window.show_view(dataclasses.replace(session.view(), state=s.State.SCANNING))
    shot("scanning")
    session.handle(s.CodeRead(code_text))
    shot("confirming")
    session.handle(s.Confirm())
    image, report = judged[FAILING]
    show(image)
    for _ in range(2):  # instructions appear once their check failed for the delay
        session.handle(s.Analysed(image, report))
        clock.advance(settings.kiosk.instruction_delay_s + 0.05)
    session.handle(s.Analysed(image, report))
    shot("guiding")
    image, report = judged[PASSING]
    show(image)
    session.handle(s.Analysed(image, report))
    clock.advance(settings.capture.steady_s * 0.6)
    session.handle(s.Tick())
    shot("holding")
    clock.advance(settings.capture.steady_s * 0.4 + 0.2)
    session.handle(s.Analysed(image, report))
    shot("countdown")
    clock.advance(settings.capture.countdown_s)
    session.handle(s.Tick())
    shot("reviewing")
    session.handle(s.Accept())
    shot("saved")
    session.handle(s.Confirm())
    session.handle(s.SetLanguage(language))
    session.handle(s.CodeRead(code_text))
    shot("error-code-taken")
    session.handle(s.Cancel())
    session.handle(s.SetLanguage(language))
    show(scene(None, "https://example.com/a-poster"))
    session.handle(s.CodeRead("https://example.com/a-poster"))
    shot("error-not-a-code")
    session.handle(s.Cancel())
    session.handle(s.SetLanguage(language))

    # The photographer: PIN, manual shutter on a failing frame, override, today's list.
    window.ask_pin()
    window.dialog.entry.setText("1111")
    window.dialog.submit()
    shot("operator-pin", window.dialog)
    window.dialog.reject()
    session.handle(s.OperatorOn(f"{settings.station.id} photographer"))
    session.handle(s.CodeRead(code_text))
    session.handle(s.Retry("the student blinked in the stored photo"))
    session.handle(s.Confirm())
    image, report = judged[FAILING]
    show(image)
    session.handle(s.Analysed(image, report))
    clock.advance(settings.kiosk.instruction_delay_s + 0.05)
    session.handle(s.Analysed(image, report))
    shot("operator-guiding")
    session.handle(s.Shutter())
    session.handle(s.Accept())
    shot("operator-review")
    for result in session.view().capture.blocking[:1]:
        session.handle(s.Override(result.id, "medical: neck brace" if language == "en" else "医疗原因：颈托"))
    session.handle(s.ConfirmAppearance("dyed_hair", True))
    shot("operator-override")
    window._open_today()
    window.dialog.resize(900, 600)
    shot("operator-today", window.dialog)
    window.dialog.accept()

    # A code the camera sees but zbar cannot read: after a while the waiting screen says
    # what to change. The real reader decides, as the worker would.
    session.handle(s.Void())
    session.handle(s.OperatorOff())
    session.handle(s.SetLanguage(language))
    image = scene(None, code_text, dim=True)
    show(image)
    read, seen = CodeReader(settings.kiosk.qr_scan_width).scan(image, look=True)
    assert read is None and seen, "the dim code should be seen and not read"
    for _ in range(round(settings.kiosk.unreadable_code_s / 0.1) + 2):
        clock.advance(0.1)
        session.handle(s.CodeSeen())
    shot("waiting-unreadable-code")

    # The rules on the face parsing guide too: a fringe over the brows, hair over the ears.
    session.handle(s.CodeRead(DemoCodec().encode(new_code(), "李*四", "3101**********5678")))
    session.handle(s.Confirm())
    image, report = judged[LOOKS]
    show(image)
    for _ in range(2):
        session.handle(s.Analysed(image, report))
        clock.advance(settings.kiosk.instruction_delay_s + 0.05)
    session.handle(s.Analysed(image, report))
    shot("guiding-hair")

    # A camera that fell back to 640x480: the student waits, the photographer reads the fix.
    session.handle(s.FrameSize(640, 480))
    shot("camera-small")
    session.handle(s.OperatorOn(f"{settings.station.id} photographer"))
    shot("operator-camera-small")
    session.handle(s.FrameSize(settings.camera.width, settings.camera.height))
    session.handle(s.OperatorOff())
    desk.close()
    window.allow_close = True
    window.close()
    return written


if __name__ == "__main__":
    main()
