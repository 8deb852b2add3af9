"""The screens as a student and a photographer meet them (issue 10): the real window
(offscreen) over a real session, a real store and the real checks' judgements of licensed
photos; keys and clicks on the window, in Chinese and in English, on a 1920x1080 screen,
a 1366x768 one and an upright 1080x1920 one.

The test stands in for the camera and the worker thread: it hands the session the judged
frames and moves the fake clock; the window posts to the session directly, so each key or
click is handled before the next one (test_ui.py runs the real worker thread).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QPushButton
from helpers import paint_mask
from pyzbar.pyzbar import decode

from kiosk import session as s
from kiosk.camera import Frame
from kiosk.codec import DemoCodec, new_code
from kiosk.messages import reasons, rule_name, text
from kiosk.session import State
from kiosk.store import RosterEntry, Store
from kiosk.ui import style
from kiosk.ui.printer import Printers

# cv2 points Qt at its own plugins on import; undo it before pytest-qt makes the QApplication.
os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)

PHOTOS = Path(__file__).parent / "photos"
PASSING = "london_synthetic__blue_005.jpg"  # compliant
FAILING = "london_synthetic__roll12_005.jpg"  # head tilted 12 degrees (and shoulders not level)
BACKDROP = (255, 197, 100)  # BGR of the spec's light blue
PIN = "2468"  # the demo PIN of config.toml
MM_PER_PX = 0.2745  # a 24-inch 1920x1080 screen
LANDSCAPE, SMALL, UPRIGHT = (1920, 1080), (1366, 768), (1080, 1920)
ROSTER = RosterEntry("2026SH0042", "S042", "王小明", "440301200101015678", "物理学院")


def person_frame(name: str, scale: float = 1.0, right_px: int = 0) -> np.ndarray:
    """A 1280x720 camera frame: the backdrop and the person of tests/photos/`name`, `scale`
    times the usual size: smaller is further from a camera at the height of the face, so
    the picture shrinks toward the frame's middle (the body goes on below it, as a body
    does), and `right_px` to the right in the camera's (unmirrored) picture."""
    frame = np.full((720, 1280, 3), BACKDROP, np.uint8)
    if name:
        photo = cv2.imread(str(PHOTOS / name))
        side = round(712 * scale)
        photo = cv2.resize(photo, (round(photo.shape[1] * side / photo.shape[0]), side), interpolation=cv2.INTER_AREA)
        x, y = (1280 - photo.shape[1]) // 2 + right_px, (720 - side) // 2
        frame[y:y + side, x:x + photo.shape[1]] = photo
        frame[y + side:, x:x + photo.shape[1]] = photo[-1]
    return frame


