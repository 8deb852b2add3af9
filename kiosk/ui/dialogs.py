"""The photographer's dialogs: PIN entry, a reason, today's list, prints, closing the station.

A dialog is a panel on the Overlay, which dims the whole window and takes every touch:
modal, one at a time, inside the kiosk's own window (a bare X session has no window
manager to frame, place or stack separate dialog windows). Each is built in the screen's
language. The keys of the window reach the open dialog (key()), so what is typed always
lands in its field, whatever had the focus.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.messages import reason_in, reasons, rule_name, text
from kiosk.ui.style import label, set_role


def _button(words: str, role: str | None = None, then: Callable | None = None) -> QPushButton:
    button = QPushButton(words)
    # The field keeps the focus: a button that took it would swallow the next key, and a
    # second Enter would submit an empty field.
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if role:
        button.setProperty("role", role)
    if then is not None:
        button.clicked.connect(lambda _=False: then())
    return button


class Overlay(QWidget):
    """Dims the window and holds one dialog in its middle; swallows touches around it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("overlay")
        self.layout_ = QGridLayout(self)
        self.dialog: Dialog | None = None
        self.hide()

    def show_dialog(self, dialog: "Dialog", width: float, height: float | None = None) -> None:
        """Show `dialog` (in place of any other) `width` px wide (and `height` px high)."""
        self.clear()
        self.dialog = dialog
        dialog.setFixedWidth(int(width))
        if height is not None:
            dialog.setFixedHeight(int(height))
        self.layout_.addWidget(dialog, 0, 0, Qt.AlignmentFlag.AlignCenter)
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        dialog.focus()

    def clear(self) -> None:
        if self.dialog is not None:
            self.dialog.hide()
            self.dialog.deleteLater()
            self.dialog = None
        self.hide()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0, 165))
        painter.end()

    def mousePressEvent(self, event) -> None:
        event.accept()  # modal: nothing behind the dialog is touched


class Dialog(QFrame):
    """A dialog panel: a title, its content, the window's keys (key())."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.setObjectName("dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.rows = QVBoxLayout(self)
        self.rows.setSpacing(14)
        self.title = label(title, "dialogtitle")
        self.rows.addWidget(self.title)
        self.entry: QLineEdit | None = None

    def focus(self) -> None:
        if self.entry is not None:
            self.entry.setFocus()

    def submit(self) -> None:
        """Enter: what the dialog's main button does."""

    def cancel(self) -> None:
        """Esc: what the dialog's cancel button does."""

    def key(self, event: QKeyEvent) -> None:
        """A key pressed anywhere in the window while this dialog is open."""
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
        elif key == Qt.Key.Key_Escape:
            self.cancel()
        elif self.entry is not None and key == Qt.Key.Key_Backspace:
            self.entry.backspace()
        elif self.entry is not None and event.text() and event.text().isprintable():
            self.entry.insert(event.text())
        self.focus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Keys the focused field does not use end here (Enter, Esc), never at the window:
        # behind a dialog they would confirm or retake the student's photo.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape):
            self.key(event)
        event.accept()


