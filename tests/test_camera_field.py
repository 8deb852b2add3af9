"""A camera that ignores the size it is asked for (tests/field/camera, from the field), or
gives black-and-white frames: doctor fails it with the fix; the kiosk asks the student to
wait, names the problem and the fix to the photographer, and never tells the student to
come closer or to change a colour.

The camera is a file camera playing the field frames; the session's clock is fake.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt

from test_ui import kiosk_for, photographer_mode  # noqa: F401  (the kiosk window fixture)

from kiosk.checks.scene import frame_fault
from kiosk.codec import DemoCodec, new_code
from kiosk.messages import text
from kiosk.session import (
    Analysed,
    CameraStatus,
    CodeRead,
    Confirm,
    FrameFault,
    FrameSize,
    Session,
    State,
    Tick,
    WAITING_FAULT_S,
)
from kiosk.station import StationDesk
from kiosk.store import Store
from tests.helpers import kiosk as kiosk_command

# cv2 points Qt at its own (Qt 5) plugins on import; undo it as kiosk.app does.
os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)

FIELD = Path(__file__).parent / "field" / "camera"
FALLBACK = FIELD / "fallback_640x480"  # a file-camera folder of one 640x480 frame
ASKED = FIELD / "asked_1280x720.png"  # the control: the same student at the asked 1280x720
WAIT_MS = 30_000
WAIT_ZH = "摄像头需要调整，请告知摄影师，稍候片刻。"


def _camera_line(done) -> str:
    return next(line for line in done.stdout.splitlines() if line[6:].startswith("camera:"))


# -- kiosk doctor ---------------------------------------------------------------------


def test_doctor_fails_a_camera_that_fell_back_to_640x480_with_the_fix(data_dir):
    done = kiosk_command("doctor", "--camera", str(FALLBACK))
    assert done.returncode == 1, done.stdout + done.stderr
    line = _camera_line(done)
    assert line.startswith("FAIL")
    assert "gives 640x480 although 1280x720 was asked: it may not support that size in MJPG" in line
    assert "try another USB port or cable" in line and "`v4l2-ctl --list-formats-ext`" in line
    assert "set [camera] width/height to a size it offers" in line


def test_doctor_passes_a_camera_that_gives_the_asked_size(data_dir):
    done = kiosk_command("doctor", "--camera", str(ASKED))
    assert done.returncode == 0, done.stdout + done.stderr
    line = _camera_line(done)
    assert line.startswith("OK") and "gives 1280x720 at" in line
    fps = int(re.search(r"at (\d+) fps \(measured over", line).group(1))
    assert fps >= 18, "measured at about the 30 fps of [camera]"


# -- the session ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def judged(models):
    """(image, report) of the fallback and the control frame, judged once by the real checks."""
    from kiosk.checks import Analyser
    from kiosk.config import load_settings

    with Analyser(load_settings(), mode="image") as analyser:
        out = {name: (image, analyser.analyse(image)) for name, image in (
            ("fallback", cv2.imread(str(FALLBACK / "fallback_640x480.png"))), ("asked", cv2.imread(str(ASKED))))}
    # What the fallback would cost the student if it were judged: told to come closer.
    assert any("closer" in r.message_en for r in out["fallback"][1].failures)
    assert out["asked"][1].accepted
    return out


@pytest.fixture
def session(settings, fake_clock):
    desk = StationDesk(settings, lambda: Store.from_settings(settings, fake_clock))
    yield Session(settings, fake_clock, desk)
    desk.close()


def _frames(session, clock, image, report, seconds: float) -> None:
    """The worker's loop for `seconds` of fake time: a judged frame and a tick every 0.1 s."""
    for _ in range(round(seconds / 0.1)):
        clock.advance(0.1)
        session.handle(Analysed(image, report))
        session.handle(Tick())


def test_small_frames_stop_the_session_with_a_wait_not_an_instruction(session, fake_clock, judged):
    code = new_code()
    session.handle(CodeRead(DemoCodec().encode(code, "张*三", "3101**********1234")))
    session.handle(Confirm())
    assert session.state is State.GUIDING
    session.handle(FrameSize(640, 480))  # the camera falls back (a USB 2 hub, another format)
    _frames(session, fake_clock, *judged["fallback"], seconds=5)
    view = session.view()
    assert view.state is State.ERROR and view.instructions == ()
    assert text(view.problem.title_key, "zh") == "请稍候" and text(view.problem.key, "zh") == WAIT_ZH
    assert view.small_frames == (640, 480)

    session.handle(FrameSize(1280, 720))  # the photographer moved the camera to another port
    view = session.view()
    assert view.state is State.GUIDING and view.student.code == code and view.small_frames is None
    _frames(session, fake_clock, *judged["asked"], seconds=1)
    assert session.state is State.HOLDING