@pytest.fixture(scope="module")
def judged(models):
    """(frame, report) of each scene, judged once by the real checks."""
    from kiosk.checks import Analyser
    from kiosk.config import load_settings

    scenes = {"pass": person_frame(PASSING), "fail": person_frame(FAILING), "empty": person_frame(""),
              "far": person_frame(PASSING, 0.62), "aside": person_frame(PASSING, right_px=-250),
              "smiling": person_frame("london__smiling_009.jpg")}
    scenes["grey"] = cv2.cvtColor(cv2.cvtColor(scenes["pass"], cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    with Analyser(load_settings(), mode="image") as analyser:
        out = {name: (frame, analyser.analyse(frame)) for name, frame in scenes.items()}
        analyser.analyse(scenes["pass"])
        face, width = analyser.last_context.face, analyser.last_context.face_width
        masked = paint_mask(scenes["pass"], face, width, (250, 250, 250))  # a white mask
        out["masked"] = (masked, analyser.analyse(masked))
    assert out["pass"][1].accepted and not out["fail"][1].accepted and out["empty"][1].crop_box is None
    assert any("closer" in r.message_en for r in out["far"][1].failures)
    assert out["aside"][1].accepted  # off the middle, but the whole photo can be cut there
    return out


class PdfPrinter(Printers):
    """A photo printer that is a PDF file, written by a real QPrinter: stands in for the
    hardware. `names` () is a computer with no printer set up."""

    NAME = "Photo_Printer"

    def __init__(self, path: Path, names: tuple[str, ...] = (NAME,)) -> None:
        self.path, self._names = path, names

    def names(self) -> tuple[str, ...]:
        return self._names

    def printer(self, name: str) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(self.path))
        return printer


class Station:
    """The kiosk window over a session; the test is its camera (show()) and its clock, and
    `printer` its printer."""

    def __init__(self, qtbot, settings, clock, judged, size, language, printer: PdfPrinter, demo: bool = False) -> None:
        from kiosk.app import kiosk_desk
        from kiosk.ui.window import KioskWindow

        self.qtbot, self.settings, self.clock, self.judged = qtbot, settings, clock, judged
        self.open_store = lambda: Store.from_settings(settings, clock)
        with self.open_store() as store:
            store.import_roster([ROSTER], "test", "roster.csv")
        self.printer = printer
        self.desk = kiosk_desk(settings, self.open_store, printer, demo)
        self.session = s.Session(settings, clock, self.desk)
        op = settings.operator
        lock = s.OperatorLock(s.photographer_pins(settings), op.pin_attempts, op.lockout_s, clock)
        self.frame = None
        self.count = 0
        self.window = KioskWindow(settings, self.session.handle, lambda: self.frame, lock, 30)
        qtbot.addWidget(self.window)
        self.session.subscribe(self.window.show_view)
        self.window.show_view(self.session.view())
        self.window.resize(*size)
        with qtbot.waitActive(self.window):
            self.window.show()
            self.window.activateWindow()
        self.language = language
        self.speak()

    def speak(self) -> None:
        """The student switches to their language (each student starts in the station's)."""
        if self.view.language != self.language:
            self.click(self.window.language_button)
        assert self.view.language == self.language

    @property
    def view(self) -> s.View:
        return self.window.view

    def say(self, key: str, **params) -> str:
        return text(key, self.language, **params)

    def show(self, scene: str, seconds: float = 0.0) -> None:
        """The camera sees `scene` for `seconds` of the session's time, as the worker runs it."""
        image, report = self.judged[scene]
        for _ in range(max(1, round(seconds / 0.1))):
            self.count += 1
            self.frame = Frame(image, self.count, self.clock.now())
            self.session.handle(s.Analysed(image, report))
            self.session.handle(s.Tick())
            self.clock.advance(0.1)
        self.window._poll_camera()
        QApplication.processEvents()

    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.session.handle(s.Tick())

    def click(self, widget) -> None:
        assert widget.isVisible(), f"{widget} is not on screen"
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)

    def key(self, key) -> None:
        self.qtbot.keyClick(self.window, key)

    def scan(self, code_text: str) -> None:
        """The student picks their language; a handheld scanner types the code and Enter."""
        self.speak()
        self.qtbot.keyClicks(self.window, code_text)
        self.key(Qt.Key.Key_Return)

    def unlock(self) -> None:
        """F12, the PIN on the on-screen keypad, OK."""
        self.key(Qt.Key.Key_F12)
        for digit in PIN:
            self.click(self.window.dialog.keys[digit])
        self.click(self.window.dialog.ok)
        assert self.view.operator is not None

    def to_guiding(self, code_text: str | None = None) -> None:
        self.scan(code_text or DemoCodec().encode(new_code(), "张*三", "3101**********1234"))
        assert self.view.state is State.CONFIRMING
        self.key(Qt.Key.Key_Return)
        assert self.view.state is State.GUIDING

    def photograph(self, scene: str = "pass") -> None:
        """The student holds still through the countdown."""
        settings = self.settings.capture
        self.show(scene, settings.steady_s + settings.countdown_s + 0.3)
        assert self.view.state is State.REVIEWING

    def shutter(self, scene: str) -> None:
        """The photographer unlocks and takes `scene` by hand, failing checks and all."""
        self.to_guiding()
        self.unlock()
        self.show(scene, 1.0)
        self.click(self.window.shutter_button)

    def accept(self) -> None:
        """The student ticks the three lines no check can tell, then Enter: "use this photo"."""
        for box in self.window.confirm_boxes.values():
            if not box.isChecked():
                self.click(box)
        self.key(Qt.Key.Key_Return)
        assert self.view.state is State.SAVED

    def visible_buttons(self, widget) -> list[QPushButton]:
        return [b for b in widget.findChildren(QPushButton) if b.isVisible()]


@pytest.fixture
def station(qtbot, settings, fake_clock, judged, tmp_path):
    made = []

    def make(language: str = "zh", size=LANDSCAPE, printer: PdfPrinter | None = None, demo: bool = False) -> Station:
        printer = printer or PdfPrinter(tmp_path / "printed.pdf")
        made.append(Station(qtbot, settings, fake_clock, judged, size, language, printer, demo))
        return made[-1]

    yield make
    for made_station in made:
        made_station.desk.close()
        made_station.window.allow_close = True


def test_the_station_is_named_in_the_screens_language(station, settings):
    assert station("zh").window.station.text() == settings.station.name
    assert station("en").window.station.text() == settings.station.name_en == "Hongkou centre, station 1"


def offers_no_photographer_action(station: Station) -> None:
    window = station.window
    assert not window.operator_bar.isVisible()
    assert not window.replace_button.isVisible() and not window.void_button.isVisible()
    assert not window.print_button.isVisible()
    assert not [b for b in station.visible_buttons(window.review_page) if b.text() == station.say("review.override")]
    assert window.dialog is None and not window.overlay.isVisible()


