"""The kiosk end to end, as a student meets it: a real window (offscreen), a file camera
playing a capture code and then a real photo, the real checks in VIDEO mode on the
worker thread, a real SQLite store. The session's clock is fake, so the hold-still
time and the countdown pass when the test says; the camera plays in real time.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QPushButton
from pyzbar.pyzbar import decode

from kiosk.camera import FileCamera
from kiosk.clock import SystemClock
from kiosk.codec import DemoCodec, new_code, qr_image
from kiosk.messages import text
from kiosk.session import State, verdict_of
from kiosk.store import RosterEntry, Store
from kiosk.commands.codes import write_code_image
from tests.helpers import kiosk as kiosk_command

# cv2 points Qt at its own (Qt 5) plugins on import; pytest-qt makes the QApplication
# later, so undo it here as kiosk.app does (offscreen happens to work, xcb would not).
os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)

PHOTOS = Path(__file__).parent / "photos"
PASSING = "london_synthetic__blue_005.jpg"  # compliant: light-blue backdrop, straight, eyes open
FAILING = "london_synthetic__roll12_005.jpg"  # the same person with the head tilted 12 degrees
BACKDROP = (255, 197, 100)  # BGR of the spec's light blue
WAIT_MS = 30_000  # generous: two cores also run the checks


def photographer_mode(qtbot, window) -> None:
    """F12 and the demo PIN, as the photographer does, once the window shows; waits for the
    photographer's bar."""
    qtbot.waitUntil(lambda: window.view is not None)
    qtbot.keyClick(window, Qt.Key.Key_F12)
    window.dialog.entry.setText("2468")
    window.dialog.submit()
    qtbot.waitUntil(lambda: window.view.operator is not None and window.operator_bar.isVisible(), timeout=WAIT_MS)


def canvas() -> np.ndarray:
    return np.full((720, 1280, 3), BACKDROP, np.uint8)


def person_frame(name: str) -> np.ndarray:
    """A photo as the station camera would frame it: 1280x720, the person in the middle."""
    photo = cv2.imread(str(PHOTOS / name))
    assert photo is not None, f"tests/photos/{name} is missing"
    side = 712
    scale = side / photo.shape[0]
    photo = cv2.resize(photo, (round(photo.shape[1] * scale), side), interpolation=cv2.INTER_AREA)
    frame = canvas()
    x = (1280 - photo.shape[1]) // 2
    frame[4:4 + side, x:x + photo.shape[1]] = photo
    return frame


def code_frame(text: str, tmp_path: Path) -> np.ndarray:
    """A phone held up to the camera showing the capture code."""
    write_code_image(text, tmp_path / "card.png")
    card = cv2.imread(str(tmp_path / "card.png"))
    frame = canvas()
    y, x = 150, (1280 - card.shape[1]) // 2
    frame[y:y + card.shape[0], x:x + card.shape[1]] = card
    return frame


def footage(tmp_path: Path, code_text: str, photo: str, code_frames: int = 10, person_frames: int = 600) -> Path:
    """Camera frames: the code held up briefly, then the person for long enough (40 s at
    15 fps) that no test sees the footage loop back to the code."""
    folder = tmp_path / "camera"
    folder.mkdir()
    cv2.imwrite(str(tmp_path / "code.png"), code_frame(code_text, tmp_path))
    cv2.imwrite(str(tmp_path / "person.png"), person_frame(photo))
    for i in range(code_frames + person_frames):
        (folder / f"{i:04d}.png").symlink_to(tmp_path / ("code.png" if i < code_frames else "person.png"))
    return folder


@pytest.fixture
def kiosk_for(qtbot, settings, fake_clock):
    made = []

    def make(folder: Path, fps: float = 15, start: bool = True):
        """The kiosk on a file camera playing `folder`, shown; started unless `start` is False
        (a test that listens to the session from the first view starts it itself)."""
        from kiosk import app

        kiosk = app.build(settings, FileCamera(folder, fps, SystemClock()), clock=fake_clock,
                          camera_clock=SystemClock())
        qtbot.addWidget(kiosk.window)
        kiosk.window.resize(1280, 800)
        kiosk.window.show()
        if start:
            kiosk.start()
        made.append(kiosk)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.stop()
        kiosk.window.allow_close = True