def test_a_small_camera_takes_no_code_and_a_reconnect_at_the_same_size_stays_a_wait(session):
    session.handle(FrameSize(640, 480))
    session.handle(CodeRead(DemoCodec().encode(new_code(), "张*三", "3101**********1234")))
    assert session.state is State.ERROR and session.view().problem.key == "error.camera_small"
    session.handle(CameraStatus("lost", "stopped delivering frames"))
    assert session.view().problem.key == "error.camera_lost"
    session.handle(CameraStatus("running"))  # back, still at 640x480
    assert session.view().problem.key == "error.camera_small"
    session.handle(FrameSize(1920, 1080))  # larger than asked is fine: the checks scale
    assert session.state is State.WAITING


# -- the kiosk window -----------------------------------------------------------------


def test_the_kiosk_on_a_640x480_camera_asks_the_student_to_wait_and_tells_the_photographer(
        qtbot, kiosk_for, tmp_path):  # noqa: F811
    folder = tmp_path / "camera"
    shutil.copytree(FALLBACK, folder)
    kiosk = kiosk_for(folder, start=False)
    window = kiosk.window
    views = []
    kiosk.session.subscribe(views.append)
    kiosk.start()

    qtbot.waitUntil(lambda: window.error_text.text() == WAIT_ZH, timeout=WAIT_MS)
    assert window.pages.currentWidget() is window.error_page and window.error_title.text() == "请稍候"
    qtbot.keyClicks(window, DemoCodec().encode(new_code(), "张*三", "3101**********1234"))
    qtbot.keyClick(window, Qt.Key.Key_Return)  # a scanner: no session on a camera that cannot take the photo
    qtbot.wait(500)
    assert window.error_text.text() == WAIT_ZH

    photographer_mode(qtbot, window)
    assert window.camera_status.text() == "摄像头：画面只有 640x480（设定 1280x720）"
    assert window.camera_fix.isVisible() and "v4l2-ctl --list-formats-ext" in window.camera_fix.text()
    assert "USB 口或线缆" in window.camera_fix.text() and "[camera] width/height" in window.camera_fix.text()
    assert "不小于 458x610" in window.camera_fix.text(), "the least size that still makes the photo"

    # The photographer plugs the camera in elsewhere and it gives 1280x720: the station
    # goes back to waiting for a code, the bar back to normal.
    shutil.copy(ASKED, tmp_path / "next.png")
    os.replace(tmp_path / "next.png", folder / "fallback_640x480.png")  # whole files only: the camera reads it
    qtbot.waitUntil(lambda: window.view.state is State.WAITING, timeout=WAIT_MS)
    assert window.pages.currentWidget() is window.preview
    assert window.camera_status.text() == "摄像头：正常" and not window.camera_fix.isVisible()
    assert not any(view.instructions for view in views), "no student was guided on the small frames"


# -- a camera in black-and-white mode ---------------------------------------------------


def grey_camera(folder: Path) -> Path:
    """A file-camera folder of the asked 1280x720 frame as a camera in black-and-white mode
    gives it (three equal channels)."""
    folder.mkdir()
    grey = cv2.cvtColor(cv2.imread(str(ASKED), cv2.IMREAD_GRAYSCALE), cv2.COLOR_GRAY2BGR)
    cv2.imwrite(str(folder / "grey_1280x720.png"), grey)
    return folder


