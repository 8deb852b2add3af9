"""The live picture: the newest camera frame, mirrored like a mirror, with the target
outline of the 480x640 crop, the one or two instructions, the countdown.

Painted at the camera rate from whatever frame is newest; the checks' results arrive
separately (the view) and are drawn over it, so slow analysis never stalls the picture.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QWidget

from kiosk.messages import pick, rule_name, text
from kiosk.session import BLOCKING, State, verdict_of
from kiosk.ui import style


def _sentence(line: str) -> str:
    """Instructions are shown as sentences: the first letter capitalised."""
    return line[:1].upper() + line[1:]


class Preview(QWidget):
    def __init__(self, capture_settings, parent=None) -> None:
        super().__init__(parent)
        self.capture = capture_settings
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.image: QImage | None = None
        self.frame_index = -1
        self.frame_size = (1280, 720)
        self.view = None
        self.painted = 0  # camera frames painted, for the preview-rate measurement
        self._painted_index = -1
        self.shown_lines: list[str] = []  # the big lines on screen now (tests read them)
        self.shown_hint = ""  # the waiting screen's line under the picture (tests read it)

    # -- input

    def show_frame(self, frame) -> None:
        """Take the newest frame if it is new; repaint."""
        if frame is None or frame.index == self.frame_index:
            return
        image = frame.image
        height, width = image.shape[:2]
        # QImage borrows the array's memory; keep the array with it.
        self._array = image
        self.image = QImage(image.data, width, height, image.strides[0], QImage.Format.Format_BGR888)
        self.frame_index = frame.index
        self.frame_size = (width, height)
        self.update()

    def show_view(self, view) -> None:
        self.view = view
        self.update()

    # -- geometry

    def _picture_rect(self) -> QRectF:
        """Where the frame lands in the widget: as large as fits, centred."""
        fw, fh = self.frame_size
        scale = min(self.width() / fw, self.height() / fh)
        w, h = fw * scale, fh * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def _to_screen(self, rect: QRectF, x: float, y: float, w: float, h: float) -> QRectF:
        """A box in camera pixels -> the mirrored box on screen."""
        fw, fh = self.frame_size
        sx, sy = rect.width() / fw, rect.height() / fh
        return QRectF(rect.right() - (x + w) * sx, rect.top() + y * sy, w * sx, h * sy)

    def _target(self, rect: QRectF) -> QRectF:
        """The 3:4 crop the person should fill: centred, 92 % of the picture height."""
        h = rect.height() * 0.92
        w = h * self.capture.width / self.capture.height
        return QRectF(rect.center().x() - w / 2, rect.top() + rect.height() * 0.04, w, h)

    # -- painting

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), style.BACKGROUND_DARK)
        rect = self._picture_rect()
        if self.image is not None:
            painter.save()
            # Mirror: the person sees themselves as in a mirror; the saved photo is not mirrored.
            painter.translate(rect.right(), rect.top())
            painter.scale(-rect.width() / self.image.width(), rect.height() / self.image.height())
            painter.drawImage(0, 0, self.image)
            painter.restore()
            if self.frame_index != self._painted_index:
                self._painted_index = self.frame_index
                self.painted += 1
        view = self.view
        if view is None:
            return
        language = view.language
        if view.state in (State.WAITING, State.SCANNING):
            self._paint_waiting(painter, rect, view)
        elif view.state in (State.GUIDING, State.HOLDING, State.CAPTURING):
            self._paint_guiding(painter, rect, view, language)
        painter.end()

    def _banner(self, painter: QPainter, lines: list[tuple[str, QColor]], top: float, size: int) -> None:
        """Big lines of text on a dark band, readable from 1.5 m."""
        self.shown_lines = [line for line, _ in lines]
        line_h = size * 1.5
        band = QRectF(0, top, self.width(), line_h * len(lines) + size * 0.4)
        painter.fillRect(band, QColor(0, 0, 0, 170))
        room = self.width() - size
        for i, (line, colour) in enumerate(lines):
            # A long line (English runs longer) shrinks to fit, down to 60 % of the size.
            font = style.font(size, bold=True)
            painter.setFont(font)
            advance = painter.fontMetrics().horizontalAdvance(line)
            if advance > room:
                font = style.font(max(size * 0.6, size * room / advance), bold=True)
                painter.setFont(font)
            painter.setPen(colour)
            r = QRectF(size * 0.5, top + size * 0.2 + i * line_h, room, line_h)
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter,
                             painter.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, int(room)))

    def _paint_waiting(self, painter: QPainter, rect: QRectF, view) -> None:
        size = style.big(self.height())
        key = "scanning.title" if view.state is State.SCANNING else "waiting.title"
        self._banner(painter, [(text(key, view.language), style.TEXT_LIGHT)], rect.top() + size * 0.4, size)
        # Where to hold the code: a square in the middle of the picture.
        side = rect.height() * 0.45
        box = QRectF(rect.center().x() - side / 2, rect.center().y() - side / 2 + size * 0.6, side, side)
        painter.setPen(QPen(style.ACCENT, max(4, size // 10), Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(box, 16, 16)
        # A code in the picture that cannot be read: what to change, in place of the usual
        # hint and in the warning colour, so it is noticed without stopping anything.
        unreadable = view.unreadable_code
        hint = text("waiting.unreadable" if unreadable else "waiting.hint", view.language)
        self.shown_hint = hint
        painter.setFont(style.font(style.small(self.height()), bold=unreadable))
        band = QRectF(0, rect.bottom() - size * 2.2, self.width(), size * 2.2)
        painter.fillRect(band, QColor(0, 0, 0, 170))
        painter.setPen(style.WARN_LIGHT if unreadable else style.TEXT_LIGHT)
        painter.drawText(band.adjusted(size, 0, -size, 0),
                         Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, hint)

    def _paint_guiding(self, painter: QPainter, rect: QRectF, view, language: str) -> None:
        size = style.big(self.height())
        target = self._target(rect)
        ok = view.state is not State.GUIDING
        colour = style.PASS if ok else (style.FAIL if view.instructions else style.TEXT_LIGHT)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(colour, max(4, size // 12)))
        painter.drawRect(target)
        # The head outline inside the crop: crown, eyes and face width at the middle of
        # their allowed ranges.
        c = self.capture
        crown = sum(c.crown_px) / 2 / c.height
        eyes = sum(c.eyes_px) / 2 / c.height
        face_w = sum(c.face_width_px) / 2 / c.width
        chin = eyes + (eyes - crown) * 0.95
        head = QRectF(target.center().x() - target.width() * face_w / 2,
                      target.top() + target.height() * crown,
                      target.width() * face_w, target.height() * (chin - crown))
        painter.setPen(QPen(QColor(colour.red(), colour.green(), colour.blue(), 150),
                            max(3, size // 16), Qt.PenStyle.DashLine))
        painter.drawEllipse(head)
        if view.crop_box is not None:
            # Where the checks would cut the photo from this frame (it lags a frame or two).
            x, y, w, h = view.crop_box
            painter.setPen(QPen(QColor(255, 255, 255, 120), 2, Qt.PenStyle.DotLine))
            painter.drawRect(self._to_screen(rect, x, y, w, h))
        # Instructions: the most important first, at most one or two.
        if view.state is State.GUIDING:
            if view.instructions:
                lines = [(_sentence(pick(language, r.message_zh, r.message_en) or rule_name(r.rule, language)),
                          style.TEXT_LIGHT) for r in view.instructions]
            elif not view.face_seen:
                lines = [(text("guide.no_result", language), style.TEXT_LIGHT)]
            elif any(verdict_of(r) in BLOCKING for r in view.results):
                lines = []  # a failure too new to name yet: say nothing rather than "good"
            else:
                lines = [(text("guide.all_pass", language), style.PASS_LIGHT)]
        else:
            lines = [(text("holding.title" if view.state is State.HOLDING else "capturing.title",
                           language), style.PASS_LIGHT)]
        if lines:
            self._banner(painter, lines, rect.top() + size * 0.3, size)
        if view.state is State.HOLDING:
            self._paint_hold(painter, target, view, size)
        if view.state is State.CAPTURING:
            painter.fillRect(self.rect(), QColor(255, 255, 255, 200))
        self._paint_rules(painter, rect, view, language)

    def _paint_hold(self, painter: QPainter, target: QRectF, view, size: int) -> None:
        if view.countdown is not None:
            painter.setFont(style.font(size * 4, bold=True))
            painter.setPen(QColor(255, 255, 255, 230))
            painter.drawText(target, Qt.AlignmentFlag.AlignCenter, str(view.countdown))
            return
        # Progress of the hold-still time as an arc.
        d = size * 2.2
        arc = QRectF(target.center().x() - d / 2, target.bottom() - d * 1.3, d, d)
        painter.setPen(QPen(QColor(255, 255, 255, 90), size // 5))
        painter.drawEllipse(arc)
        painter.setPen(QPen(style.PASS, size // 5))
        painter.drawArc(arc, 90 * 16, int(-360 * 16 * view.hold))

    def _paint_rules(self, painter: QPainter, rect: QRectF, view, language: str) -> None:
        """One chip per rule, coloured by its verdict: what passes and what does not."""
        rules: dict[str, str] = {}
        for r in view.results:
            verdict = verdict_of(r)
            worst = rules.get(r.rule)
            if worst is None or style.SEVERITY[verdict] > style.SEVERITY[worst]:
                rules[r.rule] = verdict
        if not rules:
            return
        size = style.small(self.height())
        font = style.font(int(size * 0.75))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        chips = [(f"{style.SYMBOL[v]} {rule_name(rule, language)}", v) for rule, v in rules.items()]
        pad, gap, h = size * 0.4, size * 0.3, size * 1.3
        rows: list[list[tuple[str, str, float]]] = [[]]
        width = 0.0
        for label, verdict in chips:
            w = metrics.horizontalAdvance(label) + 2 * pad
            if width + w > self.width() - 2 * gap and rows[-1]:
                rows.append([])
                width = 0.0
            rows[-1].append((label, verdict, w))
            width += w + gap
        y = self.height() - len(rows) * (h + gap) - gap
        for row in rows:
            x = (self.width() - sum(w + gap for _, _, w in row) + gap) / 2
            for label, verdict, w in row:
                chip = QRectF(x, y, w, h)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(style.VERDICT[verdict])
                painter.drawRoundedRect(chip, h / 2, h / 2)
                painter.setPen(style.TEXT_LIGHT)
                painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, label)
                x += w + gap
            y += h + gap
