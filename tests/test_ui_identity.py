"""The identity pre-check in the real window (offscreen): a roster with a reference photo,
the consent question, the capture, the verdict on the review screen and in the store."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from test_ui import FAILING, PASSING, WAIT_MS, footage, state_is, tick_appearance

from kiosk.camera import FileCamera
from kiosk.clock import SystemClock
from kiosk.codec import DemoCodec, new_code
from kiosk.config import load_settings
from kiosk.session import State
from kiosk.store import RosterEntry, Store
from tests.helpers import config_variant


def test_the_verdict_is_on_the_review_screen_and_stored(qtbot, tmp_path, data_dir, fake_clock, photos):
    from kiosk import app

    settings = load_settings(config_variant(tmp_path, "enabled = false", "enabled = true"))
    code = new_code()
    with Store.from_settings(settings) as store:
        store.import_roster([RosterEntry(code, "2023001", "张三丰")], "wang", "roster.csv")
        store.set_reference(code, (photos / FAILING).read_bytes(), "folder", "wang")  # the same person, tilted
    camera = footage(tmp_path, DemoCodec().encode(code, "张*丰", "3101**********1234"), PASSING)
    kiosk = app.build(settings, FileCamera(camera, 15, SystemClock()), clock=fake_clock, camera_clock=SystemClock())
    qtbot.addWidget(kiosk.window)
    window = kiosk.window
    window.resize(1280, 800)
    window.show()
    kiosk.start()
    try:
        qtbot.waitUntil(state_is(kiosk, State.CONFIRMING), timeout=WAIT_MS)
        qtbot.mouseClick(window.yes_button, Qt.MouseButton.LeftButton)  # "that's me"
        qtbot.waitUntil(lambda: window.view.asking_consent, timeout=WAIT_MS)
        assert "只保存比对分数" in window.confirm_replace.text()
        assert window.yes_button.text() == "同意比对，开始拍照"
        qtbot.mouseClick(window.yes_button, Qt.MouseButton.LeftButton)  # agree
        qtbot.waitUntil(state_is(kiosk, State.HOLDING), timeout=WAIT_MS)
        fake_clock.advance(settings.capture.steady_s + settings.capture.countdown_s + 0.1)
        qtbot.waitUntil(state_is(kiosk, State.REVIEWING), timeout=WAIT_MS)
        shown = window.review_identity
        assert shown.isVisible() and re.fullmatch(r"与参考照片为同一人：很可能（分数 [01]\.\d\d）", shown.text())
        tick_appearance(qtbot, window)
        qtbot.keyClick(window, Qt.Key.Key_Return)  # accept
        qtbot.waitUntil(state_is(kiosk, State.SAVED), timeout=WAIT_MS)
    finally:
        kiosk.stop()
        window.allow_close = True
    with Store.from_settings(settings) as store:
        assert store.accepted(code).identity.verdict == "likely"