# -- photographer actions: never for a student ------------------------------------------


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_student_walks_every_screen_and_is_offered_no_photographer_action(station, language):
    station = station(language)
    window = station.window
    seen = []

    def look():
        seen.append(station.view.state)
        offers_no_photographer_action(station)

    look()  # waiting
    code_text = DemoCodec().encode(new_code(), "张*三", "3101**********1234")
    station.scan(code_text)
    look()  # confirming
    # A student who reads only the other language sees what is asked, smaller, under the title.
    other = "en" if language == "zh" else "zh"
    assert window.confirm_title_other.isVisible()
    assert window.confirm_title_other.text() == text("confirm.title", other) != window.confirm_title.text()
    assert window.confirm_title_other.font().pixelSize() < window.confirm_title.font().pixelSize()
    station.key(Qt.Key.Key_Return)
    station.show("fail", 1.0)
    look()  # guiding
    station.key(Qt.Key.Key_Return)  # Enter is the photographer's shutter: refused
    assert station.view.state is State.GUIDING
    station.show("pass", 0.3)
    look()  # holding
    station.photograph()
    look()  # reviewing
    # What no check can tell, the student confirms for themselves, in their own words.
    assert [box.text() for box in window.confirm_boxes.values() if box.isVisible()] == [
        station.say(f"review.student_confirm_{item}") for item in s.APPEARANCE]
    assert window.accept_button.property("role") == "unready"  # it does not look ready...
    boxes = [box.geometry() for box in window.confirm_boxes.values()]
    station.click(window.accept_button)  # ...and a tap says what is missing, in the title's place
    assert station.view.state is State.REVIEWING
    assert window.appearance_title.text() == station.say("review.needs_student_confirm")
    assert [box.geometry() for box in window.confirm_boxes.values()] == boxes, "the boxes stay under the finger"
    for box in window.confirm_boxes.values():
        station.click(box)
    assert window.accept_button.property("role") == "primary"
    assert window.appearance_title.text() == station.say("review.student_confirm_title")
    station.accept()
    look()  # saved
    station.key(Qt.Key.Key_Return)
    station.scan(code_text)  # the same code again
    look()  # error: this code already has a photo
    assert seen == [State.WAITING, State.CONFIRMING, State.GUIDING, State.HOLDING, State.REVIEWING, State.SAVED,
                    State.ERROR]
    assert window.error_title.text() == station.say("error.code_taken_title")
    assert station.say("error.title") not in window.error_title.text()  # says what happened
    assert ("找摄影师" if language == "zh" else "see the photographer") in window.error_text.text()
    assert [b.text() for b in station.visible_buttons(window.error_page)] == [station.say("error.back")]

    # The photographer comes: the screen is drawn again for photographer mode...
    station.unlock()
    assert window.replace_button.isVisible() and window.replace_button.text() == station.say("error.replace")
    # ...and goes again: the replace goes with the mode, and Enter leads back to the start,
    # never to a confirm screen that would replace the stored photo.
    station.click(window.leave_button)
    offers_no_photographer_action(station)
    station.key(Qt.Key.Key_Return)
    assert station.view.state is State.WAITING and station.view.student is None


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_second_code_of_a_photographed_person_is_sent_to_the_photographer(station, language):
    """A trial photographed one person under two codes the roster gave the same ID number; the
    upload held both photos. The second code is refused before the camera, naming the first."""
    station = station(language)
    with station.open_store() as store:
        store.import_roster([dataclasses.replace(ROSTER, code="2026SH0099")], "test", "late.csv")
    station.to_guiding(ROSTER.code)
    station.photograph()
    station.accept()
    station.key(Qt.Key.Key_Return)
    station.scan("2026SH0099")
    assert station.view.state is State.ERROR
    assert station.window.error_title.text() == station.say("error.code_twice_title")
    assert ROSTER.code in station.window.error_text.text() and ROSTER.id_number not in station.window.error_text.text()
    with station.open_store() as store:
        assert store.accepted("2026SH0099") is None


def test_the_code_taken_screen_goes_back_to_waiting_soon(station, settings):
    station = station("en")
    code_text = DemoCodec().encode(new_code(), "张*三", "3101**********1234")
    station.to_guiding(code_text)
    station.photograph()
    station.accept()
    station.key(Qt.Key.Key_Return)
    station.scan(code_text)
    assert station.window.pages.currentWidget() is station.window.error_page
    station.wait(settings.kiosk.saved_screen_s + 0.1)
    assert station.window.pages.currentWidget() is station.window.preview
    # Ready for the next student, in the station's language.
    assert station.window.preview.shown_lines == [text("waiting.title", settings.station.language)]


def test_a_photographer_with_a_pin_of_their_own_is_named_on_the_badge_and_in_the_store(
        qtbot, settings, fake_clock, judged, tmp_path):
    """Several photographers on one station: the PIN says who overrode a rule for this photo."""
    own = {"王伟": s.hash_pin("1357", iterations=1000)}
    named = dataclasses.replace(settings, operator=dataclasses.replace(settings.operator, photographers=own))
    station = Station(qtbot, named, fake_clock, judged, LANDSCAPE, "zh", PdfPrinter(tmp_path / "printed.pdf"))
    try:
        window = station.window
        station.to_guiding()
        station.key(Qt.Key.Key_F12)
        for digit in "1357":
            station.click(window.dialog.keys[digit])
        station.click(window.dialog.ok)
        assert station.view.operator == "王伟"
        assert window.badge.text().startswith("摄影师 王伟 · 剩余")
        station.show("smiling", 1.0)  # fails one rule: lips closed
        station.click(window.shutter_button)
        [row] = window.failed_rows
        station.click([b for b in station.visible_buttons(row) if b.text() == station.say("review.override")][0])
        station.click(window.dialog.choices[0])
        station.click(window.dialog.ok)
        code = station.view.capture.student.code
        station.accept()
        with station.open_store() as store:
            stored = store.accepted(code)
        assert stored.operator == "王伟" and stored.overrides
    finally:
        station.desk.close()
        station.window.allow_close = True


def test_the_photographer_replaces_a_stored_photo_with_a_reason_tapped(station, settings):
    station = station("zh")
    window = station.window
    code = new_code()
    code_text = DemoCodec().encode(code, "张*三", "3101**********1234")
    station.to_guiding(code_text)
    station.photograph()
    station.accept()
    station.key(Qt.Key.Key_Return)
    station.unlock()
    station.scan(code_text)
    station.key(Qt.Key.Key_Return)  # in photographer mode the screen's main action: replace, with a reason
    dialog = window.dialog
    assert dialog.title.text() == station.say("error.replace_reason")
    assert not dialog.ok.isEnabled()  # no reason yet
    station.click(dialog.choices[1])
    assert dialog.entry.text() == reasons("replace", "zh")[1] and dialog.ok.isEnabled()
    station.click(dialog.ok)
    assert station.view.state is State.CONFIRMING and station.view.student.replace == reasons("replace", "zh")[1]
    assert window.confirm_replace.text() == station.say("confirm.replace")
    station.key(Qt.Key.Key_Return)
    station.photograph()
    # The review says what accepting does to the stored photo, not only the confirm screen.
    assert window.review_title.text() == station.say("review.title_replace")
    assert window.accept_button.text() == station.say("review.accept_replace")