def dark_camera(folder: Path) -> Path:
    """A file-camera folder of the asked frame as a camera with its lens cap on gives it: 3 %
    of the light."""
    folder.mkdir()
    cv2.imwrite(str(folder / "dark.png"), cv2.imread(str(ASKED)) // 30)
    return folder


def test_a_black_and_white_video_whose_colour_matrix_leaves_an_offset_is_still_black_and_white(tmp_path):
    """Grey frames through H.264 came back with B - G = 3 in every pixel, and doctor and the
    kiosk called the camera normal for 20 s of them. The same frame in colour is a camera."""
    grey = cv2.cvtColor(cv2.imread(str(ASKED), cv2.IMREAD_GRAYSCALE), cv2.COLOR_GRAY2BGR)
    offset = np.clip(grey.astype(np.int16) + (3, 0, 0), 0, 255).astype(np.uint8)
    assert frame_fault(grey) == frame_fault(offset) == "grey"
    assert frame_fault(cv2.imread(str(ASKED))) == ""
    assert frame_fault(np.full_like(grey, (255, 197, 100))) == ""  # the empty backdrop: one colour, not grey


def test_doctor_fails_a_black_and_white_camera_with_the_fix(data_dir, tmp_path):
    done = kiosk_command("doctor", "--camera", str(grey_camera(tmp_path / "grey")))
    assert done.returncode == 1, done.stdout + done.stderr
    line = _camera_line(done)
    assert line.startswith("FAIL") and "in black and white: the photo must be 24-bit colour" in line
    assert "`v4l2-ctl --list-ctrls` and raise saturation" in line


def test_black_and_white_frames_stop_the_session_with_a_wait_not_the_colour_instruction(
        session, fake_clock, judged):
    code = new_code()
    session.handle(CodeRead(DemoCodec().encode(code, "张*三", "3101**********1234")))
    session.handle(Confirm())
    session.handle(FrameFault("grey"))  # the camera's software switched to black and white
    _frames(session, fake_clock, *judged["asked"], seconds=3)
    view = session.view()
    assert view.state is State.ERROR and view.instructions == () and view.frame_fault == "grey"
    assert text(view.problem.title_key, "zh") == "请稍候" and text(view.problem.key, "zh") == WAIT_ZH
    session.handle(FrameFault(""))
    assert session.view().state is State.GUIDING and session.view().student.code == code


@pytest.mark.parametrize("fault", ["dark", "grey"])
def test_a_camera_black_or_black_and_white_while_waiting_asks_for_the_photographer_once_it_lasts(
        session, fake_clock, fault):
    """A lens cap on while nobody is there: the waiting screen invited students and the
    photographer's bar said the camera was normal. A phone held up can fill the picture for
    a moment (a code is read in about a second), so only a fault that lasts counts."""
    session.handle(FrameFault(fault))
    fake_clock.advance(WAITING_FAULT_S - 1)
    session.handle(Tick())
    assert session.view().state is State.WAITING and session.view().frame_fault == ""
    fake_clock.advance(1.1)
    session.handle(Tick())
    view = session.view()
    assert view.state is State.ERROR and view.frame_fault == fault and text(view.problem.key, "zh") == WAIT_ZH
    session.handle(FrameFault(""))  # the cap taken off
    assert session.view().state is State.WAITING and session.view().problem is None


@pytest.mark.parametrize("camera, status, fix", [
    (grey_camera, "摄像头：画面是黑白的", "黑白模式"),
    (dark_camera, "摄像头：画面全黑", "镜头盖"),
], ids=["black-and-white", "lens-cap"])
def test_the_kiosk_on_a_camera_no_student_can_fix_reads_the_code_then_asks_the_student_to_wait(
        qtbot, kiosk_for, tmp_path, camera, status, fix):  # noqa: F811
    """Codes are read as ever (a grey phone filling the picture is no black-and-white camera);
    once the student is to be photographed, black-and-white or black frames stop the session
    for the photographer, who is told the fix."""
    kiosk = kiosk_for(camera(tmp_path / "camera"), start=False)
    window = kiosk.window
    views = []
    kiosk.session.subscribe(views.append)
    kiosk.start()
    qtbot.waitUntil(lambda: window.view.state is State.WAITING, timeout=WAIT_MS)
    qtbot.keyClicks(window, DemoCodec().encode(new_code(), "张*三", "3101**********1234"))
    qtbot.keyClick(window, Qt.Key.Key_Return)  # a handheld scanner
    qtbot.waitUntil(lambda: window.view.state is State.CONFIRMING, timeout=WAIT_MS)
    qtbot.keyClick(window, Qt.Key.Key_Return)  # "that's me"
    qtbot.waitUntil(lambda: window.error_text.text() == WAIT_ZH, timeout=WAIT_MS)
    assert not window.retry_button.isVisible() and not window.cancel_button.isVisible()  # nothing to press
    photographer_mode(qtbot, window)
    assert window.retry_button.isVisible()  # the photographer may look again once it is fixed
    assert window.camera_status.text() == status
    assert window.camera_fix.isVisible() and fix in window.camera_fix.text()
    assert not any(view.instructions for view in views), "no student was told to change what the camera does"


def test_a_grey_phone_filling_the_picture_is_read_not_taken_for_a_black_and_white_camera(
        qtbot, kiosk_for, tmp_path):  # noqa: F811
    folder = tmp_path / "phone"
    folder.mkdir()
    shutil.copy(Path(__file__).parent / "field" / "codes" / "normal_phone.png", folder)  # grey, from the field
    kiosk = kiosk_for(folder)
    qtbot.waitUntil(lambda: kiosk.window.view.state is State.CONFIRMING, timeout=WAIT_MS)
    assert kiosk.window.confirm_rows["confirm.name"][1].text() == "王*明"


def test_doctor_fails_a_covered_lens_and_names_the_least_size_to_set(data_dir, tmp_path):
    line = _camera_line(kiosk_command("doctor", "--camera", str(dark_camera(tmp_path / "dark"))))
    assert line.startswith("FAIL") and "all black: take off the lens cap" in line
    small = _camera_line(kiosk_command("doctor", "--camera", str(FALLBACK)))
    assert "a size it offers at least 458 wide and 610 high" in small and "640x480 is too low" in small


def test_doctor_names_an_upright_camera_and_the_setting_that_takes_it(data_dir, tmp_path):
    folder = tmp_path / "upright"
    folder.mkdir()
    cv2.imwrite(str(folder / "upright.png"), cv2.rotate(cv2.imread(str(ASKED)), cv2.ROTATE_90_CLOCKWISE))
    line = _camera_line(kiosk_command("doctor", "--camera", str(folder)))
    assert line.startswith("FAIL") and "turned upright" in line
    assert "set [camera] width = 720 and height = 1280" in line and "USB" not in line


def test_doctor_judges_a_camera_that_switches_size_by_its_smallest_frames(data_dir, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(ASKED, folder / "1.png")
    shutil.copy(FALLBACK / "fallback_640x480.png", folder / "2.png")
    line = _camera_line(kiosk_command("doctor", "--camera", str(folder)))
    assert line.startswith("FAIL") and "gives 640x480 although 1280x720 was asked" in line