class PinDialog(Dialog):
    """PIN entry with an on-screen keypad (the kiosk may have only a touch screen)."""

    def __init__(self, lock, language: str, on_ok: Callable[[str], None], on_cancel: Callable[[], None]) -> None:
        super().__init__(text("operator.pin_title", language))
        self.lock, self.language = lock, language
        self.on_ok, self.on_cancel = on_ok, on_cancel
        self.message = label(text("operator.pin_prompt", language), "value")
        self.rows.addWidget(self.message)
        self.entry = QLineEdit()
        self.entry.setEchoMode(QLineEdit.EchoMode.Password)
        self.entry.setProperty("role", "pin")
        self.rows.addWidget(self.entry)
        keys = QGridLayout()
        keys.setSpacing(10)
        self.keys: dict[str, QPushButton] = {}
        for i, key in enumerate("123456789⌫0"):
            self.keys[key] = _button(key, "key", self.entry.backspace if key == "⌫"
                                     else lambda key=key: self.entry.insert(key))
            keys.addWidget(self.keys[key], i // 3, i % 3)
        self.ok = _button(text("ok", language), "primary", self.submit)
        # As high as the keys of its row (it has not their larger letters), not centred lower.
        self.ok.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        keys.addWidget(self.ok, 3, 2)
        self.rows.addLayout(keys)
        self.rows.addWidget(_button(text("cancel", language), None, self.cancel))

    def submit(self) -> None:
        name, key, params = self.lock.try_pin(self.entry.text())
        self.entry.clear()
        self.entry.setFocus()
        if name is not None:
            self.on_ok(name)
        else:
            self.message.setText(text(key, self.language, **params))
            # Red for a wrong PIN or the lock; the plain prompt again for an empty Enter.
            set_role(self.message, "value" if key == "operator.pin_prompt" else "notice")

    def cancel(self) -> None:
        self.on_cancel()


class ReasonDialog(Dialog):
    """Asks the photographer why (override, replace, void): the common reasons as buttons,
    one tap each, or a typed one; an empty reason is refused."""

    def __init__(self, prompt: str, kind: str, language: str, on_given: Callable[[str], None],
                 on_cancel: Callable[[], None], rule: str | None = None) -> None:
        super().__init__(prompt)
        self.on_given, self.on_cancel = on_given, on_cancel
        self.choices: list[QPushButton] = []
        for reason in reasons(kind, language, rule):
            choice = _button(reason, "choice", lambda reason=reason: self.entry.setText(reason))
            choice.setCheckable(True)
            self.choices.append(choice)
            self.rows.addWidget(choice)
        self.entry = QLineEdit()
        self.entry.setPlaceholderText(text("operator.reason_other", language))
        self.entry.textChanged.connect(self._mark)
        self.rows.addWidget(self.entry)
        buttons = QHBoxLayout()
        buttons.addWidget(_button(text("cancel", language), None, self.cancel))
        buttons.addStretch()
        self.ok = _button(text("ok", language), "primary", self.submit)
        self.ok.setEnabled(False)
        buttons.addWidget(self.ok)
        self.rows.addLayout(buttons)

    def _mark(self, words: str) -> None:
        """The reason button that says what the field says is shown pressed; OK once there is one."""
        for choice in self.choices:
            choice.setChecked(choice.text() == words)
        self.ok.setEnabled(bool(words.strip()))

    def submit(self) -> None:
        reason = self.entry.text().strip()
        if reason:
            self.on_given(reason)

    def cancel(self) -> None:
        self.on_cancel()


class TodayDialog(Dialog):
    """Today's captures (newest first, masked names, override and void marks) with a search
    by code; the photographer voids one with a reason, or prints it. Drawn from the session's
    dialog."""

    COLUMNS = ("operator.column_time", "operator.column_code", "operator.column_name", "operator.column_status")

    def __init__(self, language: str, on_void: Callable[[str], None], on_close: Callable[[], None],
                 on_print: Callable[[str], None]) -> None:
        super().__init__(text("operator.today", language))
        self.language, self.on_void, self.on_close = language, on_void, on_close
        self.shown = None  # the session's dialog drawn now
        self.counts = label("", "value")
        self.rows.addWidget(self.counts)
        self.entry = QLineEdit()  # the search: a handheld scanner types a code into it
        self.entry.setPlaceholderText(text("operator.search", language))
        self.entry.textChanged.connect(lambda _: self._fill())
        self.rows.addWidget(self.entry)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([text(k, language) for k in self.COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selected)
        self.rows.addWidget(self.table, 1)
        self.message = label("", "notice")
        self.rows.addWidget(self.message)
        buttons = QHBoxLayout()
        self.void_button = _button(text("operator.void_selected", language), "danger",
                                   lambda: self.on_void(self.selected_code()))
        self.void_button.setEnabled(False)
        buttons.addWidget(self.void_button)
        self.print_button = _button(text("operator.print", language), None,
                                    lambda: on_print(self.selected_code()))
        self.print_button.setEnabled(False)
        buttons.addWidget(self.print_button)
        buttons.addStretch()
        buttons.addWidget(_button(text("operator.close", language), "primary", self.cancel))
        self.rows.addLayout(buttons)

    def show_dialog(self, dialog) -> None:
        """Draw the session's today dialog (its rows and what the last void did)."""
        if dialog == self.shown:  # views come every second (the time left): keep the table still
            return
        self.shown = dialog
        self.table.ensurePolished()  # the style sheet's font, for rows a finger can pick
        self.table.verticalHeader().setDefaultSectionSize(int(self.table.fontMetrics().height() * 1.9))
        saved = sum(1 for row in dialog.rows if row.status == "accepted")
        voided = sum(1 for row in dialog.rows if row.status == "voided")
        self.counts.setText(text("operator.counts", self.language, saved=saved, voided=voided))
        self.message.setText(text(dialog.message, self.language, **dialog.params) if dialog.message else "")
        self._fill()

    def visible_rows(self) -> list:
        """The rows the search leaves (a part of the code, any case)."""
        wanted = self.entry.text().strip().upper()
        return [row for row in self.shown.rows if wanted in row.code.upper()]

    def _fill(self) -> None:
        if self.shown is None:
            return
        selected = self.selected_row()
        rows = self.visible_rows()
        self.table.blockSignals(True)  # half-filled rows are not a selection
        self.table.clearSelection()
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            status = text("status." + row.status, self.language)
            if row.end_reason:
                reason = reason_in(row.end_reason, self.language)
                status += text("operator.end_reason", self.language, reason=reason)
            if row.overrides:
                rules = "、" if self.language == "zh" else ", "
                status += " · " + text("operator.overridden", self.language,
                                       rules=rules.join(rule_name(r, self.language) for r in row.overrides))
            for column, value in enumerate((row.time, row.code, row.name_masked or "—", status)):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, row)
                if row.status != "accepted":
                    item.setForeground(QColor("#8a929c"))  # no longer the code's photo
                elif row.overrides:
                    item.setForeground(QColor("#9a6a00"))  # overridden: look twice
                self.table.setItem(i, column, item)
            if row == selected:
                self.table.selectRow(i)
        self.table.blockSignals(False)
        self._selected()

    def selected_row(self):
        """The TodayRow selected, or None."""
        rows = self.table.selectionModel().selectedRows()
        return self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole) if rows else None

    def selected_code(self) -> str | None:
        """The code of the selected row, when that row's photo can still be voided or printed."""
        row = self.selected_row()
        return row.code if row is not None and row.status == "accepted" else None

    def _selected(self) -> None:
        self.void_button.setEnabled(self.selected_code() is not None)
        self.print_button.setEnabled(self.selected_code() is not None)

    def cancel(self) -> None:
        self.on_close()


