"""The kiosk window. Every screen, dialogs included, is drawn from the session's view (its
state and photographer mode) and re-drawn whenever a view comes; the window only turns
touches and keys into session events (posted to the worker) and never decides anything.
The one dialog of its own is the PIN entry, which is how photographer mode begins.
"""

from __future__ import annotations

import html
import time

from PySide6.QtCore import QEvent, QObject, QPoint, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk import session as s
from kiosk.codec import qr_image
from kiosk.config import smallest_camera
from kiosk.messages import measured, other_language, reason_in, rule_name, text
from kiosk.scanner import WedgeInput
from kiosk.session import State
from kiosk.ui import style
from kiosk.ui.style import label, set_role
from kiosk.ui.dialogs import CloseDialog, Overlay, PinDialog, PrintDialog, ReasonDialog, TodayDialog
from kiosk.ui.preview import Preview

# Three taps in the top-left corner within this time open the PIN entry (touch screens
# have no F12).
CORNER_PX = 90
CORNER_TAPS = 3
CORNER_WINDOW_S = 2.0
# Photographer mode's time left turns to the warning colour in its last minute.
WARN_LEFT_S = 60


class ViewBridge(QObject):
    """Carries views from the worker thread to the window (a queued signal)."""

    changed = Signal(object)


def qr_pixmap(data: str, size: int) -> QPixmap:
    """The QR at most `size` px square, its quiet zone the 4 white modules a phone needs to
    find it (the page around it is not white), each module the same whole number of px."""
    pixels = qr_image(data, scale=1)
    image = QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.strides[0],
                   QImage.Format.Format_Grayscale8).copy()
    side = pixels.shape[0] * max(1, size // pixels.shape[0])
    return QPixmap.fromImage(image).scaled(side, side)


def button(role: str | None = None) -> QPushButton:
    widget = QPushButton()
    # Keys belong to the window (Enter, Esc, a scanner typing a code), never to a button.
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if role:
        widget.setProperty("role", role)
    return widget


def minutes(seconds: int) -> str:
    """600 -> '10:00'."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def unbroken(words: str) -> str:
    """`words` with no line break inside: a word joiner between each two characters (a line
    may break between any two hanzi) and no-break spaces."""
    return "\u2060".join(words.replace(" ", "\u00a0"))


class ElidedLabel(QLabel):
    """One line of text that ends in "…" when its place is too short, never widening it."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().windowText().color())
        words = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.width())
        painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), words)
        painter.end()


class RowCheckBox(QCheckBox):
    """A check box a finger can tick anywhere along its row, not only on its small box."""

    def hitButton(self, pos) -> bool:
        return self.rect().contains(pos)


