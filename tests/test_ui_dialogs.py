"""The photographer's dialogs as a finger uses them: reasons one tap each, today's list
searched by code and voided only where a photo can be (offscreen, real widgets)."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtCore import QEvent

from kiosk.messages import reasons
from kiosk.session import Dialog as SessionDialog
from kiosk.session import TodayRow
from kiosk.ui.dialogs import ReasonDialog, TodayDialog

# cv2 points Qt at its own plugins on import; undo it before pytest-qt makes the QApplication.
os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)


def key(dialog, which, words: str = "") -> None:
    """A key pressed in the kiosk window while `dialog` is open (the window hands it over)."""
    dialog.key(QKeyEvent(QEvent.Type.KeyPress, which, Qt.KeyboardModifier.NoModifier, words))


def test_an_override_offers_the_reasons_that_fit_its_rule(qtbot):
    """A fourth trial, overriding a tilted head, was offered a religious headscarf first."""
    scarf = "Religious head covering, face fully visible"
    for rule, offered in (("roll", False), ("head_covering", True), ("ears_visible", True)):
        dialog = ReasonDialog("Why?", "override", "en", print, print, rule)
        qtbot.addWidget(dialog)
        texts = [c.text() for c in dialog.choices]
        assert (scarf in texts) is offered and "Student insists after being told" in texts, (rule, texts)


def test_a_reason_is_one_tap_or_typed_and_never_empty(qtbot):
    given, cancelled = [], []
    dialog = ReasonDialog("Why override “head not tilted”?", "override", "en", given.append,
                          lambda: cancelled.append(True))
    qtbot.addWidget(dialog)
    dialog.show()
    assert [c.text() for c in dialog.choices] == reasons("override", "en")
    key(dialog, Qt.Key.Key_Return)
    assert given == [] and not dialog.ok.isEnabled()  # nothing chosen: nothing given
    qtbot.mouseClick(dialog.choices[2], Qt.MouseButton.LeftButton)
    assert dialog.entry.text() == "Student insists after being told"
    assert [c.isChecked() for c in dialog.choices] == [False, False, True, False]
    for letter in " (signed)":  # a keyboard adds to it: the tapped reason is no longer the one
        key(dialog, Qt.Key.Key_unknown, letter)
    assert not any(c.isChecked() for c in dialog.choices)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert given == ["Student insists after being told (signed)"]
    key(dialog, Qt.Key.Key_Escape)
    assert cancelled == [True]


def test_todays_list_finds_a_code_and_voids_or_prints_only_a_kept_photo(qtbot):
    asked, printing = [], []
    dialog = TodayDialog("zh", asked.append, lambda: None, printing.append)
    qtbot.addWidget(dialog)
    dialog.show()
    rows = (TodayRow("C0003", "10:12", "王*明", "accepted", ("roll", "tinted_glasses")),
            TodayRow("C0002", "10:05", None, "voided", (), "拍错了人"),
            TodayRow("C0001", "09:58", "李*", "replaced", (), "闭眼"))
    dialog.show_dialog(SessionDialog("today", rows=rows, message="operator.void_done", params={"code": "C0002"}))
    assert dialog.counts.text() == "今日已保存 1 张，作废 1 张"
    assert dialog.message.text() == "已作废 C0002"
    table = dialog.table
    assert [[table.item(r, c).text() for c in range(4)] for r in range(3)] == [
        ["10:12", "C0003", "王*明", "已保存 · 放行：头不歪斜、无有色镜片"],
        ["10:05", "C0002", "—", "已作废（原因：拍错了人）"],
        ["09:58", "C0001", "李*", "已被重拍替换（原因：闭眼）"]]
    for letter in "c0001":  # a scanner or a keyboard: part of a code, any case
        key(dialog, Qt.Key.Key_unknown, letter)
    assert table.rowCount() == 1 and table.item(0, 1).text() == "C0001"
    table.selectRow(0)
    assert not dialog.void_button.isEnabled()  # replaced already: nothing to void
    assert not dialog.print_button.isEnabled()  # nor to print
    for _ in "c0001":
        key(dialog, Qt.Key.Key_Backspace)
    assert table.rowCount() == 3
    assert table.item(2, 1).text() == "C0001" and table.selectionModel().selectedRows()[0].row() == 2
    table.selectRow(0)
    assert dialog.void_button.isEnabled()
    qtbot.mouseClick(dialog.void_button, Qt.MouseButton.LeftButton)
    assert asked == ["C0003"]
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert printing == ["C0003"]