# -- the picture belongs to the student -------------------------------------------------


def _camera_alone(preview) -> QImage:
    """What the preview would show of the camera frame with nothing drawn over it."""
    image = QImage(preview.size(), QImage.Format.Format_RGB32)
    image.fill(QColor("black"))
    painter = QPainter(image)
    painter.translate(preview.picture.right(), preview.picture.top())
    painter.scale(-1, 1)
    painter.drawImage(QRectF(0, 0, preview.picture.width(), preview.picture.height()), preview.image, preview.source)
    painter.end()
    return image


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    rows = np.array(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, :image.width() * 4].reshape(image.height(), image.width(), 4)


@pytest.mark.parametrize("size", [LANDSCAPE, SMALL, UPRIGHT], ids=["1920x1080", "1366x768", "1080x1920"])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_nothing_covers_the_head_and_shoulders(station, size, language, settings):
    station = station(language, size)
    preview = station.window.preview
    station.to_guiding()
    def look(name: str) -> None:
        # Every text, chip, pictogram, ring and number lies outside the crop outline...
        for item in preview.items:
            assert not item.rect.intersects(preview.target), f"{name}: {item.kind} {item.text!r} over the person"
        # ...and so, inside it, the screen shows the camera's picture: only the outline, the
        # head oval and the dotted crop differ (a band of text would change a fifth of it).
        inside = preview.target.toAlignedRect().adjusted(12, 12, -12, -12)
        shown, camera = (_pixels(i.copy(inside)).astype(int) for i in (preview.grab().toImage(),
                                                                      _camera_alone(preview)))
        changed = (np.abs(shown - camera).max(axis=2) > 40).mean()
        assert changed < 0.04, f"{name}: {changed:.0%} of the head-and-shoulders area is covered"

    station.show("fail", 1.0)
    look("guiding")
    station.show("empty", 1.5)
    assert preview.shown_lines == [station.say("guide.no_face")]
    # The face rule's chip says no face was found, not "only you in view" in red.
    chips = [item.text for item in preview.items if item.kind == "chip"]
    assert any(chip.endswith(text("rule.one_face.none", language)) for chip in chips), chips
    assert not any(chip.endswith(text("rule.one_face", language)) for chip in chips), chips
    look("no face")
    station.show("pass", settings.capture.steady_s * 0.5)
    look("holding")
    station.show("pass", settings.capture.steady_s * 0.5 + 0.2)
    assert station.view.countdown is not None
    look("countdown")
    # The panel is beside the picture on a wide screen, below it on an upright one.
    if size[0] > size[1]:
        assert preview.panel.left() >= preview.picture.right()
    else:
        assert preview.panel.top() >= preview.picture.bottom()


@pytest.mark.parametrize("size", [LANDSCAPE, UPRIGHT], ids=["1920x1080", "1080x1920"])
def test_a_student_off_the_middle_is_shown_in_the_middle_of_the_picture(station, size):
    """The photo is cut around the student wherever the whole of it can be, so the preview
    follows a student standing off the middle: they see themselves in the outline, not half
    under the panel, and the cut's outline never crosses the panel."""
    station = station("en", size)
    preview = station.window.preview
    station.to_guiding()
    station.show("aside", 0.5)
    cut = preview._to_screen(*station.view.crop_box)
    assert preview.picture.contains(cut.adjusted(2, 2, -2, -2)), (cut, preview.picture)
    assert abs(cut.center().x() - preview.target.center().x()) < preview.target.width() * 0.1
    station.show("pass", 0.5)  # back in the middle: about the middle is shown again
    assert abs(preview.source.center().x() - 640) < 10


@pytest.mark.parametrize("language", ["zh", "en"])
def test_instructions_with_a_direction_carry_a_pictogram_readable_from_1_5_m(station, language):
    station = station(language)
    preview = station.window.preview
    station.to_guiding()
    station.show("fail", 1.0)
    lines = [item for item in preview.items if item.kind == "line"]
    pictures = [item for item in preview.items if item.kind == "pictogram"]
    assert [line.text.lower() for line in lines][0].startswith(
        "头向右肩歪了" if language == "zh" else "your head leans to your right")
    # Which way: the words say "straighten to the left", the pictogram turns the head left.
    assert [p.picture for p in pictures] == ["tilt_left", "shoulder_right"]
    for line, picture in zip(lines, pictures, strict=True):
        assert picture.rect.right() < line.rect.left()  # beside its words
        assert abs(picture.rect.center().y() - line.rect.center().y()) < picture.rect.height() / 2
        # 40 mm and more on a 24-inch screen: about 1.5 degrees from 1.5 m.
        assert picture.rect.height() * MM_PER_PX >= 40
        # The line's letters: a hanzi's or a capital's ink at least 10 mm high, 23 arcmin from
        # 1.5 m (reading at a glance asks 20-22; long English may shrink to this, hanzi do not).
        ink = QFontMetricsF(line.font).tightBoundingRect("头" if language == "zh" else "H").height()
        assert ink * MM_PER_PX >= 10, f"{ink} px"
    station.show("far", 1.0)
    assert [p.picture for p in preview.items if p.kind == "pictogram"] == ["closer"]
    assert preview.shown_lines[0].lower().startswith("请靠近" if language == "zh" else "come a little closer")