class CheckList(QScrollArea):
    """The review's checks. It asks its layout for the height of all its rows, so that each
    one is in view wherever the screen has room; it scrolls only where it has not."""

    def __init__(self, rows: QWidget) -> None:
        super().__init__()
        self.setWidget(rows)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def sizeHint(self) -> QSize:
        rows = self.widget()
        height = rows.heightForWidth(self.viewport().width())
        return QSize(super().sizeHint().width(), height if height >= 0 else rows.sizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # its lines wrap anew: another height

    def eventFilter(self, watched, event) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # rows came, went or changed: another height
        return super().eventFilter(watched, event)


class ReservedLabel(QLabel):
    """A wrapped label as high as the longest of the texts it may say (reserve()), so that
    what is below it stays put when it says another."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.texts: tuple[str, ...] = ()

    def reserve(self, texts) -> None:
        self.texts = tuple(texts)
        self.updateGeometry()

    def heightForWidth(self, width: int) -> int:
        # As QLabel measures its own plain text, for each text it may say.
        margins = self.contentsMargins()
        inner = width - margins.left() - margins.right() - 2 * self.margin()
        flags = int(self.alignment()) | int(Qt.TextFlag.TextWordWrap)
        tallest = max((self.fontMetrics().boundingRect(0, 0, inner, 100000, flags, words).height()
                       for words in self.texts), default=0)
        return max(super().heightForWidth(width), tallest + margins.top() + margins.bottom() + 2 * self.margin())


class PhotoView(QWidget):
    """The photo under review, as large as its place allows, never distorted."""

    def __init__(self) -> None:
        super().__init__()
        self.pixmap = QPixmap()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_jpeg(self, jpeg: bytes) -> None:
        self.pixmap = QPixmap()
        self.pixmap.loadFromData(jpeg, "JPG")
        self.update()

    def shown_rect(self) -> QRectF:
        """Where the photo is drawn, in this widget's pixels."""
        if self.pixmap.isNull():
            return QRectF()
        scale = min(self.width() / self.pixmap.width(), self.height() / self.pixmap.height())
        w, h = self.pixmap.width() * scale, self.pixmap.height() * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if not self.pixmap.isNull():
            painter.drawPixmap(self.shown_rect(), self.pixmap, QRectF(self.pixmap.rect()))
        painter.end()


class KioskWindow(QWidget):
    """post(event) hands events to the session; latest() gives the newest camera frame;
    lock checks PINs."""

    def __init__(self, settings, post, latest, lock, fps: float) -> None:
        super().__init__()
        self.settings = settings
        self.post = post
        self.latest = latest
        self.lock = lock
        self.view: s.View | None = None
        self.allow_close = False
        self.wedge = WedgeInput()  # what a keyboard-wedge scanner types
        self.corner_taps: list[float] = []
        self.dialog = None  # the dialog on screen (dialogs.Dialog), or None
        self._dialog_shown = None  # (kind, subject, language) of the session's dialog on screen
        self._review_shown = None  # what the review's check list was last built from
        self.setWindowTitle(text("app.title", settings.station.language))
        self.setFont(style.font(style.small(800)))  # the CJK family for every widget
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.bridge = ViewBridge()
        self.bridge.changed.connect(self.show_view)
        self._build()
        self.overlay = Overlay(self)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._poll_camera)
        self.timer.start(max(5, int(1000 / fps / 2)))  # twice the camera rate: no frame waits long

    # -- layout

    def _build(self) -> None:
        root = QVBoxLayout(self)
        # The screen decides the window's size, never its contents (text is sized from
        # the screen, so a growing window would grow its text and itself again).
        root.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        top = QWidget()
        top.setObjectName("topbar")
        bar = QHBoxLayout(top)
        self.title = label(wrap=False)
        # A long station name is shortened on a narrow (upright) screen, never widening the window.
        self.station = ElidedLabel()
        self.badge = label(wrap=False)
        self.badge.setProperty("role", "badge")
        self.language_button = button()
        self.language_button.clicked.connect(self._switch_language)
        bar.addWidget(self.title)
        bar.addSpacing(20)
        bar.addWidget(self.station, 1)
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
        # Statuses and buttons side by side on a wide screen, one above the other on an
        # upright one.
        self.operator_row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        rows.addLayout(self.operator_row)
        # What to do about a camera that cannot take photos: a row of its own, read in full
        # on a touch screen where no tooltip opens.
        self.camera_fix = label()
        rows.addWidget(self.camera_fix)
        statuses, ops = QHBoxLayout(), QHBoxLayout()
        self.camera_status = label(wrap=False)
        self.camera_status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.backdrop_status = label(wrap=False)
        self.shutter_button = button("primary")
        self.shutter_button.clicked.connect(lambda: self.post(s.Shutter()))
        self.reference_button = button()
        self.reference_button.clicked.connect(lambda: self.post(s.TakeReference()))
        self.today_button = button()
        self.today_button.clicked.connect(lambda: self.post(s.Ask("today")))
        self.leave_button = button()
        self.leave_button.clicked.connect(lambda: self.post(s.OperatorOff()))
        self.exit_button = button("danger")
        self.exit_button.clicked.connect(lambda: self.post(s.Ask("close")))
        statuses.setSpacing(24)
        statuses.addWidget(self.backdrop_status)
        statuses.addWidget(self.camera_status, 1)
        ops.addStretch()
        for w in (self.shutter_button, self.reference_button, self.today_button, self.leave_button, self.exit_button):
            ops.addWidget(w)
        self.operator_row.addLayout(statuses, 1)
        self.operator_row.addLayout(ops)
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
        # The title in the other language, smaller: a student who reads only that one sees what
        # is asked, and the language button at the top right.
        self.confirm_title_other = label(role="subtitle")
        layout.addWidget(self.confirm_title_other)
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
        # While the student is asked about the identity pre-check the two buttons answer it.
        self.deny_button.clicked.connect(
            lambda: self.post(s.Consent(False) if self.view.asking_consent else s.Deny()))
        self.yes_button = button("primary")
        self.yes_button.clicked.connect(
            lambda: self.post(s.Consent(True) if self.view.asking_consent else s.Confirm()))
        buttons.addWidget(self.deny_button)
        buttons.addStretch()
        buttons.addWidget(self.yes_button)
        layout.addLayout(buttons)
        return page

    def _review_page(self) -> QWidget:
        page, layout = self._panel()
        # The photo beside the checks on a wide screen, above them on an upright one.
        self.review_body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.review_body.setSpacing(40)
        self.review_photo = PhotoView()
        self.review_body.addWidget(self.review_photo, 5)
        side = QVBoxLayout()
        side.setSpacing(8)
        self.review_title = label(role="title")
        side.addWidget(self.review_title)
        self.review_identity = label(role="notice")  # the identity pre-check's verdict, when compared
        side.addWidget(self.review_identity)
        # Failed checks first, then the passed ones; one list, back at its top for every new
        # photo, so what needs a look is in view before anything else.
        rows = QWidget()
        rows.setObjectName("checklist")
        self.review_list = QVBoxLayout(rows)
        self.review_list.setContentsMargins(0, 0, 0, 0)
        self.review_list.setSpacing(8)
        self.review_scroll = CheckList(rows)
        self.review_scroll.setStyleSheet("QScrollArea, #checklist { background: transparent; }")
        side.addWidget(self.review_scroll, 1)
        # An instruction to the student, read from where they stand; a notice of what is
        # missing takes its place in its colour and size, and the room of the longest.
        self.appearance_title = ReservedLabel()
        self.appearance_title.setProperty("role", "instruction")
        self.appearance_title.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
        side.addWidget(self.appearance_title)
        # One under the other for the student; in a row of the photographer's short words
        # and smaller controls, which leaves the checks their room.
        self.confirm_row = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.confirm_boxes = {item: RowCheckBox() for item in s.APPEARANCE}
        for item, box in self.confirm_boxes.items():
            box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            box.clicked.connect(lambda checked, item=item: self.post(s.ConfirmAppearance(item, checked)))
            self.confirm_row.addWidget(box)
        self.confirm_row.addStretch()
        side.addLayout(self.confirm_row)
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
        self.review_body.addLayout(side, 6)
        layout.addLayout(self.review_body, 1)
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
        # The student just accepted the photo: where a photographer looks to print it for them.
        self.print_button = button()
        self.print_button.clicked.connect(lambda: self.post(s.Ask("print", self.view.receipt.code)))
        layout.addWidget(self.print_button, 0, Qt.AlignmentFlag.AlignCenter)
        return page

    def _error_page(self) -> QWidget:
        page, layout = self._panel()
        self.error_title = label(role="error")
        layout.addWidget(self.error_title)
        layout.addSpacing(20)
        self.error_text = label(role="value")
        layout.addWidget(self.error_text)
        layout.addStretch()
        self.error_detail = label(role="muted")  # the cause in the station's words, for the staff
        layout.addWidget(self.error_detail)
        buttons = QHBoxLayout()
        self.cancel_button = button()
        self.cancel_button.clicked.connect(lambda: self.post(s.Cancel()))
        self.retry_button = button("primary")
        self.retry_button.clicked.connect(lambda: self.post(s.Retry()))
        self.replace_button = button("danger")
        self.replace_button.clicked.connect(lambda: self.post(s.Ask("replace")))
        buttons.addWidget(self.cancel_button)
        buttons.addStretch()
        buttons.addWidget(self.replace_button)
        buttons.addWidget(self.retry_button)
        layout.addLayout(buttons)
        return page

    # -- drawing the view

    def resizeEvent(self, event) -> None:
        short = min(self.width(), self.height())
        self.setStyleSheet(style.sheet(short))
        upright = self.height() > self.width()
        self.review_body.setDirection(QBoxLayout.Direction.TopToBottom if upright
                                      else QBoxLayout.Direction.LeftToRight)

        self.operator_row.setDirection(QBoxLayout.Direction.TopToBottom if upright
                                       else QBoxLayout.Direction.LeftToRight)
        self.overlay.setGeometry(self.rect())
        super().resizeEvent(event)
        if self.view is not None:
            self._review_shown = None  # the check list's sizes follow the screen
            self.show_view(self.view)

    def _poll_camera(self) -> None:
        if self.pages.currentWidget() is self.preview:
            self.preview.show_frame(self.latest())

    def show_view(self, view: s.View) -> None:
        self.view = view
        if view.closed:
            self.allow_close = True
            self.close()
            return
        lang = view.language
        self.title.setText(text("app.title", lang))
        station = self.settings.station
        self.station.setText(station.name_en if lang == "en" and station.name_en else station.name)
        self.language_button.setText(text("language.switch", lang))
        self._show_badge(view, lang)
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
        self._show_dialog(view)

    def _show_badge(self, view: s.View, lang: str) -> None:
        if view.operator is None:
            self.badge.setText("")
            return
        # Photographer mode ends by itself: how long is left is always in view.
        # A photographer with a PIN of their own is named: whoever walks up sees whose mode it is.
        named = view.operator in self.settings.operator.photographers
        self.badge.setText(text("operator.badge_named" if named else "operator.badge", lang,
                                time=minutes(view.operator_left), name=view.operator))
        set_role(self.badge, "badge_ending" if view.operator_left <= WARN_LEFT_S else "badge")

    def _show_operator(self, view: s.View, lang: str) -> None:
        self.operator_bar.setVisible(view.operator is not None)
        if view.operator is None:
            return
        small = view.camera == "running" and view.small_frames is not None
        fault = view.frame_fault if view.camera == "running" and not small else ""
        if small:
            width, height = view.small_frames
            camera = self.settings.camera
            status = text("camera.small", lang, size=f"{width}x{height}", asked=f"{camera.width}x{camera.height}")
        elif fault:
            status = text("camera." + fault, lang)
        else:
            status = text("camera." + view.camera, lang)
            if view.camera_problem:
                status += f" ({view.camera_problem})"
        line = text("operator.camera", lang, status=status)
        # The grabber's words can be long (a device path): a third of the bar beside the buttons,
        # two thirds on an upright screen, where the statuses have a row of their own; all on hover.
        share = 3 if self.width() >= self.height() else 1.5
        self.camera_status.setText(self.camera_status.fontMetrics().elidedText(
            line, Qt.TextElideMode.ElideRight, int(self.width() / share)))
        self.camera_status.setToolTip(line)
        lost = view.camera in ("lost", "reconnecting")
        fix = "camera.small_fix" if small else f"camera.{fault}_fix" if fault else "camera.lost_fix" if lost else ""
        least = "x".join(map(str, smallest_camera(self.settings)))  # what the small-frames fix asks at least
        self.camera_fix.setText(text(fix, lang, least=least) if fix else "")
        self.camera_fix.setVisible(bool(fix))
        # The backdrop is judged around a person (its shadow, what the segmenter leaves of it):
        # the newest frame's, or on review the photo's.
        if view.crop_box is not None:
            judged = view.results
        elif view.capture is not None and view.capture.report.crop_box is not None:
            judged = view.capture.report.results
        else:
            judged = ()
        background = [r for r in judged if r.rule == "background"]
        self.backdrop_status.setText(
            text("operator.backdrop", lang, verdict=text("verdict." + s.verdict_of(background[0]), lang))
            if background else text("operator.backdrop_waiting", lang))
        self.shutter_button.setText(text("operator.shutter", lang))
        self.shutter_button.setEnabled(view.state in (State.GUIDING, State.HOLDING))
        self.reference_button.setText(text("operator.take_reference", lang))
        self.reference_button.setVisible(self.settings.identity.enabled)  # only a station that compares
        self.reference_button.setEnabled(view.state in (State.GUIDING, State.HOLDING))
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
        self.confirm_title_other.setText(text("confirm.title", other_language(lang)))
        for key, (name, value) in self.confirm_rows.items():
            name.setText(text(key, lang))
            value.setText(values[key] or unknown)
        # The consent question is a question, not a warning: plain text, not the notice's red.
        set_role(self.confirm_replace, "measured" if view.asking_consent else "notice")
        if view.asking_consent:
            self.confirm_replace.setText(text("consent.text", lang))
        else:
            self.confirm_replace.setText(text("confirm.replace", lang) if student.replace else "")
        self.deny_button.setText(text("consent.decline" if view.asking_consent else "confirm.no", lang))
        self.yes_button.setText(text("consent.agree" if view.asking_consent else "confirm.yes", lang))
        self.pages.setCurrentWidget(self.confirm_page)

    def _show_review(self, view: s.View, lang: str) -> None:
        capture = view.capture
        operator = view.operator is not None
        # Beside the checks the photo has the page's height, 5 to 6 of the width (2 to 3 for a
        # photographer: the failed checks' lines need the width, the photo under the
        # photographer's bar is no wider). Above them it has what the checks leave.
        upright = self.height() > self.width()
        self.review_body.setStretch(0, 1 if upright else 2 if operator else 5)
        self.review_body.setStretch(1, 0 if upright else 3 if operator else 6)
        title = ("review.title_replace" if capture.student.replace
                 else "review.title_photographer" if operator else "review.title")
        self.review_title.setText(text(title, lang))
        new_photo = self._review_shown is None or capture.jpeg is not self._review_shown[0].jpeg
        if new_photo:
            self.review_photo.show_jpeg(capture.jpeg)
        shown = (capture, operator, lang)
        if shown != self._review_shown:
            self._fill_checks(capture, operator, lang)
            if new_photo:
                self.review_scroll.verticalScrollBar().setValue(0)
        self._review_shown = shown
        # Whoever accepts confirms what no check can tell: the photographer, or the student. What
        # is still missing is said in that title's place, above the three lines: a line of its
        # own would take the room of the checks and move the boxes under a finger on its way.
        who = "review.confirm" if operator else "review.student_confirm"
        notices = (("review.needs_confirm", "review.void_again") if operator
                   else ("review.needs_operator", "review.needs_student_confirm"))
        self.appearance_title.reserve(text(key, lang) for key in (f"{who}_title", *notices))
        self.appearance_title.setText(text(view.notice or f"{who}_title", lang))
        set_role(self.appearance_title, "notice" if view.notice else "instruction")
        self.confirm_row.setDirection(QBoxLayout.Direction.LeftToRight if operator
                                      else QBoxLayout.Direction.TopToBottom)
        # Gaps follow the letters' size: fixed pixels took the last row of the checks on a
        # 1366x768 screen. The student's last box apart from the buttons, so a finger takes
        # the one it means.
        gap = style.small(min(self.width(), self.height()))
        self.confirm_row.setSpacing(gap * 2 // 3)
        self.confirm_row.setContentsMargins(0, 0, 0, 0 if operator else gap * 4 // 9)
        for item, box in self.confirm_boxes.items():
            set_role(box, "inline" if operator else "")
            box.setText(text(f"{who}_{item}", lang))
            box.setChecked(item in capture.confirmations)
        identity = capture.identity
        if identity is not None:
            score = "" if identity.score is None else f"{identity.score:.2f}"
            words = text(f"identity.{identity.verdict}", lang, score=score)
            low = identity.verdict != "likely"
            if operator and low:
                words += "\n" + text("identity.advice", lang)
            self.review_identity.setText(words)
            set_role(self.review_identity, "notice" if low else "measured")
        self.review_identity.setVisible(identity is not None)
        self.retake_button.setText(text("review.retake", lang))
        self.void_button.setText(text("review.void", lang))
        self.void_button.setVisible(operator)
        self.accept_button.setText(text("review.accept_replace" if capture.student.replace else "review.accept", lang))
        # Looks ready only with every failed check overridden and the three lines ticked; a tap
        # before that still answers, with what is missing (a disabled button would not).
        set_role(self.accept_button, "primary" if not capture.open_failures and capture.confirmed else "unready")
        self.pages.setCurrentWidget(self.review_page)
        # The list's height follows the width a first pass of the layout gives it: a second
        # now, so that the photo has its size at once.
        self.review_page.layout().activate()

    def _fill_checks(self, capture, operator: bool, lang: str) -> None:
        """The failed checks, each with what was measured against its limit (and for a
        photographer its override), then the passed rules in a compact grid."""
        while self.review_list.count():
            item = self.review_list.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()
        overrides = dict(capture.overrides)
        size = style.small(min(self.width(), self.height()))
        failed = capture.blocking
        self.failed_rows: list[QWidget] = []
        if failed:
            self.review_list.addWidget(label(text("review.failed", lang), "section"))
        by_rule: dict[str, list] = {}
        for result in failed:  # one row per rule: a rule two checks judge is one thing to fix
            by_rule.setdefault(result.rule, []).append(result)
        for results in by_rule.values():
            row = self._failed_row(results, overrides.get(results[0].id), operator, lang, size)
            self.failed_rows.append(row)
            self.review_list.addWidget(row)
        failed_rules = {r.rule for r in failed}
        passed = list(dict.fromkeys(r.rule for r in capture.report.results if r.rule not in failed_rules))
        # One paragraph after its heading, a line breaking only between two rules: half the
        # height of a grid of them, which leaves every row of the list room on the screen.
        heading = html.escape(text("review.passed" if failed else "review.all_passed", lang))
        names = [html.escape(unbroken(f"{style.SYMBOL['pass']} {rule_name(rule, lang)}")) for rule in passed]
        gap = "&nbsp;" * 3 + " "  # wide enough to tell one rule from the next
        rules = label(f'<b style="color: {style.TEXT_MUTED.name()}">{heading}</b>{gap}' + gap.join(names), "passed")
        rules.setTextFormat(Qt.TextFormat.RichText)
        self.review_list.addWidget(rules)
        self.review_list.addStretch()

    def _failed_row(self, results: list, reason: str | None, operator: bool, lang: str, size: int) -> QWidget:
        """A failed rule (the checks that judge it): its mark, its name and what each measured
        against its limit (on one line when there is room), the override or its reason."""
        result = results[0]
        row = QFrame()
        row.setObjectName("overriddenrow" if reason else "failedrow")  # amber once overridden
        line = QHBoxLayout(row)
        line.setContentsMargins(10, 4, 10, 4)
        verdict = "warn" if reason else s.verdict_of(result)
        mark = label(style.SYMBOL[verdict], wrap=False)
        mark.setStyleSheet(f"color: {style.VERDICT[verdict].name()}; font-weight: bold; font-size: {size}px;")
        detail = ("；" if lang == "zh" else "; ").join(html.escape(measured(r, self.settings.checks.get(r.id), lang))
                                                       for r in results)
        if reason:
            detail += "<br>" + html.escape(text("review.overridden", lang, reason=reason_in(reason, lang)))
        words = label(f"<b>{html.escape(rule_name(result.rule, lang))}</b>&nbsp;&nbsp; {detail}", "measured")
        words.setTextFormat(Qt.TextFormat.RichText)
        line.addWidget(mark, 0, Qt.AlignmentFlag.AlignTop)
        line.addWidget(words, 1)
        if operator and not reason and all(r.overridable for r in results):  # a black-and-white file is no one's to waive
            override = button("inline")
            override.setText(text("review.override", lang))
            override.clicked.connect(lambda _=False, check=result.id: self.post(s.Ask("override", check)))
            line.addWidget(override, 0, Qt.AlignmentFlag.AlignVCenter)
        return row

    def _show_saved(self, view: s.View, lang: str) -> None:
        receipt = view.receipt
        self.saved_title.setText(text("saved.title", lang))
        self.saved_qr.setPixmap(qr_pixmap(receipt.qr_text, int(min(self.width(), self.height()) * 0.45)))
        when = receipt.saved_at.strftime("%Y-%m-%d %H:%M")
        self.saved_lines.setText(
            text("saved.code", lang, code=receipt.code) + "\n" + text("saved.time", lang, time=when)
        )
        self.saved_hint.setText(text("saved.hint", lang))
        self.print_button.setText(text("operator.print", lang))
        self.print_button.setVisible(view.operator is not None)
        self.pages.setCurrentWidget(self.saved_page)

    def _show_error(self, view: s.View, lang: str) -> None:
        problem = view.problem
        self.error_title.setText(text(problem.title_key, lang))
        # Red only for a fault; a wait, or a code that cannot be used, is no one's fault.
        set_role(self.error_title, "error" if problem.title_key == "error.title" else "title")
        # The photographer may replace the photo of a code that has one; the student is
        # told to see the photographer. Both drawn from the mode now, not the one at the scan.
        replace = self._can_replace(view)
        key = "error.code_taken_photographer" if replace else problem.key
        self.error_text.setText(text(key, lang, **problem.params))
        self.error_detail.setText(text("error.detail", lang, detail=problem.detail) if problem.detail else "")
        self.error_detail.setVisible(bool(problem.detail))
        # A code that cannot be used has one way on: back to the start (Retry does that). A
        # wait for the photographer (the camera) gives the student nothing to press.
        wait = problem.title_key == "error.wait_title" and view.operator is None
        self.cancel_button.setVisible(not wait and not problem.key.startswith("error.code_"))
        self.retry_button.setVisible(not wait)
        self.cancel_button.setText(text("error.cancel", lang))
        self.retry_button.setText(text(problem.retry_key, lang))
        self.replace_button.setVisible(replace)
        self.replace_button.setText(text("error.replace", lang))
        self.pages.setCurrentWidget(self.error_page)

    @staticmethod
    def _can_replace(view: s.View) -> bool:
        return view.operator is not None and view.state is State.ERROR and view.problem.key == "error.code_taken"

    # -- dialogs

    def _show_dialog(self, view: s.View) -> None:
        """The session's dialog, if any, over everything; the PIN entry goes once the
        photographer is in (or never was asked for)."""
        dialog = view.dialog
        if dialog is None:
            if self._dialog_shown is not None or (self.dialog is not None and view.operator):
                self._close_dialog()
            return
        shown = (dialog.kind, dialog.subject, view.language)
        if shown != self._dialog_shown:
            self._open_session_dialog(dialog, view.language)
            self._dialog_shown = shown
        if dialog.kind in ("today", "print"):
            self.dialog.show_dialog(dialog)

    def _open_session_dialog(self, dialog: s.Dialog, lang: str) -> None:
        dismiss = lambda: self.post(s.Dismiss())  # noqa: E731
        width = min(self.width() * 0.9, max(self.width() * 0.6, 1000))
        height = None
        if dialog.kind == "override":
            rule = next((r.rule for r in self.view.capture.blocking if r.id == dialog.subject), dialog.subject)
            panel = ReasonDialog(text("review.override_reason", lang, rule=rule_name(rule, lang)), "override", lang,
                                 lambda reason: self.post(s.Override(dialog.subject, reason)), dismiss, rule)
        elif dialog.kind == "replace":
            panel = ReasonDialog(text("error.replace_reason", lang), "replace", lang,
                                 lambda reason: self.post(s.Replace(reason)), dismiss)
        elif dialog.kind == "void":
            panel = ReasonDialog(text("operator.void_reason", lang, code=dialog.subject), "void", lang,
                                 lambda reason: self.post(s.VoidStored(dialog.subject, reason)), dismiss)
        elif dialog.kind == "today":
            panel = TodayDialog(lang, lambda code: self.post(s.Ask("void", code)), dismiss,
                                lambda code: self.post(s.Ask("print", code)))
            width, height = self.width() * 0.9, self.height() * 0.85
        elif dialog.kind == "print":
            panel = PrintDialog(dialog, self.settings.print, lang, lambda copies, paper, printer: self.post(
                s.Print(dialog.subject, copies, paper, printer)), dismiss)
        else:
            panel = CloseDialog(dialog, lang, lambda: self.post(s.CloseStation()), dismiss)
        self._open(panel, width, height)

    def _open(self, panel, width: float, height: float | None = None) -> None:
        self.dialog = panel
        self.overlay.show_dialog(panel, width, height)

    def _close_dialog(self) -> None:
        self.overlay.clear()
        self.dialog = None
        self._dialog_shown = None
        self.setFocus()

    def ask_pin(self) -> None:
        if self.view.operator or self.dialog is not None:
            return
        def unlocked(name: str) -> None:
            self._close_dialog()
            self.post(s.OperatorOn(name))

        self._open(PinDialog(self.lock, self.view.language, unlocked, self._close_dialog),
                   min(self.width() * 0.9, style.small(min(self.width(), self.height())) * 16))

    def _switch_language(self) -> None:
        self.post(s.SetLanguage(other_language(self.view.language)))

    # -- keys and touches

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.dialog is not None:  # a dialog is modal: the keys are its, all of them
            self.dialog.key(event)
            return
        key = event.key()
        state = self.view.state if self.view else State.WAITING
        if key == Qt.Key.Key_F12:
            self.ask_pin()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (code := self.wedge.enter(time.monotonic())):
            # The Enter that ends a scan is the scanner's on every screen, never the student's
            # "accept": the next student scanning while a photo is under review must not save
            # it. The session takes the code where it reads codes and ignores it elsewhere.
            self.post(s.CodeRead(code))
        elif key == Qt.Key.Key_Space and self.wedge.scanning(time.monotonic()):
            self.wedge.key(" ", time.monotonic())  # a space inside a code being scanned
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self._go_on(state)
        elif key == Qt.Key.Key_Escape:
            self._go_back(state)
        elif event.text() and event.text().isprintable():
            # Every screen: a scanner does not know which screen is up, and only what it
            # typed tells its Enter from a student's.
            self.wedge.key(event.text(), time.monotonic())
        else:
            super().keyPressEvent(event)

    def _go_on(self, state: State) -> None:
        if state in (State.CONFIRMING, State.REVIEWING, State.SAVED):
            self.post(s.Confirm())
        elif state in (State.GUIDING, State.HOLDING):
            self.post(s.Shutter())  # the session refuses it outside photographer mode
        elif state is State.ERROR:
            # The screen's main button: replacing for a photographer, else try again / back.
            self.post(s.Ask("replace") if self._can_replace(self.view) else s.Retry())

    def _go_back(self, state: State) -> None:
        # Back, never "not me" on the confirm screen: a student who scanned and changed
        # their mind is not told they used someone else's code (that is the button's).
        if state is State.REVIEWING:
            self.post(s.Retake())
        elif state in (State.CONFIRMING, State.GUIDING, State.HOLDING, State.ERROR):
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
        # Students cannot close the kiosk (Alt+F4 included); the photographer can, from the
        # day's summary.
        if self.allow_close:
            event.accept()
        else:
            event.ignore()