def state_is(kiosk, state):
    return lambda: kiosk.window.view is not None and kiosk.window.view.state is state


def test_scan_confirm_guide_capture_review_accept_and_store(qtbot, kiosk_for, tmp_path, fake_clock, settings):
    code = new_code()
    kiosk = kiosk_for(footage(tmp_path, DemoCodec().encode(code, "张*三", "3101**********1234"), PASSING))
    window = kiosk.window

    qtbot.waitUntil(state_is(kiosk, State.CONFIRMING), timeout=WAIT_MS)
    assert window.confirm_rows["confirm.name"][1].text() == "张*三"
    assert window.confirm_rows["confirm.id"][1].text() == "3101**********1234"
    qtbot.keyClick(window, Qt.Key.Key_Return)  # "that's me"

    # The checks pass on the real photo: the station holds, and the preview kept painting.
    qtbot.waitUntil(state_is(kiosk, State.HOLDING), timeout=WAIT_MS)
    assert window.preview.painted > 3
    assert all(verdict_of(r) in ("pass", "warn") for r in window.view.results)
    fake_clock.advance(settings.capture.steady_s + settings.capture.countdown_s + 0.1)
    qtbot.waitUntil(state_is(kiosk, State.REVIEWING), timeout=WAIT_MS)
    assert window.pages.currentWidget() is window.review_page
    assert window.review_photo.shown_rect().height() > window.height() / 2
    assert window.review_list.count() > 0

    tick_appearance(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_Return)  # accept
    qtbot.waitUntil(state_is(kiosk, State.SAVED), timeout=WAIT_MS)
    assert window.pages.currentWidget() is window.saved_page
    assert code in window.saved_lines.text()
    receipt = window.saved_qr.pixmap().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    pixels = np.array(receipt.constBits(), np.uint8).reshape(receipt.height(), receipt.bytesPerLine())
    assert [symbol.data.decode() for symbol in decode(pixels)] == [window.view.receipt.qr_text]
    kiosk.stop()
    with Store.from_settings(settings) as store:
        stored = store.accepted(code)
        assert stored is not None and stored.status == "accepted"
        deliverable = cv2.imread(str(stored.images["deliverable"].path))
        assert deliverable.shape[:2] == (settings.capture.height, settings.capture.width)
        assert cv2.imread(str(stored.images["master"].path)).shape[:2] == (720, 1280)
    # Not on the roster: lists and the export still show whose photo it is, by the masked name
    # the student confirmed (a trial's list said "(not in roster)" and its manifest nothing).
    listed = kiosk_command("list", "--all")
    assert any(line.startswith(code) and "张*三 (code)" in line for line in listed.stdout.splitlines()), listed.stdout
    export = tmp_path / "export"
    export.mkdir()
    assert kiosk_command("export", "--to", str(export)).returncode == 0
    [manifest] = export.glob("*/manifest.csv")
    assert ",张*三," in manifest.read_text(encoding="utf-8-sig")


def test_a_failing_frame_gets_its_instruction_and_nothing_is_taken(qtbot, kiosk_for, tmp_path, fake_clock,
                                                                   settings):
    code = new_code()
    kiosk = kiosk_for(footage(tmp_path, DemoCodec().encode(code, "李*", "1101**********002X"), FAILING))
    window = kiosk.window
    qtbot.waitUntil(state_is(kiosk, State.CONFIRMING), timeout=WAIT_MS)
    qtbot.keyClick(window, Qt.Key.Key_Space)

    def tilt_instruction_shown():
        view = window.view
        return bool(view.instructions) and view.instructions[0].rule == "roll"

    def tilt_instruction_after_a_while():
        fake_clock.advance(0.1)  # instructions wait for their check to fail a moment
        return tilt_instruction_shown()

    qtbot.waitUntil(tilt_instruction_after_a_while, timeout=WAIT_MS)
    instruction = window.view.instructions[0]
    assert instruction.message_zh in window.preview.shown_lines
    for _ in range(10):  # ten seconds of the person staying tilted
        fake_clock.advance(1.0)
        qtbot.wait(100)
    assert window.view.state is State.GUIDING
    kiosk.stop()
    with Store.from_settings(settings) as store:
        assert store.history(code) == []


