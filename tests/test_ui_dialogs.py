"""The photographer's dialogs in a real (offscreen) Qt window over a real SQLite store."""

from __future__ import annotations

import os

import cv2
import numpy as np

from kiosk.store import Store
from kiosk.ui.dialogs import ReasonDialog, TodayDialog

# cv2 points Qt at its own plugins on import; undo it before pytest-qt makes the QApplication.
os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)

RESULTS = [{"id": "eyes_open", "rule": "eyes", "verdict": "pass", "value": 0.9, "threshold": ">= 0.5",
            "message_zh": "", "message_en": "", "priority": 3}]


def jpeg(width: int, height: int) -> bytes:
    return cv2.imencode(".jpg", np.full((height, width, 3), 200, np.uint8))[1].tobytes()


def test_a_void_that_fails_is_explained_in_todays_list(qtbot, settings, fake_clock):
    def open_store():
        return Store.from_settings(settings, fake_clock)

    with open_store() as store:
        store.save_capture("C0001", jpeg(1280, 720), jpeg(480, 640), RESULTS, operator="S01 photographer")
    today = TodayDialog(open_store, "S01 photographer", "en")
    qtbot.addWidget(today)
    today.table.selectRow(0)
    with open_store() as store:  # meanwhile the photo is voided elsewhere (another station)
        store.void("C0001", "S02 photographer", "taken twice")
    today.ask_void()
    reason = today.findChild(ReasonDialog)
    reason.entry.setText("blurred")
    reason.submit()
    assert today.message.text() == "Could not void C0001: C0001 has no accepted photo to void"
    assert today.table.item(0, 2).text() == "voided"  # the list shows how things stand now