class PrintDialog(Dialog):
    """Prints of a stored photo (加印): the printer and the paper, the usual ones chosen
    already, then one tap on how many sends them. Drawn from the session's print dialog."""

    COPIES = (1, 2, 4)  # and a full sheet of the paper chosen

    def __init__(self, dialog, print_settings, language: str, on_print: Callable[[int, str, str], None],
                 on_close: Callable[[], None]) -> None:
        super().__init__(text("print.title", language, code=dialog.subject))
        self.language, self.on_close = language, on_close
        self.printed = label("", "value")
        self.rows.addWidget(self.printed)
        offer = dialog.offer
        self.printers: dict[str, QPushButton] = {}
        self.papers: dict[str, QPushButton] = {}
        self.copies: list[QPushButton] = []
        if offer is not None and not offer.printers:  # what to do instead, and nothing to choose
            self.rows.addWidget(label(text("print.printer", language), "section"))
            no_printer = "print.no_printer_demo" if offer.demo else "print.no_printer"
            self.rows.addWidget(label(text(no_printer, language, code=dialog.subject), "notice"))
        elif offer is not None:  # else the message says why nothing can be printed
            self.per_sheet = offer.per_sheet
            self.rows.addWidget(label(text("print.printer", language), "section"))
            # Printer names can be long: one under the other, as the reasons are.
            self.printers = self._choices(offer.printers, offer.printers[:1], self.rows)
            self.rows.addWidget(label(text("print.paper", language), "section"))
            papers = QHBoxLayout()
            self.papers = self._choices(offer.per_sheet, [print_settings.paper], papers)
            for paper, choice in self.papers.items():
                size = "×".join(f"{mm:g}" for mm in print_settings.paper_mm(paper))
                choice.setText(f"{text('print.paper_' + paper, language)}\n{size} mm")  # fits an upright screen
                choice.clicked.connect(lambda _=False: self._show_sheet())
            self.rows.addLayout(papers)
            self.rows.addWidget(label(text("print.copies", language), "section"))
            counts = QHBoxLayout()
            for n in (*self.COPIES, None):  # None: the full sheet
                self.copies.append(_button(text("print.copies_n", language, n=n) if n else "", "primary",
                                           lambda n=n: on_print(n or self.per_sheet[self.paper()], self.paper(),
                                                                self.printer())))
                counts.addWidget(self.copies[-1])
            self.rows.addLayout(counts)
            self._show_sheet()
        self.message = label("", "value")
        self.rows.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(_button(text("operator.close", language), None, self.cancel))
        self.rows.addLayout(buttons)

    def _choices(self, names, chosen, layout) -> dict[str, QPushButton]:
        """A button per name into `layout`, one pressed at a time: at first the one in `chosen`."""
        group = QButtonGroup(self)
        choices = {}
        for name in names:
            choices[name] = _button(name, "choice")
            choices[name].setCheckable(True)
            choices[name].setChecked(name in chosen)
            group.addButton(choices[name])
            layout.addWidget(choices[name])
        return choices

    def printer(self) -> str:
        return next(name for name, choice in self.printers.items() if choice.isChecked())

    def paper(self) -> str:
        return next(name for name, choice in self.papers.items() if choice.isChecked())

    def _show_sheet(self) -> None:
        """The full-sheet button says how many the paper chosen holds."""
        self.copies[-1].setText(text("print.sheet", self.language, n=self.per_sheet[self.paper()]))

    def show_dialog(self, dialog) -> None:
        """Draw the session's print dialog: the prints so far and what the last print did."""
        self.printed.setVisible(dialog.offer is not None)
        if dialog.offer is not None:
            self.printed.setText(text("print.printed", self.language, printed=dialog.offer.printed))
        # No second tap while a sheet goes out.
        for copies in self.copies:
            copies.setEnabled(bool(self.printers) and dialog.message != "print.sending")
        self.message.setText(text(dialog.message, self.language, **dialog.params) if dialog.message else "")
        set_role(self.message, "notice" if dialog.message == "print.failed" else "value")

    def cancel(self) -> None:
        self.on_close()