def test_a_handheld_scanner_types_the_code_esc_goes_back_and_not_me_says_what_to_do(qtbot, kiosk_for, tmp_path, settings):
    with Store.from_settings(settings) as store:
        store.import_roster([RosterEntry("2026SH0042", "S042", "王小明", "440301200101015678", "物理学院")],
                            "test", "roster.csv")
    folder = tmp_path / "empty"
    folder.mkdir()
    cv2.imwrite(str(folder / "0.png"), canvas())
    kiosk = kiosk_for(folder)
    window = kiosk.window
    qtbot.waitUntil(lambda: window.view is not None)
    qtbot.keyClicks(window, "2026SH0042")
    qtbot.keyClick(window, Qt.Key.Key_Return)
    qtbot.waitUntil(state_is(kiosk, State.CONFIRMING), timeout=WAIT_MS)
    assert window.confirm_rows["confirm.name"][1].text() == "王*明"
    assert window.confirm_rows["confirm.college"][1].text() == "物理学院"
    qtbot.keyClick(window, Qt.Key.Key_Escape)  # changed their mind: back, nobody accused
    qtbot.waitUntil(state_is(kiosk, State.WAITING), timeout=WAIT_MS)
    assert window.view.problem is None
    qtbot.keyClicks(window, "2026SH0042")
    qtbot.keyClick(window, Qt.Key.Key_Return)
    qtbot.waitUntil(state_is(kiosk, State.CONFIRMING), timeout=WAIT_MS)
    qtbot.mouseClick(window.deny_button, Qt.MouseButton.LeftButton)  # not me: what to do is said
    qtbot.waitUntil(state_is(kiosk, State.ERROR), timeout=WAIT_MS)
    assert "请找摄影师" in window.error_text.text() and "2026SH0042" in window.error_text.text()
    qtbot.keyClicks(window, "not a code!")  # the next code is read at once
    qtbot.keyClick(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.error_text.text() == "这不是图像采集码。请在学信网 App 中打开“图像采集码”。",
                    timeout=WAIT_MS)


def test_the_photographer_unlocks_with_the_pin_and_the_screen_switches_to_english(qtbot, kiosk_for, tmp_path):
    folder = tmp_path / "camera"
    folder.mkdir()
    cv2.imwrite(str(folder / "0.png"), person_frame(PASSING))  # the photographer tries the backdrop
    kiosk = kiosk_for(folder)
    window = kiosk.window
    qtbot.waitUntil(lambda: window.view is not None)
    window.language_button.click()
    qtbot.waitUntil(lambda: window.view.language == "en", timeout=WAIT_MS)
    assert window.title.text() == "Graduation photo station"
    qtbot.keyClick(window, Qt.Key.Key_F12)
    dialog = window.dialog
    dialog.entry.setText("1111")
    dialog.submit()
    assert dialog.message.text() == "Wrong PIN: 4 tries left"
    dialog.entry.setText("2468")  # the demo PIN of config.toml
    dialog.submit()
    qtbot.waitUntil(lambda: window.view.operator is not None, timeout=WAIT_MS)
    assert window.operator_bar.isVisible()
    # While nobody is being photographed the photographer still sees the backdrop judged.
    qtbot.waitUntil(lambda: window.backdrop_status.text() == "Backdrop: pass", timeout=WAIT_MS)
    window.close()
    assert window.isVisible()  # students cannot close the kiosk


def test_the_photographer_is_told_the_backdrop_is_judged_once_someone_is_in_view(qtbot, kiosk_for, tmp_path):
    """A trial read "Backdrop: unknown" before the first student and took it for a fault."""
    folder = tmp_path / "camera"
    folder.mkdir()
    cv2.imwrite(str(folder / "0.png"), canvas())  # the empty backdrop
    kiosk = kiosk_for(folder)
    window = kiosk.window
    photographer_mode(qtbot, window)
    assert window.backdrop_status.text() == "背景：有人站到镜头前后判断"


def tick_appearance(qtbot, window) -> None:
    """On review the student ticks the three lines no check can tell (hair, make-up, jewellery)."""
    for box in window.confirm_boxes.values():
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.view.capture.confirmations) == len(window.confirm_boxes), timeout=WAIT_MS)


