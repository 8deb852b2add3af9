import logging
import threading
import time

import cv2
import numpy as np
import pytest

from kiosk.camera import CameraError, FileCamera, Format, Grabber, UsbCamera
from kiosk.camera.grabber import LOST, RECONNECTING, RUNNING
from kiosk.camera.usb import fourcc_text
from kiosk.clock import FakeClock


def _write_frames(folder, count, size=(64, 48)):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        image = np.full((size[1], size[0], 3), i * 20, np.uint8)  # brightness tells frames apart
        cv2.imwrite(str(folder / f"frame_{i:03d}.png"), image)
    return folder


def _brightness(image):
    return int(image[0, 0, 0])


def test_file_camera_plays_a_folder_in_name_order_and_loops(tmp_path, fake_clock):
    camera = FileCamera(_write_frames(tmp_path / "frames", 3), fps=10, clock=fake_clock)
    camera.open()
    seen = [_brightness(camera.read()) for _ in range(7)]
    assert seen == [0, 20, 40, 0, 20, 40, 0]


def test_file_camera_delivers_at_its_frame_rate(tmp_path, fake_clock):
    camera = FileCamera(_write_frames(tmp_path / "frames", 2), fps=25, clock=fake_clock)
    camera.open()
    start = fake_clock.now()
    for _ in range(26):
        camera.read()
    assert fake_clock.now() - start == pytest.approx(1.0)


def test_file_camera_plays_a_video(tmp_path, fake_clock):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    for i in range(4):
        writer.write(np.full((48, 64, 3), i * 60, np.uint8))
    writer.release()
    camera = FileCamera(path, fps=10, clock=fake_clock)
    camera.open()
    seen = [_brightness(camera.read()) for _ in range(6)]
    assert [round(v / 60) for v in seen] == [0, 1, 2, 3, 0, 1]


def _text_file(folder):
    path = folder / "not-a-video.mp4"
    path.write_text("not a video")
    return path


@pytest.mark.parametrize("make, says", [
    (lambda p: p / "missing", "does not exist"),
    (lambda p: p, "holds no images"),
    (_text_file, "not a video"),
])
def test_file_camera_says_what_is_wrong_with_its_path(tmp_path, fake_clock, make, says):
    with pytest.raises(CameraError, match=says):
        FileCamera(make(tmp_path), fps=10, clock=fake_clock).open()


def test_grabber_keeps_only_the_newest_frame(tmp_path):
    clock = FakeClock()  # sleeping on it is instant: the camera runs far ahead of the reader
    grabber = Grabber(FileCamera(_write_frames(tmp_path / "frames", 5), fps=30, clock=clock), clock)
    grabber.start()
    try:
        first = grabber.wait_next(-1, timeout=5)
        time.sleep(0.2)  # a slow reader, busy with analysis
        second = grabber.wait_next(first.index, timeout=5)
    finally:
        grabber.stop()
    assert second.index > first.index + 1, "a slow reader must skip stale frames, not queue them"
    assert second.time > first.time


class _PacedClock(FakeClock):
    """Fake time that remembers how long the grabber waited before each retry."""

    def __init__(self):
        super().__init__()
        self.waits = []

    def wait(self, event, seconds):
        self.waits.append(seconds)
        time.sleep(0.002)  # let the test thread run between retries
        return super().wait(event, seconds)


def test_grabber_reports_a_lost_camera_and_reconnects_with_backoff(tmp_path):
    folder = _write_frames(tmp_path / "frames", 3)
    clock = _PacedClock()
    statuses = []
    back = threading.Event()
    grabber = Grabber(FileCamera(folder, fps=1000, clock=clock), clock, reconnect_min_s=0.5,
                      reconnect_max_s=4.0, on_status=lambda status, _why: statuses.append(status))
    grabber.start()
    try:
        before = grabber.wait_next(-1, timeout=5)
        folder.rename(tmp_path / "unplugged")  # the camera disappears
        deadline = time.monotonic() + 5
        while clock.waits.count(4.0) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        (tmp_path / "unplugged").rename(folder)  # and comes back
        while grabber.status != RUNNING and time.monotonic() < deadline:
            time.sleep(0.01)
        back.set()
        after = grabber.wait_next(grabber.latest().index, timeout=5)
    finally:
        grabber.stop()
    assert back.is_set() and after is not None and after.index > before.index
    assert LOST in statuses and RECONNECTING in statuses and statuses[-2] == RUNNING
    retries = [w for w in clock.waits if w >= 0.5]
    assert retries[:4] == [0.5, 1.0, 2.0, 4.0], "retries back off, doubling up to the maximum"


class _NoFrames:
    """A camera that opens but never gives a frame (busy device, bad cable)."""

    def open(self):
        pass

    def read(self):
        raise CameraError("cannot read a frame")

    def close(self):
        pass