@pytest.mark.parametrize("language, size", [("zh", LANDSCAPE), ("zh", UPRIGHT), ("en", LANDSCAPE)],
                         ids=["zh-1920x1080", "zh-1080x1920", "en-1920x1080"])
def test_each_instruction_says_it_in_the_other_language_under_it(station, size, language):
    """A student who reads only one of the two stands 1.5 m from the language button: the
    guidance says each instruction in the other language too, smaller, under it (in English
    on a 1920x1080 screen the two Chinese lines went: a trial). Two long English instructions
    on an upright screen still leave them out: the chips take its room."""
    station = station(language, size)
    other = "en" if language == "zh" else "zh"
    preview = station.window.preview
    # Before anything, what to do: show the capture code.
    assert [item.text for item in preview.items if item.kind == "second"] == [text("waiting.title", other)]
    station.to_guiding()
    station.show("fail", 1.0)
    lines = [item for item in preview.items if item.kind == "line"]
    seconds = [item for item in preview.items if item.kind == "second"]
    assert [second.text.lower() for second in seconds][0].startswith(
        "your head leans to your right" if other == "en" else "头向右肩歪了")
    assert len(seconds) == len(lines) == 2
    for line, second in zip(lines, seconds, strict=True):
        assert second.rect.top() >= line.rect.bottom() and second.rect.left() == line.rect.left()
        assert second.font.pixelSize() < line.font.pixelSize()
        # A capital's ink at least 5 mm high: read from 1.5 m by someone who looks for it.
        assert QFontMetricsF(second.font).tightBoundingRect("H").height() * MM_PER_PX >= 5
    station.show("pass", 0.5)
    assert [item.text for item in preview.items if item.kind == "second"] == [text("holding.title", other)]


def wrapped(line) -> list[str]:
    """The rows a line's words are drawn in, as Qt breaks them in its box (after its own row
    break, if it has one)."""
    from PySide6.QtGui import QTextLayout

    rows = []
    for part in line.rows().split("\n"):
        layout = QTextLayout(part, line.font)
        layout.beginLayout()
        while (row := layout.createLine()).isValid():
            row.setLineWidth(line.rect.width())
            rows.append(part[row.textStart():row.textStart() + row.textLength()].strip())
        layout.endLayout()
    return rows


def test_a_long_instruction_wraps_in_even_rows_without_a_word_left_alone(station):
    """"Your head leans to your right: straighten it to the left" took two full rows and
    "left" alone on a third: read from 1.5 m as a separate word."""
    station = station("en")
    preview = station.window.preview
    station.to_guiding()
    station.show("fail", 1.0)
    lean = next(item for item in preview.items if item.kind == "line" and item.text.startswith("Your head leans"))
    rows = wrapped(lean)
    assert len(rows) > 1 and " ".join(rows) == lean.text
    assert all(len(row.split()) > 1 for row in rows), rows
    assert min(map(len, rows)) > 0.6 * max(map(len, rows)), rows


def test_a_two_row_instruction_breaks_after_its_colon(station):
    """On the upright screen the lean takes two rows: "...to your / right: straighten..." read
    "your / right" apart; the break goes after the clause instead."""
    station = station("en", UPRIGHT)
    preview = station.window.preview
    station.to_guiding()
    station.show("fail", 1.0)
    lean = next(item for item in preview.items if item.kind == "line" and item.text.startswith("Your head leans"))
    assert wrapped(lean) == ["Your head leans to your right:", "straighten it to the left"]


@pytest.mark.parametrize("size", [LANDSCAPE, UPRIGHT], ids=["1920x1080", "1080x1920"])
def test_a_two_row_instruction_breaks_after_its_comma_even_when_the_rest_is_longer(station, size):
    """"请摘下口罩，手和 / 头发不要挡住口鼻" read "手和" apart from "头发": Qt fills the first row
    past the comma when the part after it is the longer. A masked face is told that alone."""
    station = station("zh", size)
    preview = station.window.preview
    station.to_guiding()
    station.show("masked", 1.0)
    lines = [item for item in preview.items if item.kind == "line"]
    assert [line.text for line in lines] == ["请摘下口罩，手和头发不要挡住口鼻"]
    # Beside it, a masked face and the way the mask comes off.
    assert [item.picture for item in preview.items if item.kind == "pictogram"] == ["mask_off"]
    assert wrapped(lines[0]) == ["请摘下口罩，", "手和头发不要挡住口鼻"]


def test_a_face_lost_for_a_moment_changes_nothing_and_two_lines_never_repeat(station):
    station = station("zh")
    preview = station.window.preview
    station.to_guiding()
    station.show("fail", 1.0)
    told = list(preview.shown_lines)
    assert len(told) == 2 and told[0] != told[1]
    station.show("empty", 0.3)  # the tracker loses the face for a few frames
    assert preview.shown_lines == told
    station.show("empty", 1.0)
    assert preview.shown_lines == ["请站到摄像头前，正对镜头"]  # once, not on both lines


# -- review -----------------------------------------------------------------------------


def _in_view(widget, scroll) -> bool:
    top_left = widget.mapTo(scroll.viewport(), QPoint(0, 0))
    rect = widget.rect().translated(top_left)
    return scroll.viewport().rect().contains(rect)