class CloseDialog(Dialog):
    """Closing the station: the day's summary, a reminder when photos wait for the export."""

    def __init__(self, dialog, language: str, on_close: Callable[[], None], on_cancel: Callable[[], None]) -> None:
        super().__init__(text("operator.close_title", language))
        self.on_close, self.on_cancel = on_close, on_cancel
        summary = dialog.summary
        if summary is None:  # the store could not be read: say so, closing still works
            self.summary = label(text(dialog.message, language, **dialog.params), "notice")
            self.reminder = label("", "notice")
        else:
            self.summary = label(text("operator.close_summary", language, accepted=summary.accepted,
                                       overridden=summary.overridden, retakes=summary.retakes,
                                       voided=summary.voided, waiting=summary.waiting_export), "value")
            waiting = summary.waiting_export
            if summary.demo:
                self.reminder = label(text("operator.demo_removed", language), None)
            else:
                reminder = "operator.export_reminder" if summary.scheduled else "operator.export_unscheduled"
                self.reminder = label(text(reminder, language, waiting=waiting) if waiting
                                      else text("operator.all_exported", language), "notice" if waiting else None)
        self.rows.addWidget(self.summary)
        self.rows.addWidget(self.reminder)
        buttons = QHBoxLayout()
        buttons.addWidget(_button(text("cancel", language), None, self.cancel))
        buttons.addStretch()
        buttons.addWidget(_button(text("operator.close_confirm", language), "danger", self.submit))
        self.rows.addLayout(buttons)

    def key(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return  # the day ends only with a tap on its red button, never on a stray Enter
        super().key(event)

    def submit(self) -> None:
        self.on_close()

    def cancel(self) -> None:
        self.on_cancel()