def test_a_camera_that_opens_but_gives_no_frames_is_retried_with_backoff_and_logged_once(caplog):
    clock = _PacedClock()
    grabber = Grabber(_NoFrames(), clock, reconnect_min_s=0.5, reconnect_max_s=4.0)
    with caplog.at_level(logging.WARNING, logger="kiosk.camera.grabber"):
        grabber.start()
        deadline = time.monotonic() + 5
        while len(clock.waits) < 8 and time.monotonic() < deadline:
            time.sleep(0.01)
        grabber.stop()
    assert clock.waits[:6] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0], "it does not spin: each retry waits, doubling"
    assert grabber.status != RUNNING
    lost = [r for r in caplog.records if "camera lost" in r.getMessage()]
    assert len(lost) == 1, "the same failure is logged once, not on every retry"


def test_stopping_does_not_wait_out_a_reconnect_delay(tmp_path):
    from kiosk.clock import SystemClock

    grabber = Grabber(FileCamera(tmp_path / "unplugged", fps=30, clock=SystemClock()), SystemClock(),
                      reconnect_min_s=30, reconnect_max_s=60)
    grabber.start()
    deadline = time.monotonic() + 5
    while grabber.status != RECONNECTING and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    grabber.stop()
    assert time.monotonic() - started < 2, "closing the kiosk must not hang on a camera that is away"


def test_a_single_image_file_plays_as_a_camera_that_never_stops(tmp_path, fake_clock):
    path = _write_frames(tmp_path / "frames", 1, size=(64, 48)) / "frame_000.png"
    camera = FileCamera(path, fps=10, clock=fake_clock)
    camera.open()
    assert [camera.read().shape for _ in range(3)] == [(48, 64, 3)] * 3
    assert str(camera.delivered) == "64x48 at 10 fps"


def _mjpg_clip(path, size, fps):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    for i in range(5):
        writer.write(np.full((size[1], size[0], 3), i * 40, np.uint8))
    writer.release()
    return path


def test_fourcc_numbers_read_as_their_four_characters(tmp_path):
    capture = cv2.VideoCapture(str(_mjpg_clip(tmp_path / "clip.avi", (64, 48), 10)))
    try:
        assert fourcc_text(capture.get(cv2.CAP_PROP_FOURCC)) == "MJPG"  # OpenCV's own float
    finally:
        capture.release()
    assert fourcc_text(float(cv2.VideoWriter_fourcc(*"YUYV"))) == "YUYV"
    assert fourcc_text(0.0) == "" and fourcc_text(-1.0) == "", "a backend without the property"
    assert fourcc_text(float(0x01020304)) == "0x01020304", "unprintable bytes stay readable in the log"


def test_the_usb_camera_reports_what_it_delivers_not_what_it_asked(tmp_path, caplog):
    # OpenCV opens a video file through the same VideoCapture as a device, and, like a
    # camera that cannot do what it is asked, ignores the size and rate set on it.
    clip = _mjpg_clip(tmp_path / "clip.avi", (640, 480), 10)
    camera = UsbCamera(str(clip), 1280, 720, 30, "MJPG")
    camera.open()
    try:
        with caplog.at_level(logging.INFO, logger="kiosk.camera.usb"):
            for _ in range(3):
                camera.read()
    finally:
        camera.close()
    assert camera.delivered == Format(640, 480, 10, "MJPG")
    assert [r.getMessage() for r in caplog.records] == [
        f"camera {clip} delivers 640x480 MJPG at 10 fps; asked 1280x720 MJPG at 30 fps"]


class _RecordingCapture:
    """Stands in for the webcam hardware only: records what is asked of it, in order."""

    def __init__(self, device):
        self.asked = []

    def isOpened(self):
        return True

    def set(self, prop, value):
        self.asked.append(prop)
        return True


@pytest.mark.parametrize("fourcc, first", [("MJPG", cv2.CAP_PROP_FOURCC), ("", cv2.CAP_PROP_FRAME_WIDTH)])
def test_the_usb_camera_asks_for_the_format_before_the_size(monkeypatch, fourcc, first):
    # V4L2 offers sizes per pixel format: a size asked first is fitted to the default format.
    monkeypatch.setattr(cv2, "VideoCapture", _RecordingCapture)
    camera = UsbCamera("0", 1280, 720, 30, fourcc)
    camera.open()
    asked = camera._capture.asked
    assert asked[0] == first
    assert asked.index(cv2.CAP_PROP_FRAME_WIDTH) < asked.index(cv2.CAP_PROP_FPS)
    assert (cv2.CAP_PROP_FOURCC in asked) == bool(fourcc), '"" keeps the camera\'s default format'


def test_a_fourcc_that_is_not_four_characters_says_what_works():
    with pytest.raises(CameraError, match='"MJPEG" is not a four-character pixel format: use "MJPG"'):
        UsbCamera("0", 1280, 720, 30, "MJPEG")