@pytest.mark.parametrize("size", [LANDSCAPE, SMALL, UPRIGHT], ids=["1920x1080", "1366x768", "1080x1920"])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_review_photo_is_large_and_failed_checks_lead_in_view_with_what_was_measured(station, size, language):
    station = station(language, size)
    window = station.window
    station.to_guiding()
    station.unlock()
    station.show("fail", 1.0)
    station.click(window.shutter_button)
    assert station.view.state is State.REVIEWING
    photo = window.review_photo.shown_rect()
    # The photo the student checks: most of the screen's height beside the checks, or
    # more than a third of an upright screen above them (it was a quarter).
    assert photo.height() / size[1] >= (0.7 if size[0] > size[1] else 0.35)
    assert photo.width() / photo.height() == pytest.approx(480 / 640, abs=0.01)
    failed = window.failed_rows
    assert len(failed) == len(station.view.capture.blocking) == 2
    roll = failed[0].findChildren(type(window.review_title))
    words = " ".join(label.text() for label in roll)
    assert ("头部歪斜" in words and "上限" in words) if language == "zh" else ("head tilted" in words and "limit" in words)
    scroll = window.review_scroll
    assert all(_in_view(row, scroll) for row in failed)
    # The photographer scrolls down the passed checks, retakes: the next photo's list
    # starts at its top again, the failed checks in view.
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    station.key(Qt.Key.Key_Escape)
    assert station.view.state is State.GUIDING
    station.show("fail", 1.0)
    station.click(window.shutter_button)
    assert scroll.verticalScrollBar().value() == 0
    assert all(_in_view(row, scroll) for row in window.failed_rows)


def settle() -> None:
    """A few turns of the event loop, as the station has between two frames: rows added to
    a list show, and its layout follows, a turn later."""
    for _ in range(3):
        QApplication.processEvents()


def _list_rows(window) -> list:
    rows = window.review_list
    return [rows.itemAt(i).widget() for i in range(rows.count()) if rows.itemAt(i).widget() is not None]


@pytest.mark.parametrize("size", [LANDSCAPE, SMALL, UPRIGHT], ids=["1920x1080", "1366x768", "1080x1920"])
@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("photographer", [False, True], ids=["student", "photographer"])
def test_every_row_of_the_checks_is_in_view_and_a_notice_squeezes_none(station, size, language, photographer):
    station = station(language, size)
    window = station.window
    station.to_guiding()
    if photographer:  # two failed checks, one overridden: the longest list
        station.unlock()
        station.show("fail", 1.0)
        station.click(window.shutter_button)
        station.session.handle(s.Override(station.view.capture.blocking[0].id, reasons("override", language)[1]))
    else:
        station.photograph()
    settle()
    scroll = window.review_scroll
    rows = _list_rows(window)
    assert rows and all(_in_view(row, scroll) for row in rows)
    assert scroll.verticalScrollBar().maximum() == 0  # nothing to scroll to
    boxes, height = [box.geometry() for box in window.confirm_boxes.values()], scroll.height()
    station.key(Qt.Key.Key_Return)  # too soon: what is missing is said, above the three lines
    settle()
    assert window.appearance_title.property("role") == "notice"
    assert scroll.height() == height and all(_in_view(row, scroll) for row in _list_rows(window))
    assert [box.geometry() for box in window.confirm_boxes.values()] == boxes


@pytest.mark.parametrize("size", [LANDSCAPE, UPRIGHT], ids=["1920x1080", "1080x1920"])
def test_the_three_lines_title_is_an_instruction_read_from_where_the_student_stands(station, size):
    station = station("zh", size)
    window = station.window
    station.to_guiding()
    station.photograph()
    title = window.appearance_title
    assert title.text() == station.say("review.student_confirm_title")
    # As large as the body text and the lines it is about, in the text's colour (not grey).
    assert title.font().pixelSize() >= style.small(min(size)) and title.font().bold()
    assert title.palette().windowText().color() == style.TEXT
    assert title.font().pixelSize() >= next(iter(window.confirm_boxes.values())).font().pixelSize()


# -- photographer mode on a touch screen ------------------------------------------------


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_pin_entry_keeps_its_focus_and_has_a_keypad(station, language):
    station = station(language)
    window = station.window
    station.key(Qt.Key.Key_F12)
    dialog = window.dialog
    assert QApplication.focusWidget() is dialog.entry
    station.qtbot.keyClicks(QApplication.focusWidget(), "1111")
    station.click(dialog.ok)  # a wrong PIN, sent with the on-screen OK
    assert dialog.message.text() == station.say("operator.pin_wrong", left=4)
    assert QApplication.focusWidget() is dialog.entry  # the field still has the keys
    station.key(Qt.Key.Key_Return)  # an Enter on nothing is no try
    assert dialog.message.text() == station.say("operator.pin_prompt")
    station.qtbot.keyClicks(QApplication.focusWidget(), PIN)
    station.qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert station.view.operator is not None and window.dialog is None
    station.click(window.leave_button)
    station.key(Qt.Key.Key_F12)
    for digit in "9999999":  # typed on the keypad, corrected with its ⌫
        station.click(window.dialog.keys[digit])
    for _ in range(7):
        station.click(window.dialog.keys["⌫"])
    for digit in PIN:
        station.click(window.dialog.keys[digit])
    station.click(window.dialog.ok)
    assert station.view.operator is not None


def test_the_pin_ok_key_lines_up_with_its_row(station):
    station = station("en")
    station.key(Qt.Key.Key_F12)
    dialog = station.window.dialog
    QApplication.processEvents()
    ok, row = dialog.ok.geometry(), [dialog.keys[key].geometry() for key in "⌫0"]
    assert all(ok.top() == key.top() and ok.height() == key.height() for key in row)


