"""Renders every kiosk screen, in Chinese and in English, on a 1920x1080 screen and on an
upright 1080x1920 one, to docs/screens/*.png.

The screens are the real window driven through a real session: the real checks judge
licensed photos from tests/photos, a throwaway store takes the captures, a fake clock
moves the countdown. Run it offscreen:

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots.py [--out docs/screens]

Files: {zh,en}-NN-name.png at 1920x1080, {zh,en}-NN-name-portrait.png at 1080x1920.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = ROOT / "tests" / "photos"
PASSING = "london_synthetic__blue_005.jpg"
FAILING = "london_synthetic__roll12_005.jpg"
LOOKS = "london__neutral_003.jpg"  # fringe over the brows, hair over the ears: the face parsing's rules
SIZES = {"": (1920, 1080), "-portrait": (1080, 1920)}
BACKDROP = (255, 197, 100)
CODE = "7KQ2M9XD3FTP"  # the demo footage's code; belongs to nobody
WRITTEN = re.compile(r"(zh|en)-\d\d-[a-z-]+\.png")  # what this tool writes (and replaces)


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
    for old in args.out.iterdir():  # a screen renamed or dropped leaves no stale picture
        if WRITTEN.fullmatch(old.name):
            old.unlink()
    judged = None
    for language in ("zh", "en"):
        for suffix, size in SIZES.items():
            # A throwaway data folder each time: nothing lands in the station's store.
            with tempfile.TemporaryDirectory() as data:
                os.symlink(model_dir, Path(data) / "models", target_is_directory=True)
                os.environ["KIOSK_DATA"] = data
                settings = load_settings()
                judged = judged or judge(settings)
                for name in render_all(settings, judged, language, size, suffix, args.out):
                    print(args.out / name)


def scene(photo_name: str | None, code_text: str | None = None, dim: bool = False, scale: float = 1.0):
    """A 1280x720 camera frame: the backdrop, a person `scale` times their usual size (as
    further from a camera at face height: shrunk toward the frame's middle, the body going
    on below), and perhaps a phone showing a code."""
    import cv2
    import numpy as np

    frame = np.full((720, 1280, 3), BACKDROP, np.uint8)
    if photo_name:
        photo = cv2.imread(str(PHOTOS / photo_name))
        side = round(712 * scale)
        photo = cv2.resize(photo, (round(photo.shape[1] * side / photo.shape[0]), side))
        x, y = (1280 - photo.shape[1]) // 2, (720 - side) // 2
        frame[y:y + side, x:x + photo.shape[1]] = photo
        frame[y + side:, x:x + photo.shape[1]] = photo[-1]
    if code_text:
        from kiosk.codec import qr_image

        card = qr_image(code_text, border=3, scale=7)
        if dim:  # a phone turned right down under a ceiling light: too faint for zbar
            card = (card * 0.1 + 120).astype(np.uint8)
        card = cv2.cvtColor(card, cv2.COLOR_GRAY2BGR)
        y, x = 200, (1280 - card.shape[1]) // 2
        frame[y:y + card.shape[0], x:x + card.shape[1]] = card
    return frame


def judge(settings) -> dict:
    """(frame, report) of each scene, judged once by the real checks."""
    from kiosk.checks import Analyser

    with Analyser(settings, mode="image") as analyser:
        scenes = {name: scene(name) for name in (PASSING, FAILING, LOOKS)}
        scenes["far"] = scene(PASSING, scale=0.62)  # too far from the camera: come closer
        return {name: (image, analyser.analyse(image)) for name, image in scenes.items()}


def stand_in_printers(pdf: Path):
    """Two printers as CUPS names them, both writing `pdf`: this machine may have none."""
    from PySide6.QtPrintSupport import QPrinter

    from kiosk.ui.printer import Printers

    class StandIn(Printers):
        def names(self) -> tuple[str, ...]:
            return ("Photo_Printer", "Office_Laser")

        def printer(self, name: str) -> QPrinter:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(pdf))
            return printer

    return StandIn()


def render_all(settings, judged, language: str, size: tuple[int, int], suffix: str, out: Path) -> list[str]:
    import cv2

    from kiosk.app import kiosk_desk, qt_application

    app = qt_application()
    from kiosk import paths
    from kiosk import session as s
    from kiosk.camera import Frame
    from kiosk.clock import FakeClock
    from kiosk.codec import DemoCodec, new_code
    from kiosk.codereader import CodeReader
    from kiosk.store.store import IdentityResult
    from kiosk.store import RosterEntry, Store
    from kiosk.ui.window import KioskWindow

    clock = FakeClock()

    def open_store():
        return Store.from_settings(settings, clock)

    with open_store() as store:  # the roster knows this code: today's list shows the masked name
        store.import_roster([RosterEntry(CODE, "S2026001", "张三丰", "310101200001011234", "数学学院")],
                            "screens", "roster.csv")
    desk = kiosk_desk(settings, open_store, stand_in_printers(paths.data_dir(settings) / "printed.pdf"))
    session = s.Session(settings, clock, desk)
    lock = s.OperatorLock(s.photographer_pins(settings), 5, 60, clock)
    current = {"frame": None}
    window = KioskWindow(settings, session.handle, lambda: current["frame"], lock, 30)
    session.subscribe(window.show_view)
    window.show_view(session.view())  # as kiosk.app does: the first screen before any event
    window.resize(*size)
    window.show()
    written: list[str] = []
    count = [0]

    def show(image):
        count[0] += 1
        current["frame"] = Frame(image, count[0], clock.now())

    def shot(name: str) -> None:
        for _ in range(5):
            app.processEvents()
        window._poll_camera()
        app.processEvents()
        file = f"{language}-{len(written) + 1:02d}-{name}{suffix}.png"
        window.grab().save(str(out / file))
        written.append(file)

    def guide(name: str) -> None:
        """Guidance on a judged scene, long enough for its instructions to show."""
        image, report = judged[name]
        show(image)
        for _ in range(2):  # instructions appear once their check failed for the delay
            session.handle(s.Analysed(image, report))
            clock.advance(settings.kiosk.instruction_delay_s + 0.05)
        session.handle(s.Analysed(image, report))

    session.handle(s.SetLanguage(language))
    code_text = DemoCodec().encode(CODE, "张*丰", "3101**********1234")
    show(scene(None, code_text))
    shot("waiting")
    window.show_view(dataclasses.replace(session.view(), state=s.State.SCANNING))  # lasts a blink live
    shot("scanning")
    session.handle(s.CodeRead(code_text))
    shot("confirming")
    session.handle(s.Confirm())
    guide(FAILING)
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
    reviewed = session.view().capture
    for item in s.APPEARANCE:  # the student confirms what no check can tell
        session.handle(s.ConfirmAppearance(item, True))
    session.handle(s.Accept())
    shot("saved")
    session.handle(s.Confirm())
    session.handle(s.SetLanguage(language))
    session.handle(s.CodeRead(code_text))
    shot("error-code-taken")
    session.handle(s.Retry())
    session.handle(s.SetLanguage(language))
    show(scene(None, "https://example.com/a-poster"))
    session.handle(s.CodeRead("https://example.com/a-poster"))
    shot("error-not-a-code")
    session.handle(s.Retry())
    session.handle(s.SetLanguage(language))

    # The photographer: the PIN, replacing the stored photo, a manual shot of a failing
    # frame, overrides, today's list, voiding, closing.
    window.ask_pin()
    window.dialog.entry.setText("1111")
    window.dialog.submit()
    shot("operator-pin")
    window.dialog.entry.setText("2468")
    window.dialog.submit()
    session.handle(s.CodeRead(code_text))
    shot("operator-code-taken")
    session.handle(s.Ask("replace"))
    window.dialog.choices[0].click()
    shot("operator-replace-reason")
    window.dialog.submit()
    session.handle(s.Confirm())
    guide(FAILING)
    shot("operator-guiding")
    session.handle(s.Shutter())
    shot("operator-review")
    blocking = session.view().capture.blocking
    session.handle(s.Ask("override", blocking[0].id))
    window.dialog.choices[1].click()
    shot("operator-override-reason")
    window.dialog.submit()
    session.handle(s.ConfirmAppearance("dyed_hair", True))
    shot("operator-override")
    for result in blocking[1:]:
        session.handle(s.Override(result.id, "医疗原因：颈托" if language == "zh" else "Medical: neck brace"))
    for item in s.APPEARANCE:
        session.handle(s.ConfirmAppearance(item, True))
    session.handle(s.Accept())
    session.handle(s.Confirm())  # the next student: photographer mode ends with the last one
    session.handle(s.OperatorOn("HK-01 photographer"))
    session.handle(s.SetLanguage(language))
    with open_store() as store:  # two more of the day: one to be voided, one voided already
        for moment, code in enumerate((new_code(), new_code()), start=1):
            # Each student's own frame: the store refuses one picture for two codes.
            jpeg, master = session_photo(cv2.add(judged[PASSING][0], moment), desk, judged[PASSING][1])
            store.save_capture(code, master, jpeg, judged[PASSING][1].results, operator="self-service")
        store.void(code, "HK-01 photographer", "taken twice")
    session.handle(s.Ask("today"))
    window.dialog.table.selectRow(1)
    shot("operator-today")
    session.handle(s.Ask("void", window.dialog.selected_code()))
    window.dialog.choices[1].click()
    shot("operator-void-reason")
    session.handle(s.Dismiss())
    session.handle(s.Dismiss())
    session.handle(s.Ask("close"))
    shot("operator-close")
    session.handle(s.Dismiss())
    session.handle(s.OperatorOff())

    # A code the camera sees but zbar cannot read: after a while the waiting screen says
    # what to change. The real reader decides, as the worker would.
    image = scene(None, code_text, dim=True)
    show(image)
    read, seen, _ = CodeReader(settings.kiosk.qr_scan_width).scan(image, look=True)
    assert read is None and seen, "the dim code should be seen and not read"
    for _ in range(round(settings.kiosk.unreadable_code_s / 0.1) + 2):
        clock.advance(0.1)
        session.handle(s.CodeSeen())
    shot("waiting-unreadable-code")

    # The rules on the face parsing guide too: a fringe over the brows, hair over the ears;
    # and a student too far away is asked to come closer, with the pictogram.
    session.handle(s.CodeRead(DemoCodec().encode(new_code(), "李*四", "3101**********5678")))
    session.handle(s.Confirm())
    guide(LOOKS)
    shot("guiding-hair")
    guide("far")
    shot("guiding-closer")

    # A camera that fell back to 640x480: the student waits, the photographer reads the fix.
    session.handle(s.FrameSize(640, 480))
    shot("camera-small")
    session.handle(s.OperatorOn(f"{settings.station.id} photographer"))
    shot("operator-camera-small")
    session.handle(s.FrameSize(settings.camera.width, settings.camera.height))

    # Prints for the student (加印), from today's list: a full sheet sent, and the count.
    session.handle(s.Cancel())
    session.handle(s.SetLanguage(language))
    session.handle(s.Ask("today"))
    session.handle(s.Ask("print", CODE))
    window.dialog.copies[-1].click()
    shot("operator-print")
    session.handle(s.OperatorOff())

    # The identity pre-check ([identity] enabled, a reference photo on file): the student is
    # asked first; the verdict on review, with what raises a low score for the photographer.
    window.show_view(dataclasses.replace(session.view(), state=s.State.CONFIRMING, asking_consent=True,
                                         student=reviewed.student, dialog=None))
    shot("consent")
    view = dataclasses.replace(session.view(), state=s.State.REVIEWING, dialog=None,
                               capture=dataclasses.replace(reviewed, identity=IdentityResult(0.86, "likely")))
    window.show_view(view)
    shot("reviewing-identity")
    window.show_view(dataclasses.replace(view, operator=f"{settings.station.id} photographer", operator_left=600,
                                         capture=dataclasses.replace(reviewed, identity=IdentityResult(0.52, "unsure"))))
    shot("operator-review-identity")
    desk.close()
    window.allow_close = True
    window.close()
    return written


def session_photo(image, desk, report) -> tuple[bytes, bytes]:
    """(deliverable JPEG, master PNG) of a judged frame, as a capture stores them."""
    import cv2

    return desk.render(image, report), cv2.imencode(".png", image)[1].tobytes()


if __name__ == "__main__":
    main()
