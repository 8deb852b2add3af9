"""The kiosk window. Every screen is drawn from the session's view; the window only turns
touches and keys into session events (posted to the worker) and never decides anything.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk import session as s
from kiosk.codec import qr_image
from kiosk.messages import rule_name, text
from kiosk.scanner import WedgeInput
from kiosk.session import State
from kiosk.ui import style
from kiosk.ui.dialogs import PinDialog, ReasonDialog, TodayDialog
from kiosk.ui.preview import Preview

# Three taps in the top-left corner within this time open the PIN entry (touch screens
# have no F12).
CORNER_PX = 90
CORNER_TAPS = 3
CORNER_WINDOW_S = 2.0


class ViewBridge(QObject):
    """Carries views from the worker thread to the window (a queued signal)."""

    changed = Signal(object)


def qr_pixmap(data: str, size: int) -> QPixmap:
    pixels = qr_image(data, border=2)
    image = QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.strides[0],
                   QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(image).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio)


def jpeg_pixmap(jpeg: bytes, height: int) -> QPixmap:
    pixmap = QPixmap()
    pixmap.loadFromData(jpeg, "JPG")
    return pixmap.scaledToHeight(height, Qt.TransformationMode.SmoothTransformation)


def label(text_: str = "", role: str | None = None, wrap: bool = True) -> QLabel:
    widget = QLabel(text_)
    widget.setWordWrap(wrap)
    if role:
        widget.setProperty("role", role)
    return widget


def button(role: str | None = None) -> QPushButton:
    widget = QPushButton()
    # Keys belong to the window (Enter, Esc, a scanner typing a code), never to a button.
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if role:
        widget.setProperty("role", role)
    return widget


class KioskWindow(QWidget):
    """post(event) hands events to the session; latest() gives the newest camera frame;
    open_store() opens the store for the photographer's list; lock checks PINs."""

    def __init__(self, settings, post, latest, lock, open_store, fps: float) -> None:
        super().__init__()
        self.settings = settings
        self.post = post
        self.latest = latest
        self.lock = lock
        self.open_store = open_store
        self.view: s.View | None = None
        self.allow_close = False
        self.wedge = WedgeInput()  # what a keyboard-wedge scanner types
        self.corner_taps: list[float] = []
        self.dialog = None
        self._review_capture = None
        self.setWindowTitle(text("app.title", settings.station.language))
        self.setFont(style.font(style.small(800)))  # the CJK family for every widget
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.bridge = ViewBridge()
        self.bridge.changed.connect(self.show_view)
        self._build()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._poll_camera)
        self.timer.start(max(5, int(1000 / fps / 2)))  # twice the camera rate: no frame waits long

    # -- layout

    def _build(self) -> None:
        root = QVBoxLayout(self)
        # The screen decides the window's size, never its contents (text is sized from
        # the height, so a growing window would grow its text and itself again).
        root.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        top = QWidget()
        top.setObjectName("topbar")
        bar = QHBoxLayout(top)
        self.title = label(wrap=False)
        self.station = label(wrap=False)
        self.station.setProperty("role", "muted")
        self.badge = label(wrap=False)
        self.language_button = button()
        self.language_button.clicked.connect(self._switch_language)
        bar.addWidget(self.title)
        bar.addSpacing(20)
        bar.addWidget(self.station)
        bar.addStretch()
        bar.addWidget(self.badge)
        bar.addWidget(self.language_button)
        root.addWidget(top)

        self.pages = QStackedWidget()
        self.preview = Preview(self.settings.capture)
        self.pages.addWidget(self.preview)
        self.confirm_page = self._confirm_page()
        self.review_page = self._review_page()
        self.saved_page = self._saved_page()
        self.error_page = self._error_page()
        for page in (self.confirm_page, self.review_page, self.saved_page, self.error_page):
            self.pages.addWidget(page)
        root.addWidget(self.pages, 1)

        self.operator_bar = QWidget()
        self.operator_bar.setObjectName("operatorbar")
        rows = QVBoxLayout(self.operator_bar)
        ops = QHBoxLayout()
        rows.addLayout(ops)
        # What to do about a camera that cannot take photos: a row of its own, read in full
        # on a touch screen where no tooltip opens.
        self.camera_fix = label()
        rows.addWidget(self.camera_fix)
        self.camera_status = label(wrap=False)
        self.backdrop_status = label(wrap=False)
        self.shutter_button = button("primary")
        self.shutter_button.clicked.connect(lambda: self.post(s.Shutter()))
        self.today_button = button()
        self.today_button.clicked.connect(self._open_today)
        self.leave_button = button()
        self.leave_button.clicked.connect(lambda: self.post(s.OperatorOff()))
        self.exit_button = button("danger")
        self.exit_button.clicked.connect(self._exit)
        ops.setSpacing(24)
        for w in (self.camera_status, self.backdrop_status):
            ops.addWidget(w)
        ops.addStretch()
        for w in (self.shutter_button, self.today_button, self.leave_button, self.exit_button):
            ops.addWidget(w)
        root.addWidget(self.operator_bar)
        self.operator_bar.hide()

    def _panel(self) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        page.setObjectName("panel")
        page.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(60, 24, 60, 24)
        return page, layout

    def _confirm_page(self) -> QWidget:
        page, layout = self._panel()
        self.confirm_title = label(role="title")
        layout.addWidget(self.confirm_title)
        layout.addSpacing(30)
        grid = QGridLayout()
        self.confirm_rows = {}
        grid.setVerticalSpacing(18)
        grid.setHorizontalSpacing(40)
        for row, key in enumerate(("confirm.name", "confirm.id", "confirm.college", "confirm.code")):
            name, value = label(role="label", wrap=False), label(role="big")
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            self.confirm_rows[key] = (name, value)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        self.confirm_replace = label(role="notice")
        layout.addWidget(self.confirm_replace)
        layout.addStretch()
        buttons = QHBoxLayout()
        self.deny_button = button()
        self.deny_button.clicked.connect(lambda: self.post(s.Deny()))
        self.yes_button = button("primary")
        self.yes_button.clicked.connect(lambda: self.post(s.Confirm()))
        buttons.addWidget(self.deny_button)
        buttons.addStretch()
        buttons.addWidget(self.yes_button)
        layout.addLayout(buttons)
        return page

    def _review_page(self) -> QWidget:
        page, layout = self._panel()
        self.review_title = label(role="big")
        layout.addWidget(self.review_title)
        body = QHBoxLayout()
        body.setSpacing(30)
        self.review_photo = QLabel()
        self.review_photo.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        body.addWidget(self.review_photo)
        side = QVBoxLayout()
        self.review_checks_title = label(role="label")
        side.addWidget(self.review_checks_title)
        # The rows keep their natural height and scroll when a short screen has no room
        # for them all beside the photographer's confirmations: never squeezed on top of
        # each other.
        rows = QWidget()
        rows.setObjectName("checklist")
        self.review_list = QGridLayout(rows)
        self.review_list.setContentsMargins(0, 0, 0, 0)
        self.review_list.setVerticalSpacing(4)
        self.review_list.setHorizontalSpacing(10)
        self.review_list.setColumnStretch(2, 1)
        self.review_list.setColumnStretch(5, 1)
        scroll = QScrollArea()
        scroll.setWidget(rows)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setStyleSheet("QScrollArea, #checklist { background: transparent; }")
        side.addWidget(scroll, 1)
        self.confirm_boxes = {item: QCheckBox() for item in s.APPEARANCE}
        for item, box in self.confirm_boxes.items():
            box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            box.clicked.connect(lambda checked, item=item: self.post(s.ConfirmAppearance(item, checked)))
            side.addWidget(box)
        self.review_notice = label(role="notice")
        side.addWidget(self.review_notice)
        buttons = QHBoxLayout()
        self.retake_button = button()
        self.retake_button.clicked.connect(lambda: self.post(s.Retake()))
        self.void_button = button("danger")
        self.void_button.clicked.connect(lambda: self.post(s.Void()))
        self.accept_button = button("primary")
        self.accept_button.clicked.connect(lambda: self.post(s.Accept()))
        buttons.addWidget(self.retake_button)
        buttons.addWidget(self.void_button)
        buttons.addStretch()
        buttons.addWidget(self.accept_button)
        side.addLayout(buttons)
        body.addLayout(side, 1)
        layout.addLayout(body, 1)
        return page

    def _saved_page(self) -> QWidget:
        page, layout = self._panel()
        self.saved_title = label(role="title")
        self.saved_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.saved_title)
        self.saved_qr = QLabel()
        self.saved_qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.saved_qr, 1)
        self.saved_lines = label(role="value")
        self.saved_lines.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.saved_lines)
        self.saved_hint = label(role="muted")
        self.saved_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.saved_hint)
        return page

    def _error_page(self) -> QWidget:
        page, layout = self._panel()
        self.error_title = label(role="error")
        layout.addWidget(self.error_title)
        self.error_text = label(role="value")
        layout.addWidget(self.error_text)
        layout.addStretch()
        buttons = QHBoxLayout()
        self.cancel_button = button()
        self.cancel_button.clicked.connect(lambda: self.post(s.Cancel()))
        self.retry_button = button("primary")
        self.retry_button.clicked.connect(self._retry)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch()
        buttons.addWidget(self.retry_button)
        layout.addLayout(buttons)
        return page

    # -- drawing the view

    def resizeEvent(self, event) -> None:
        self.setStyleSheet(style.sheet(self.height()))
        super().resizeEvent(event)

    def _poll_camera(self) -> None:
        if self.pages.currentWidget() is self.preview:
            self.preview.show_frame(self.latest())

    def show_view(self, view: s.View) -> None:
        self.view = view
        lang = view.language
        self.title.setText(text("app.title", lang))
        self.station.setText(self.settings.station.name)
        self.language_button.setText(text("language.switch", lang))
        self.badge.setText(text("operator.badge", lang) if view.operator else "")
        self._show_operator(view, lang)
        state = view.state
        if state in (State.WAITING, State.SCANNING, State.GUIDING, State.HOLDING, State.CAPTURING):
            self.preview.show_view(view)
            self.pages.setCurrentWidget(self.preview)
        elif state is State.CONFIRMING:
            self._show_confirm(view, lang)
        elif state is State.REVIEWING:
            self._show_review(view, lang)
        elif state is State.SAVED:
            self._show_saved(view, lang)
        elif state is State.ERROR:
            self._show_error(view, lang)
        if not self._reads_codes():
            self.wedge.clear()

    def _show_operator(self, view: s.View, lang: str) -> None:
        self.operator_bar.setVisible(view.operator is not None)
        if view.operator is None:
            return
        small = view.camera == "running" and view.small_frames is not None
        if small:
            width, height = view.small_frames
            camera = self.settings.camera
            status = text("camera.small", lang, size=f"{width}x{height}", asked=f"{camera.width}x{camera.height}")
        else:
            status = text("camera." + view.camera, lang)
            if view.camera_problem:
                status += f" ({view.camera_problem})"
        line = text("operator.camera", lang, status=status)
        # The grabber's words can be long (a device path): a third of the bar, all of it on hover.
        self.camera_status.setText(self.camera_status.fontMetrics().elidedText(
            line, Qt.TextElideMode.ElideRight, self.width() // 3))
        self.camera_status.setToolTip(line)
        self.camera_fix.setText(text("camera.small_fix", lang) if small else "")
        self.camera_fix.setVisible(small)
        background = [r for r in view.results if r.rule == "background"]
        verdict = s.verdict_of(background[0]) if background else None
        self.backdrop_status.setText(
            text("operator.backdrop", lang, verdict=text("verdict." + verdict, lang) if verdict else text("unknown", lang))
        )
        self.shutter_button.setText(text("operator.shutter", lang))
        self.shutter_button.setEnabled(view.state in (State.GUIDING, State.HOLDING))
        self.today_button.setText(text("operator.today", lang))
        self.leave_button.setText(text("operator.leave", lang))
        self.exit_button.setText(text("operator.exit", lang))

    def _show_confirm(self, view: s.View, lang: str) -> None:
        student = view.student
        unknown = text("confirm.unknown", lang)
        values = {
            "confirm.name": student.name_masked,
            "confirm.id": student.id_masked,
            "confirm.college": student.college,
            "confirm.code": student.code,
        }
        self.confirm_title.setText(text("confirm.title", lang))
        for key, (name, value) in self.confirm_rows.items():
            name.setText(text(key, lang))
            value.setText(values[key] or unknown)
        self.confirm_replace.setText(text("confirm.replace", lang) if student.replace else "")
        self.deny_button.setText(text("confirm.no", lang))
        self.yes_button.setText(text("confirm.yes", lang))
        self.pages.setCurrentWidget(self.confirm_page)

    def _show_review(self, view: s.View, lang: str) -> None:
        capture = view.capture
        self.review_title.setText(text("review.title", lang))
        self.review_checks_title.setText(text("review.checks", lang))
        if self._review_capture is None or capture.jpeg is not self._review_capture.jpeg:
            self.review_photo.setPixmap(jpeg_pixmap(capture.jpeg, int(self.height() * 0.62)))
        self._review_capture = capture
        self._fill_checks(capture, view, lang)
        operator = view.operator is not None
        for item, box in self.confirm_boxes.items():
            box.setVisible(operator)
            box.setText(text(f"review.confirm_{item}", lang))
            box.setChecked(item in capture.confirmations)
        self.review_notice.setText(text(view.notice, lang) if view.notice else "")
        self.retake_button.setText(text("review.retake", lang))
        self.void_button.setText(text("review.void", lang))
        self.void_button.setVisible(operator)
        self.accept_button.setText(text("review.accept", lang))
        self.pages.setCurrentWidget(self.review_page)

    def _fill_checks(self, capture, view: s.View, lang: str) -> None:
        """One line per rule: its mark and colour, and for a photographer an override."""
        while self.review_list.count():
            widget = self.review_list.takeAt(0).widget()
            widget.hide()
            widget.deleteLater()
        overrides = dict(capture.overrides)
        by_rule: dict[str, list] = {}
        for r in capture.report.results:
            by_rule.setdefault(r.rule, []).append(r)
        half = (len(by_rule) + 1) // 2  # two columns, so twenty rules fit beside the photo
        size = style.small(self.height())

        def severity(results) -> int:
            return max(style.SEVERITY[s.verdict_of(r)] for r in results)

        # What needs a look comes first, so it is in view even when the list scrolls.
        ordered = sorted(by_rule.items(), key=lambda item: -severity(item[1]))
        for i, (rule, results) in enumerate(ordered):
            row, col = (i, 0) if i < half else (i - half, 3)
            worst = max(results, key=lambda r: style.SEVERITY[s.verdict_of(r)])
            verdict = s.verdict_of(worst)
            mark = label(style.SYMBOL[verdict], wrap=False)
            mark.setStyleSheet(f"color: {style.VERDICT[verdict].name()}; font-weight: bold; font-size: {size}px;")
            name = label(rule_name(rule, lang), wrap=False)
            name.setStyleSheet(f"font-size: {int(size * 0.75)}px;")
            self.review_list.addWidget(mark, row, col)
            self.review_list.addWidget(name, row, col + 1)
            blocking = [r for r in results if s.verdict_of(r) in s.BLOCKING]
            if blocking and blocking[0].id in overrides:
                reason = overrides[blocking[0].id]
                note = label(text("review.overridden", lang), wrap=False)
                note.setToolTip(reason)
                mark.setText(style.SYMBOL["warn"])
                mark.setStyleSheet(f"color: {style.WARN.name()}; font-weight: bold; font-size: {size}px;")
                note.setStyleSheet(f"color: {style.WARN.name()}; font-size: {int(size * 0.7)}px;")
                self.review_list.addWidget(note, row, col + 2)
            elif blocking and view.operator:
                override = button()
                override.setText(text("review.override", lang))
                override.setStyleSheet(f"font-size: {int(size * 0.65)}px; padding: 0px 8px; min-height: {size}px;")
                override.clicked.connect(lambda _=False, r=blocking[0]: self._ask_override(r))
                self.review_list.addWidget(override, row, col + 2)
            elif blocking:
                self.review_list.addWidget(label(text("verdict." + verdict, lang), wrap=False), row, col + 2)

    def _show_saved(self, view: s.View, lang: str) -> None:
        receipt = view.receipt
        self.saved_title.setText(text("saved.title", lang))
        self.saved_qr.setPixmap(qr_pixmap(receipt.qr_text, int(self.height() * 0.4)))
        when = receipt.saved_at.strftime("%Y-%m-%d %H:%M")
        self.saved_lines.setText(
            text("saved.code", lang, code=receipt.code) + "\n" + text("saved.time", lang, time=when)
        )
        self.saved_hint.setText(text("saved.hint", lang))
        self.pages.setCurrentWidget(self.saved_page)

    def _show_error(self, view: s.View, lang: str) -> None:
        problem = view.problem
        self.error_title.setText(text(problem.title_key, lang))
        # Red only for an error; a wait is no one's fault. (A changed role needs a re-polish.)
        self.error_title.setProperty("role", "error" if problem.title_key == "error.title" else "title")
        self.error_title.style().polish(self.error_title)
        self.error_text.setText(text(problem.key, lang, **problem.params))
        self.cancel_button.setText(text("error.cancel", lang))
        self.retry_button.setText(text(problem.retry_key, lang))
        self.pages.setCurrentWidget(self.error_page)

    # -- actions

    def _retry(self) -> None:
        if self.view.problem.retry_key == "error.code_taken_retry":
            self._ask_reason(text("error.replace_reason", self.view.language),
                             lambda reason: self.post(s.Retry(reason)))
        else:
            self.post(s.Retry())

    def _ask_override(self, result) -> None:
        lang = self.view.language
        prompt = text("review.override_reason", lang, rule=rule_name(result.rule, lang))
        self._ask_reason(prompt, lambda reason: self.post(s.Override(result.id, reason)))

    def _ask_reason(self, prompt: str, then) -> None:
        self.dialog = ReasonDialog(prompt, self.view.language, self)
        self.dialog.given.connect(then)
        self.dialog.open()

    def _switch_language(self) -> None:
        self.post(s.SetLanguage("en" if self.view.language == "zh" else "zh"))

    def ask_pin(self) -> None:
        if self.view.operator:
            return
        self.dialog = PinDialog(self.lock, self.view.language, self)
        name = f"{self.settings.station.id} photographer"
        self.dialog.accepted.connect(lambda: self.post(s.OperatorOn(name)))
        self.dialog.open()

    def _open_today(self) -> None:
        self.dialog = TodayDialog(self.open_store, self.view.operator, self.view.language, self)
        self.dialog.open()

    def _exit(self) -> None:
        if self.view.operator:
            self.allow_close = True
            self.close()

    # -- keys and touches

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        state = self.view.state if self.view else State.WAITING
        if key == Qt.Key.Key_F12:
            self.ask_pin()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (code := self.wedge.enter(time.monotonic())):
            self.post(s.CodeRead(code))  # a scanner typed a code and Enter
        elif key == Qt.Key.Key_Space and self._reads_codes() and self.wedge.scanning(time.monotonic()):
            self.wedge.key(" ", time.monotonic())  # a space inside a code being scanned
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self._go_on(state)
        elif key == Qt.Key.Key_Escape:
            self._go_back(state)
        elif self._reads_codes() and event.text() and event.text().isprintable():
            self.wedge.key(event.text(), time.monotonic())
        else:
            super().keyPressEvent(event)

    def _reads_codes(self) -> bool:
        """A scanner may type a code while waiting, or right after a bad code."""
        view = self.view
        return view is not None and (view.state is State.WAITING or (
            view.state is State.ERROR and view.problem.key.startswith("error.code_")))

    def _go_on(self, state: State) -> None:
        if state in (State.CONFIRMING, State.REVIEWING, State.SAVED):
            self.post(s.Confirm())
        elif state in (State.GUIDING, State.HOLDING):
            self.post(s.Shutter())  # the session ignores it outside photographer mode
        elif state is State.ERROR:
            self._retry()

    def _go_back(self, state: State) -> None:
        if state is State.CONFIRMING:
            self.post(s.Deny())
        elif state is State.REVIEWING:
            self.post(s.Retake())
        elif state in (State.GUIDING, State.HOLDING, State.ERROR):
            self.post(s.Cancel())

    def mousePressEvent(self, event) -> None:
        point: QPoint = event.position().toPoint()
        if point.x() < CORNER_PX and point.y() < CORNER_PX:
            now = time.monotonic()
            self.corner_taps = [t for t in self.corner_taps if now - t < CORNER_WINDOW_S] + [now]
            if len(self.corner_taps) >= CORNER_TAPS:
                self.corner_taps = []
                self.ask_pin()
        super().mousePressEvent(event)

    def closeEvent(self, event) -> None:
        # Students cannot close the kiosk (Alt+F4 included); the photographer can.
        if self.allow_close:
            event.accept()
        else:
            event.ignore()