def test_the_photographers_receipt_qr_has_its_quiet_zone(station):
    station = station("en")
    station.to_guiding()
    station.unlock()
    station.photograph()
    station.accept()
    assert station.window.print_button.isVisible()  # the photographer's receipt
    image = station.window.saved_qr.pixmap().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    pixels = np.array(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())[:, :image.width()]
    dark = np.argwhere(pixels < 128)
    top, left = dark.min(axis=0)
    finder = np.argmax(pixels[top, left:] >= 128)  # the finder pattern's top edge: 7 modules
    module = finder / 7
    quiet = min(top, left, image.height() - 1 - dark[:, 0].max(), image.width() - 1 - dark[:, 1].max())
    assert quiet >= 4 * module  # white modules on every side, not the page's grey
    assert [symbol.data.decode() for symbol in decode(pixels.copy())] == [station.view.receipt.qr_text]


def test_a_rule_two_checks_judge_is_one_row_and_one_override(station):
    """Teeth in a smile fail the lip gap and the inner mouth, both "lips closed": a sixth
    trial's review showed two rows, each with its own Override… to press."""
    station = station("en")
    window = station.window
    station.shutter("smiling")
    blocking = station.view.capture.blocking
    assert {"mouth_closed", "lips_parted"} <= {r.id for r in blocking}
    rules = [r.rule for r in blocking]
    assert len(window.failed_rows) == len(set(rules))  # one row per rule
    row = window.failed_rows[[*dict.fromkeys(rules)].index("mouth_closed")]
    [override] = [b for b in station.visible_buttons(row) if b.text() == station.say("review.override")]
    station.click(override)
    station.click(window.dialog.choices[0])
    station.click(window.dialog.ok)
    waived = dict(station.view.capture.overrides)
    assert waived.keys() == {"mouth_closed", "lips_parted"} and len(set(waived.values())) == 1


