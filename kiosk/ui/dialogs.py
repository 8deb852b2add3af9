"""The photographer's dialogs: PIN entry, a reason, today's list. Non-blocking (open()),
so the preview keeps running behind them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from kiosk.messages import text


class PinDialog(QDialog):
    """PIN entry with an on-screen keypad (the kiosk may have only a touch screen)."""

    def __init__(self, lock, language: str, parent=None) -> None:
        super().__init__(parent)
        self.lock = lock
        self.language = language
        self.setObjectName("panel")
        self.setWindowTitle(text("operator.pin_title", language))
        self.setModal(True)
        layout = QVBoxLayout(self)
        title = QLabel(text("operator.pin_prompt", language))
        title.setProperty("role", "value")
        layout.addWidget(title)
        self.entry = QLineEdit()
        self.entry.setEchoMode(QLineEdit.EchoMode.Password)
        self.entry.returnPressed.connect(self.submit)
        layout.addWidget(self.entry)
        self.message = QLabel("")
        self.message.setProperty("role", "notice")
        layout.addWidget(self.message)
        keys = QGridLayout()
        for i, key in enumerate("123456789"):
            keys.addWidget(self._key(key), i // 3, i % 3)
        keys.addWidget(self._key("⌫"), 3, 0)
        keys.addWidget(self._key("0"), 3, 1)
        ok = QPushButton(text("ok", language))
        ok.setProperty("role", "primary")
        ok.clicked.connect(self.submit)
        keys.addWidget(ok, 3, 2)
        layout.addLayout(keys)
        cancel = QPushButton(text("cancel", language))
        cancel.clicked.connect(self.reject)
        layout.addWidget(cancel)

    def _key(self, key: str) -> QPushButton:
        button = QPushButton(key)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        if key == "⌫":
            button.clicked.connect(self.entry.backspace)
        else:
            button.clicked.connect(lambda: self.entry.insert(key))
        return button

    def submit(self) -> None:
        ok, key, params = self.lock.try_pin(self.entry.text())
        self.entry.clear()
        if ok:
            self.accept()
        else:
            self.message.setText(text(key, self.language, **params))


class ReasonDialog(QDialog):
    """Asks the photographer for a reason (override, replace, void); empty is refused."""

    given = Signal(str)

    def __init__(self, prompt: str, language: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.setModal(True)
        layout = QVBoxLayout(self)
        label = QLabel(prompt)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.entry = QLineEdit()
        self.entry.returnPressed.connect(self.submit)
        layout.addWidget(self.entry)
        buttons = QHBoxLayout()
        ok = QPushButton(text("ok", language))
        ok.setProperty("role", "primary")
        ok.clicked.connect(self.submit)
        cancel = QPushButton(text("cancel", language))
        cancel.clicked.connect(self.reject)
        buttons.addWidget(cancel)
        buttons.addWidget(ok)
        layout.addLayout(buttons)

    def submit(self) -> None:
        reason = self.entry.text().strip()
        if reason:
            self.given.emit(reason)
            self.accept()


class TodayDialog(QDialog):
    """Today's captures and counts; the photographer can void one (with a reason)."""

    def __init__(self, open_store, operator: str, language: str, parent=None) -> None:
        super().__init__(parent)
        self.open_store = open_store
        self.operator = operator
        self.language = language
        self.setObjectName("panel")
        self.setModal(True)
        self.setWindowTitle(text("operator.today", language))
        layout = QVBoxLayout(self)
        self.counts = QLabel("")
        self.counts.setProperty("role", "value")
        layout.addWidget(self.counts)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(
            [text(k, language) for k in ("operator.column_code", "operator.column_time", "operator.column_status")]
        )
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table)
        self.message = QLabel("")
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        void = QPushButton(text("review.void", language))
        void.setProperty("role", "danger")
        void.clicked.connect(self.ask_void)
        close = QPushButton(text("operator.close", language))
        close.clicked.connect(self.accept)
        buttons.addWidget(void)
        buttons.addStretch()
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        with self.open_store() as store:
            captures = store.captures()
            counts = store.counts()
        self.counts.setText(text("operator.counts", self.language, saved=counts.accepted, voided=counts.voided))
        self.table.setRowCount(len(captures))
        for row, capture in enumerate(reversed(captures)):  # newest first
            status = text("status." + capture.status, self.language)
            for col, value in enumerate((capture.code, capture.taken_at[11:19], status)):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, capture.status)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()

    def selected_code(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        row = rows[0].row()
        if self.table.item(row, 2).data(Qt.ItemDataRole.UserRole) != "accepted":
            return None
        return self.table.item(row, 0).text()

    def ask_void(self) -> None:
        code = self.selected_code()
        if code is None:
            return
        dialog = ReasonDialog(text("operator.void_reason", self.language), self.language, self)
        dialog.given.connect(lambda reason: self.void(code, reason))
        dialog.open()

    def void(self, code: str, reason: str) -> None:
        try:
            with self.open_store() as store:
                store.void(code, self.operator, reason)
        except Exception as error:  # raised in a Qt slot it would vanish unseen: say it here
            self.message.setText(text("operator.void_failed", self.language, code=code, why=error))
        else:
            self.message.setText(text("operator.void_done", self.language, code=code))
        self.refresh()