def empty_camera(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    cv2.imwrite(str(folder / "0.png"), canvas())
    return folder


def test_a_student_who_walks_away_is_forgotten(qtbot, kiosk_for, tmp_path, fake_clock, settings):
    kiosk = kiosk_for(empty_camera(tmp_path))
    window = kiosk.window
    qtbot.waitUntil(lambda: window.view is not None)
    qtbot.keyClicks(window, DemoCodec().encode(new_code(), "张*三", "3101**********1234"))
    qtbot.keyClick(window, Qt.Key.Key_Return)
    qtbot.waitUntil(state_is(kiosk, State.CONFIRMING), timeout=WAIT_MS)
    fake_clock.advance(settings.kiosk.inactivity_s + 1)
    qtbot.waitUntil(state_is(kiosk, State.WAITING), timeout=WAIT_MS)
    assert window.pages.currentWidget() is window.preview
    assert window.view.student is None


def test_the_photographer_shoots_a_failing_frame_overrides_and_the_store_records_why(
        qtbot, kiosk_for, tmp_path, settings):
    code = new_code()
    kiosk = kiosk_for(footage(tmp_path, DemoCodec().encode(code, "张*三", "3101**********1234"), FAILING))
    window = kiosk.window
    qtbot.waitUntil(state_is(kiosk, State.CONFIRMING), timeout=WAIT_MS)
    qtbot.keyClick(window, Qt.Key.Key_Return)
    for _ in range(3):  # three taps in the top-left corner open the PIN entry on a touch screen
        qtbot.mouseClick(window, Qt.MouseButton.LeftButton, pos=window.rect().topLeft() + QPoint(10, 10))
    window.dialog.entry.setText("2468")
    window.dialog.submit()
    qtbot.waitUntil(lambda: window.view.operator is not None and window.view.face_seen, timeout=WAIT_MS)
    qtbot.mouseClick(window.shutter_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(state_is(kiosk, State.REVIEWING), timeout=WAIT_MS)
    failed = {r.id for r in window.view.capture.blocking}
    assert failed
    assert window.accept_button.property("role") == "unready"
    window.accept_button.click()  # a tap says what is missing, above the three lines
    qtbot.waitUntil(lambda: window.appearance_title.text() == text("review.needs_confirm", "zh"), timeout=WAIT_MS)
    assert window.view.state is State.REVIEWING  # nothing saved without reasons

    def override_buttons():
        return [b for row in window.failed_rows for b in row.findChildren(QPushButton) if b.text() == "放行…"]

    while override_buttons():
        before = len(window.view.capture.overrides)
        override_buttons()[0].click()
        qtbot.waitUntil(lambda: window.dialog is not None, timeout=WAIT_MS)  # the session opens it
        window.dialog.entry.setText("宗教头巾，面部完整可见")
        window.dialog.submit()
        qtbot.waitUntil(lambda: len(window.view.capture.overrides) == before + 1, timeout=WAIT_MS)
    for box in window.confirm_boxes.values():
        box.click()
    qtbot.waitUntil(lambda: len(window.view.capture.confirmations) == 3, timeout=WAIT_MS)  # hair, make-up, jewellery
    window.accept_button.click()
    qtbot.waitUntil(state_is(kiosk, State.SAVED), timeout=WAIT_MS)
    kiosk.stop()
    with Store.from_settings(settings) as store:
        stored = store.accepted(code)
    assert {o.check for o in stored.overrides} == failed
    assert {o.reason for o in stored.overrides} == {"宗教头巾，面部完整可见"}
    assert stored.operator == f"{settings.station.id} photographer"


def test_a_broken_data_folder_is_shown_not_a_frozen_kiosk(qtbot, kiosk_for, tmp_path, data_dir):
    (data_dir / "images").write_text("not a folder")  # the store cannot keep images here
    kiosk = kiosk_for(empty_camera(tmp_path))
    window = kiosk.window
    qtbot.waitUntil(lambda: window.view is not None)
    qtbot.keyClicks(window, DemoCodec().encode(new_code(), "张*三", "3101**********1234"))
    qtbot.keyClick(window, Qt.Key.Key_Return)
    qtbot.waitUntil(state_is(kiosk, State.ERROR), timeout=WAIT_MS)
    # The store's own advice reaches the screen for the staff, apart from the student's sentence.
    assert "data_dir" in window.error_detail.text() and window.error_detail.isVisible()
    assert window.error_text.text() == text("error.fault", "zh")
    qtbot.keyClick(window, Qt.Key.Key_Return)  # try again: back to waiting, still running
    qtbot.waitUntil(state_is(kiosk, State.WAITING), timeout=WAIT_MS)


def test_the_command_line_refuses_a_camera_file_that_gives_no_frame(tmp_path):
    """A missing file, an empty folder, a table that is no video: said at once. The last two
    opened the window and waited for the camera to reconnect for ever."""
    from helpers import kiosk

    (tmp_path / "no-images").mkdir()
    (tmp_path / "roster.csv").write_text("code,name\nA1,x\n")
    # A copy cut short: OpenCV warned "Premature end of JPEG file" on every frame (a trial).
    photo = (Path(__file__).parent / "photos" / "london_synthetic__blue_005.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(photo[:20000])
    general = "a video file, an image file or a folder of images"
    for path, why, what_to_do in (("nothing-here.mp4", "no such file or folder", general),
                                  ("no-images", "holds no images", "a folder of images, an image file or a video"),
                                  ("roster.csv", "is not a video OpenCV can play", "give a video file (such as MP4)"),
                                  ("cut.jpg", "damaged: the file ends before its picture does", "copy the photo again")):
        done = kiosk("run", "--camera", str(tmp_path / path))
        assert done.returncode == 2 and why in done.stderr and what_to_do in done.stderr, done.stderr
        assert done.stderr.count("give ") <= 1, "what to do is said once"


def test_a_kiosk_started_without_a_screen_says_so(tmp_path, data_dir):
    """A trial's `kiosk run` over ssh, without DISPLAY: Qt aborted with a core dump and blamed
    xcb-cursor0, which was installed."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "kiosk", "run", "--camera", str(empty_camera(tmp_path))],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1 and "no screen to show the kiosk on (DISPLAY is not set)" in done.stderr, done.stderr
    assert "core dumped" not in done.stderr and "Traceback" not in done.stderr


def test_a_second_kiosk_on_the_same_data_folder_is_refused(tmp_path, data_dir, models):
    """A trial started a second kiosk on a running one's data folder: both ran, on one store."""
    import subprocess

    from helpers import kiosk

    camera = empty_camera(tmp_path)
    first = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--camera", str(camera), "--windowed"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
    try:
        lock = data_dir / "kiosk.lock"
        deadline = time.monotonic() + 60
        while not lock.exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)  # the kiosk takes its lock as it makes the file, before any window
        time.sleep(1.0)
        assert first.poll() is None, "the first kiosk did not start"
        second = kiosk("run", "--camera", str(camera), "--windowed", timeout=60)
        assert second.returncode == 1 and "a kiosk is already running on the data folder" in second.stderr
    finally:
        first.terminate()  # a service stop while it may still be starting: it ends all the same
        assert first.wait(30) == 0


@pytest.mark.parametrize("command", [["run", "--camera", "CAMERA"], ["demo"]])
def test_run_and_demo_refuse_missing_models_with_what_to_do(tmp_path, command):
    from helpers import kiosk

    camera = empty_camera(tmp_path)
    done = kiosk(*[str(camera) if word == "CAMERA" else word for word in command],
                 env={"KIOSK_DATA": str(tmp_path / "no-models-yet")}, timeout=60)
    assert done.returncode == 1
    assert "face_landmarker.task missing: run `kiosk models fetch`" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_model_that_will_not_load_stops_the_start_with_what_to_do(qtbot, settings, data_dir, models, tmp_path):
    from kiosk import app
    from kiosk.models import MODEL_FILES

    (data_dir / "models").unlink()
    (data_dir / "models").mkdir()
    for model in MODEL_FILES:
        (data_dir / "models" / model.name).symlink_to(models / model.name)
    (data_dir / "models" / "face_landmarker.task").unlink()
    (data_dir / "models" / "face_landmarker.task").write_bytes(b"not a model")
    kiosk = app.build(settings, FileCamera(empty_camera(tmp_path), 15, SystemClock()))
    qtbot.addWidget(kiosk.window)
    kiosk.window.allow_close = True
    with pytest.raises(app.StartProblem, match="kiosk doctor"):
        kiosk.start()
    assert kiosk.grabber.status == "stopped"  # no live picture that would never read a code
    kiosk.stop()


def test_a_codec_that_will_not_load_is_a_one_line_error(tmp_path, data_dir):
    from helpers import config_variant, kiosk

    config = config_variant(tmp_path, 'codec = "demo"', 'codec = "chsi_unit.codec:Codec"')
    done = kiosk("--config", str(config), "run", "--camera", str(empty_camera(tmp_path)), timeout=60)
    assert done.returncode == 1
    assert 'codec = "chsi_unit.codec:Codec": cannot load it' in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_kiosk_codes_make_from_the_command_line(tmp_path):
    from helpers import kiosk

    done = kiosk("codes", "make", "--count", "2", "--out", str(tmp_path / "codes"))
    assert done.returncode == 0
    codes = done.stdout.split()
    assert sorted(p.stem for p in (tmp_path / "codes").glob("*.png")) == sorted(codes)


def test_the_photographer_sees_why_the_camera_gives_no_picture(qtbot, kiosk_for, tmp_path):
    folder = empty_camera(tmp_path)
    kiosk = kiosk_for(folder)
    window = kiosk.window
    photographer_mode(qtbot, window)
    (folder / "0.png").rename(tmp_path / "unplugged.png")  # the camera stops giving pictures
    qtbot.waitUntil(lambda: "retrying in" in window.camera_status.toolTip(), timeout=WAIT_MS)
    assert window.camera_status.toolTip().startswith(f"摄像头：重新连接中 ({folder} holds no images")
    assert window.camera_status.text().startswith("摄像头：重新连接中 (")


def test_an_unplugged_camera_is_reported_and_the_session_resumes_when_it_returns(
        qtbot, kiosk_for, tmp_path):
    folder = empty_camera(tmp_path)
    kiosk = kiosk_for(folder)
    window = kiosk.window
    qtbot.waitUntil(lambda: window.view is not None)
    qtbot.keyClicks(window, DemoCodec().encode(new_code(), "张*三", "3101**********1234"))
    qtbot.keyClick(window, Qt.Key.Key_Return)
    qtbot.waitUntil(state_is(kiosk, State.CONFIRMING), timeout=WAIT_MS)
    qtbot.keyClick(window, Qt.Key.Key_Return)
    qtbot.waitUntil(state_is(kiosk, State.GUIDING), timeout=WAIT_MS)
    (folder / "0.png").rename(tmp_path / "unplugged.png")  # the camera stops giving pictures
    qtbot.waitUntil(state_is(kiosk, State.ERROR), timeout=WAIT_MS)
    assert window.error_text.text().startswith("摄像头没有画面")
    (tmp_path / "unplugged.png").rename(folder / "0.png")
    qtbot.waitUntil(state_is(kiosk, State.GUIDING), timeout=WAIT_MS)  # the same student goes on
    assert window.view.student is not None


def dim_code_frame(text: str) -> np.ndarray:
    """The code on a phone turned right down under a ceiling light: its dark and light
    modules only 25 grey levels apart, too faint for zbar, still a code to the eye."""
    card = (qr_image(text).astype(np.float32) * 0.1 + 120).astype(np.uint8)
    frame = canvas()
    y, x = 150, (1280 - card.shape[1]) // 2
    frame[y:y + card.shape[0], x:x + card.shape[1]] = cv2.cvtColor(card, cv2.COLOR_GRAY2BGR)
    return frame


def show_camera(folder: Path, frame: np.ndarray) -> None:
    """Change what the one-picture camera sees (whole files only: the camera reads it)."""
    cv2.imwrite(str(folder / "next.png"), frame)
    os.replace(folder / "next.png", folder / "0.png")


def test_a_code_seen_but_not_read_gets_a_hint_and_a_readable_one_goes_straight_on(
        qtbot, kiosk_for, tmp_path, fake_clock, settings):
    code = new_code()
    text = DemoCodec().encode(code, "张*三", "3101**********1234")
    dim = dim_code_frame(text)
    small = cv2.resize(cv2.cvtColor(dim, cv2.COLOR_BGR2GRAY), (settings.kiosk.qr_scan_width, 360),
                       interpolation=cv2.INTER_AREA)
    assert decode(dim) == [] and decode(small) == []  # zbar cannot read it, at either size
    folder = tmp_path / "camera"
    folder.mkdir()
    show_camera(folder, dim)
    kiosk = kiosk_for(folder)
    window = kiosk.window
    waiting_hint = "请在学信网 App 中打开“图像采集码”，举到画面中的蓝框里；也可以用扫码枪扫码。"
    unreadable_hint = "看到了采集码，但读不出来：请调高手机亮度，拿稳并靠近一点，或使用扫码枪。"
    qtbot.waitUntil(lambda: window.preview.shown_hint == waiting_hint, timeout=WAIT_MS)

    def session_seconds(seconds: float, until) -> bool:
        """Let session time pass at about the camera's pace; True once `until` holds."""
        for _ in range(round(seconds / 0.1)):
            fake_clock.advance(0.1)
            qtbot.wait(100)
            if until():
                return True
        return False

    assert session_seconds(settings.kiosk.unreadable_code_s + 10,
                           lambda: window.preview.shown_hint == unreadable_hint)
    assert window.view.state is State.WAITING and window.pages.currentWidget() is window.preview

    show_camera(folder, canvas())  # the phone is taken away: the hint goes
    assert session_seconds(10, lambda: window.preview.shown_hint == waiting_hint)

    views = []
    kiosk.session.subscribe(views.append)
    show_camera(folder, code_frame(text, tmp_path))  # brightness up: zbar reads it at once
    qtbot.waitUntil(lambda: len(views) >= 2, timeout=WAIT_MS)  # views come from the worker's thread
    assert [v.state for v in views] == [State.SCANNING, State.CONFIRMING]
    qtbot.waitUntil(state_is(kiosk, State.CONFIRMING), timeout=WAIT_MS)
    assert window.view.student.code == code and not window.view.unreadable_code


def test_a_scanner_enter_on_the_review_screen_saves_nothing_and_on_the_receipt_starts_the_next(
        qtbot, kiosk_for, tmp_path, fake_clock, settings):
    code, next_code = new_code(), new_code()
    kiosk = kiosk_for(footage(tmp_path, DemoCodec().encode(code, "张*三", "3101**********1234"), PASSING))
    window = kiosk.window
    qtbot.waitUntil(state_is(kiosk, State.CONFIRMING), timeout=WAIT_MS)
    qtbot.keyClick(window, Qt.Key.Key_Return)
    qtbot.waitUntil(state_is(kiosk, State.HOLDING), timeout=WAIT_MS)
    fake_clock.advance(settings.capture.steady_s + settings.capture.countdown_s + 0.1)
    qtbot.waitUntil(state_is(kiosk, State.REVIEWING), timeout=WAIT_MS)

    # The next student scans their code, the scanner ending it with Return, while the first
    # student's photo is under review.
    qtbot.keyClicks(window, DemoCodec().encode(next_code, "李*四", "1101**********002X"))
    qtbot.keyClick(window, Qt.Key.Key_Return)
    qtbot.wait(500)
    assert window.view.state is State.REVIEWING and window.pages.currentWidget() is window.review_page
    assert window.view.student.code == code
    with Store.from_settings(settings) as store:
        assert store.accepted(code) is None

    tick_appearance(qtbot, window)
    qtbot.wait(600)  # a pause longer than a scanner's: this Return is the student's own
    qtbot.keyClick(window, Qt.Key.Key_Return)
    qtbot.waitUntil(state_is(kiosk, State.SAVED), timeout=WAIT_MS)
    # On the receipt, the next student's scan starts their session at once.
    qtbot.keyClicks(window, DemoCodec().encode(next_code, "李*四", "1101**********002X"))
    qtbot.keyClick(window, Qt.Key.Key_Return)
    qtbot.waitUntil(state_is(kiosk, State.CONFIRMING), timeout=WAIT_MS)
    assert window.confirm_rows["confirm.name"][1].text() == "李*四"
    assert window.view.receipt is None
    with Store.from_settings(settings) as store:
        assert store.accepted(code) is not None and store.accepted(next_code) is None