@pytest.mark.parametrize("language", ["zh", "en"])
def test_an_override_is_one_tap_in_a_modal_dimmed_dialog_in_the_screens_language(station, language):
    station = station(language)
    window = station.window
    station.to_guiding()
    station.unlock()
    station.show("fail", 1.0)
    station.click(window.shutter_button)
    override = [b for b in station.visible_buttons(window.failed_rows[0]) if b.text() == station.say("review.override")]
    station.click(override[0])
    dialog = window.dialog
    rule = station.view.capture.blocking[0]
    assert dialog.title.text() == station.say("review.override_reason", rule=text("rule." + rule.rule, language))
    assert [c.text() for c in dialog.choices] == reasons("override", language, rule.rule)
    # Modal and dimmed: the dialog is the only one, the rest of the window is darker and
    # a tap beside the dialog (on the language button) does nothing.
    from kiosk.ui.dialogs import Dialog

    assert [d for d in window.findChildren(Dialog) if d.isVisible()] == [dialog]
    corner = window.grab().toImage().pixelColor(5, window.height() // 2)
    assert corner.lightness() < 100
    station.qtbot.mouseClick(window, Qt.MouseButton.LeftButton,
                             pos=window.language_button.mapTo(window, window.language_button.rect().center()))
    assert station.view.language == language and window.dialog is dialog
    station.key(Qt.Key.Key_Escape)  # changed her mind
    assert window.dialog is None and station.view.capture.overrides == ()
    station.click(override[0] if override[0].isVisible() else
                  [b for b in station.visible_buttons(window.failed_rows[0])
                   if b.text() == station.say("review.override")][0])
    station.click(window.dialog.choices[0])
    station.click(window.dialog.ok)
    assert station.view.capture.overrides == ((rule.id, reasons("override", language, rule.rule)[0]),)
    assert window.dialog is None
    words = " ".join(label.text() for label in window.failed_rows[0].findChildren(type(window.review_title)))
    assert station.say("review.overridden", reason=reasons("override", language, rule.rule)[0]) in words


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_lost_camera_asks_the_student_to_wait_and_tells_the_photographer_what_to_check(station, language):
    """A trial's student was told "check the camera cable", with Cancel and Try again, on a
    camera only the photographer can reach."""
    station = station(language)
    window = station.window
    station.to_guiding()
    station.session.handle(s.CameraStatus("lost"))
    QApplication.processEvents()
    assert window.error_title.text() == station.say("error.wait_title")
    assert window.error_text.text() == station.say("error.camera_lost") and "cable" not in window.error_text.text()
    assert not window.retry_button.isVisible() and not window.cancel_button.isVisible()
    station.unlock()
    assert window.camera_fix.isVisible() and window.camera_fix.text() == station.say("camera.lost_fix")
    station.session.handle(s.CameraStatus("running"))
    QApplication.processEvents()
    assert station.view.state is State.GUIDING and not window.camera_fix.isVisible()


def test_a_black_and_white_photo_offers_no_override_for_its_colour(station):
    """No reason makes a black-and-white file the spec's 24-bit colour: the photographer can
    waive the rules that measure the student, not that one."""
    station = station("en")
    window = station.window
    station.shutter("grey")
    failed = [r.id for r in station.view.capture.blocking]
    assert "colour" in failed and len(failed) > 1, failed
    offered = [bool([b for b in station.visible_buttons(row) if b.text() == station.say("review.override")])
               for row in window.failed_rows]
    assert offered == [r != "colour" for r in failed]
    station.session.handle(s.Ask("override", "colour"))  # nor by any other way in
    station.session.handle(s.Override("colour", "test"))
    assert station.view.capture.overrides == () and station.view.dialog is None


@pytest.mark.parametrize("language", ["zh", "en"])
def test_todays_list_over_the_receipt_masked_marked_and_searchable_then_a_void(station, language):
    station = station(language)
    window = station.window
    station.unlock()
    station.scan(ROSTER.code)  # a roster student: the list shows the masked name
    station.key(Qt.Key.Key_Return)
    station.show("fail", 1.0)
    station.click(window.shutter_button)
    for result in station.view.capture.blocking:
        station.session.handle(s.Override(result.id, "medical"))
    overridden = list(dict.fromkeys(rule_name(r.rule, language) for r in station.view.capture.blocking))
    for box in window.confirm_boxes.values():
        station.click(box)
    station.click(window.accept_button)
    assert station.view.state is State.SAVED
    station.click(window.today_button)
    dialog = window.dialog
    assert dialog.title.text() == station.say("operator.today")
    # Over the receipt, not under it: what is on screen at the list's middle is the list.
    middle = dialog.mapTo(window, dialog.rect().center())
    assert window.childAt(middle) is dialog or dialog.isAncestorOf(window.childAt(middle))
    table = dialog.table
    cells = [table.item(0, column).text() for column in range(table.columnCount())]
    assert cells[1:3] == [ROSTER.code, "王*明"]
    # Which rules were overridden, by name, not only how many.
    assert station.say("operator.overridden", rules=("、" if language == "zh" else ", ").join(overridden)) in cells[3]
    station.key(Qt.Key.Key_Escape)
    other = new_code()  # meanwhile another station's photographer adds a photo (kiosk add)
    with station.open_store() as store:
        frame, report = station.judged["pass"]
        store.save_capture(other, cv2.imencode(".png", frame)[1].tobytes(), station.desk.render(frame, report),
                           report.results, operator="self-service")
    station.click(window.today_button)  # the list again, read afresh
    assert window.dialog.table.rowCount() == 2
    station.qtbot.keyClicks(window, other[:5].lower())  # the scanner, or a keyboard, types part of a code
    assert [window.dialog.table.item(r, 1).text() for r in range(window.dialog.table.rowCount())] == [other]
    window.dialog.table.selectRow(0)
    station.click(window.dialog.void_button)
    assert window.dialog.title.text() == station.say("operator.void_reason", code=other)
    reason = window.dialog.choices[3].text()
    station.click(window.dialog.choices[3])
    station.click(window.dialog.ok)
    assert window.dialog.message.text() == station.say("operator.void_done", code=other)
    statuses = {window.dialog.table.item(r, 1).text(): window.dialog.table.item(r, 3).text()
                for r in range(window.dialog.table.rowCount())}
    assert statuses[other] == station.say("status.voided") + station.say("operator.end_reason", reason=reason)
    # In the other language the tapped reason reads in that language too (a trial's Chinese list
    # said "已被重拍替换（原因：Student asked for a retake）").
    station.key(Qt.Key.Key_Escape)
    station.click(window.language_button)
    station.click(window.today_button)
    words = [window.dialog.table.item(r, 3).text() for r in range(window.dialog.table.rowCount())
             if window.dialog.table.item(r, 1).text() == other][0]
    again = "en" if language == "zh" else "zh"
    assert reasons("void", again)[3] in words and reason not in words


@pytest.mark.parametrize("language, demo, scheduled", [("zh", False, True), ("en", False, False), ("zh", True, False)])
def test_closing_asks_first_with_the_days_summary_and_the_export_reminder(station, language, demo, scheduled,
                                                                         monkeypatch):
    """The demo's store is removed on close: it reminds of no export. A station without the
    nightly export's timer promises no nightly export (a trial's did)."""
    import kiosk.doctor

    monkeypatch.setattr(kiosk.doctor, "nightly_export_scheduled", lambda: scheduled)
    station = station(language, demo=demo)
    window = station.window
    station.to_guiding()
    station.photograph()
    station.accept()
    station.unlock()
    station.click(window.exit_button)
    dialog = window.dialog
    assert dialog.title.text() == station.say("operator.close_title")
    assert dialog.summary.text() == station.say("operator.close_summary", accepted=1, overridden=0, retakes=0,
                                                voided=0, waiting=1)
    reminder = "operator.export_reminder" if scheduled else "operator.export_unscheduled"
    assert dialog.reminder.text() == station.say("operator.demo_removed" if demo else reminder, waiting=1)
    station.key(Qt.Key.Key_Return)  # a stray Enter (a sixth trial's closed the day)
    assert window.isVisible() and window.dialog is dialog
    station.key(Qt.Key.Key_Escape)
    assert window.isVisible() and window.dialog is None
    station.click(window.exit_button)
    close = [b for b in station.visible_buttons(window.dialog) if b.text() == station.say("operator.close_confirm")]
    station.click(close[0])
    assert not window.isVisible()


def test_photographer_mode_shows_the_time_it_has_left(station, settings):
    station = station("zh")
    window = station.window
    station.unlock()
    assert window.badge.text() == "摄影师模式 · 剩余 10:00"
    station.wait(settings.operator.timeout_s - 30)
    assert window.badge.text() == "摄影师模式 · 剩余 0:30"
    assert window.badge.property("role") == "badge_ending"
    station.wait(31)
    assert window.badge.text() == "" and not window.operator_bar.isVisible()
