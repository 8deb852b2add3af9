import threading
import time

import cv2
import numpy as np
import pytest

from kiosk.camera import CameraError, FileCamera, Grabber
from kiosk.camera.grabber import LOST, RECONNECTING, RUNNING
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
