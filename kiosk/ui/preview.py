"""The live picture: the newest camera frame, mirrored like a mirror, with the target
outline of the 480x640 crop; beside it (below it on an upright screen) the panel with the
instructions and their pictograms, the hold-still ring or the countdown, and a chip per rule.

Nothing is drawn over the head-and-shoulders area (the target outline) but the outline,
the head oval and the crop the checks would cut: the picture belongs to the student.

What is on screen is worked out when a view or a new size comes (compose), so it is known
at once, not only once Qt gets round to painting; painting draws what compose decided.
The frames are painted at the camera rate; the checks' results arrive separately (the
view), so slow analysis never stalls the picture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen
from PySide6.QtWidgets import QWidget

from kiosk.messages import other_language, pick, rule_name, text
from kiosk.session import BLOCKING, State, verdict_of
from kiosk.ui import pictograms, style

WRAP = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap
CENTRE_WRAP = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
# The other language under an instruction, at this fraction of its size.
SECOND = 0.45


# Where a two-row instruction breaks best: after its clause's punctuation.
CLAUSE_END = re.compile(r"[，：；]|[,:;] ")


def _balanced(font: QFont, words: str, width: float) -> tuple[float, float, int]:
    """(width, height) in px of the box `words` are drawn in, at most `width` wide and as few
    rows as that allows, and where the first row must end (a count of characters; 0: where
    Qt's wrapping puts it). Two rows break after a comma or colon where both parts fit
    ("sit / up", "手和 / 头发" read as other words), drawn as a row break, since Qt's wrapping
    would fill the first row past it where the second part is the longer; else the box is the
    narrowest that keeps the rows, so they come out even and no row is one word left over."""
    metrics = QFontMetricsF(font)
    height = metrics.boundingRect(QRectF(0, 0, width, 1e5), WRAP, words).height()
    if round(height / metrics.lineSpacing()) == 2:
        cuts = [end.end() for end in CLAUSE_END.finditer(words)]
        clauses = [(max(metrics.horizontalAdvance(words[:cut].rstrip()), metrics.horizontalAdvance(words[cut:])) + 1,
                    cut) for cut in cuts]
        for box, cut in sorted(clauses):
            if box <= width:
                return box, height, cut
    narrow, wide = 0.0, width
    while wide - narrow > 1.0:
        middle = (narrow + wide) / 2
        box = metrics.boundingRect(QRectF(0, 0, middle, 1e5), WRAP, words)
        if box.height() > height or box.width() > middle:  # more lines, or a word wider than the box
            narrow = middle
        else:
            wide = middle
    return wide, height, 0


def _sentence(line: str) -> str:
    """Instructions are shown as sentences: the first letter capitalised."""
    return line[:1].upper() + line[1:]


@dataclass
class Item:
    """One thing drawn in the panel: a text, a pictogram, a chip, the ring or countdown."""

    kind: str  # line | second | hint | pictogram | chip | ring | countdown
    rect: QRectF  # in widget pixels
    text: str = ""
    colour: QColor = field(default_factory=lambda: style.TEXT_LIGHT)
    font: QFont | None = None
    flags: int = 0
    fill: QColor | None = None  # a chip's colour
    picture: str = ""  # a pictogram's kind
    cut: int = 0  # a line's first row ends after this many characters (0: where Qt wraps it)

    def rows(self) -> str:
        """The text as drawn: with a row break at `cut`."""
        return self.text[:self.cut].rstrip() + "\n" + self.text[self.cut:] if self.cut else self.text


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
        self.picture = QRectF()  # where the camera picture is shown
        self.panel = QRectF()  # the panel beside (or below) it
        self.source = QRectF()  # the part of the frame shown, in camera pixels
        self.target = QRectF()  # the head-and-shoulders area: the 3:4 crop outline
        self.items: list[Item] = []
        self.shown_lines: list[str] = []  # the big lines on screen now
        self.shown_hint = ""  # the waiting screen's line under the title

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
        if (width, height) != self.frame_size:
            self.frame_size = (width, height)
            self.compose()
        self.update()

    def show_view(self, view) -> None:
        self.view = view
        self.compose()
        self.update()

    def resizeEvent(self, event) -> None:
        self.compose()
        super().resizeEvent(event)

    # -- geometry

    def _short_side(self) -> int:
        window = self.window()
        return min(window.width(), window.height())

    def _areas(self) -> tuple[QRectF, QRectF]:
        """(picture, panel): the picture as large as the panel leaves room for, and never so
        narrow that the crop outline fills it edge to edge."""
        w, h = float(self.width()), float(self.height())
        fw, fh = self.frame_size
        if w >= h:  # landscape: the panel on the right, about half the width
            # The target is 0.69 of the picture's height wide: keep a margin either side.
            picture_w = min(fw * h / fh, max(h * 0.69 * 1.25, w * 0.45))
            return QRectF(0, 0, picture_w, h), QRectF(picture_w, 0, w - picture_w, h)
        picture_h = min(h * 0.58, w / (0.69 * 1.15))  # upright: the panel below
        picture_w = min(w, fw * picture_h / fh)
        return QRectF((w - picture_w) / 2, 0, picture_w, picture_h), QRectF(0, picture_h, w, h - picture_h)

    def _shown_left(self, shown_w: float) -> float:
        """Where the shown part of the frame starts, in camera pixels: the middle, unless the
        photo would be cut from outside it (a student standing off the middle, whom the
        checks accept wherever the whole photo can be cut): then the shown part moves to
        centre that cut, and stays while the cut stays inside it, so it does not sway."""
        fw = self.frame_size[0]
        left = (fw - shown_w) / 2
        view = self.view
        if view is not None and view.crop_box is not None and view.state in (State.GUIDING, State.HOLDING,
                                                                             State.CAPTURING):
            x, _, w, _ = view.crop_box
            if abs(self.source.width() - shown_w) < 1:
                left = self.source.left()  # the pan in place
            if x < left or x + w > left + shown_w:
                left = x + w / 2 - shown_w / 2
        return min(max(left, 0.0), max(0.0, fw - shown_w))

    def _to_screen(self, x: float, y: float, w: float, h: float) -> QRectF:
        """A box in camera pixels -> the mirrored box on screen."""
        scale = self.picture.height() / self.source.height()
        left = self.picture.right() - (x + w - self.source.left()) * scale
        return QRectF(left, self.picture.top() + (y - self.source.top()) * scale, w * scale, h * scale)

    # -- what is on screen

    def compose(self) -> None:
        """Lay out the picture and the panel and decide every text, chip and pictogram."""
        self.picture, self.panel = self._areas()
        fw, fh = self.frame_size
        scale = self.picture.height() / fh
        shown_w = self.picture.width() / scale
        self.source = QRectF(self._shown_left(shown_w), 0, shown_w, fh)
        # The 3:4 crop the person should fill: centred, 92 % of the picture height.
        th = self.picture.height() * 0.92
        tw = th * self.capture.width / self.capture.height
        self.target = QRectF(self.picture.center().x() - tw / 2, self.picture.top() + self.picture.height() * 0.04,
                             tw, th)
        self.items = []
        self.shown_lines, self.shown_hint = [], ""
        view = self.view
        if view is None or self.panel.isEmpty():
            return
        short = self._short_side()
        self.big, self.small = style.big(short), style.small(short)
        self.pad = self.small * 0.8
        inner = self.panel.adjusted(self.pad, self.pad, -self.pad, -self.pad)
        if view.state in (State.WAITING, State.SCANNING):
            self._compose_waiting(view, inner)
        elif view.state in (State.GUIDING, State.HOLDING, State.CAPTURING):
            chips_top = self._compose_chips(view, inner)
            self._compose_guiding(view, QRectF(inner.left(), inner.top(), inner.width(), chips_top - inner.top()))
        self.shown_lines = [item.text for item in self.items if item.kind == "line"]

    def _text(self, kind: str, words: str, font: QFont, left: float, top: float, width: float,
              colour: QColor, flags=WRAP) -> float:
        """Add a wrapped text at (left, top) `width` wide; returns its bottom."""
        height = QFontMetricsF(font).boundingRect(QRectF(0, 0, width, 1e5), flags, words).height()
        self.items.append(Item(kind, QRectF(left, top, width, height), words, colour, font, flags))
        return top + height

    def _compose_waiting(self, view, area: QRectF) -> None:
        key = "scanning.title" if view.state is State.SCANNING else "waiting.title"
        title, font = text(key, view.language), style.font(self.big, bold=True)
        width, height, cut = _balanced(font, title, area.width())  # no word left alone on a row
        self.items.append(Item("line", QRectF(area.left(), area.top(), width, height), title, style.TEXT_LIGHT, font,
                               WRAP, cut=cut))
        bottom = area.top() + height
        # The other language under it, as under each instruction: what to do, for every student.
        bottom = self._text("second", text(key, other_language(view.language)),
                            style.font(self.big * SECOND, bold=True), area.left(), bottom + self.big * 0.15,
                            area.width(), style.TEXT_MUTED_LIGHT)
        # A code in the picture that cannot be read: what to change, in place of the usual
        # hint and in the warning colour, so it is noticed without stopping anything.
        unreadable = view.unreadable_code
        self.shown_hint = text("waiting.unreadable" if unreadable else "waiting.hint", view.language)
        bottom = self._text("hint", self.shown_hint, style.font(self.small * 1.15, bold=unreadable),
                            area.left(), bottom + self.small, area.width(),
                            style.WARN_LIGHT if unreadable else style.TEXT_LIGHT)
        side = min(self.big * 3.0, area.bottom() - bottom - self.pad)
        if side > self.big:
            self.items.append(Item("pictogram", QRectF(area.center().x() - side / 2, bottom + self.pad * 2, side, side),
                                   colour=style.TEXT_MUTED_LIGHT, picture="show_code"))

    def _lines(self, view) -> list[tuple[str, QColor, str | None, str]]:
        """(text, colour, pictogram, the same in the other language) of the big lines: the
        instructions, most important first."""
        language = view.language
        other = other_language(language)
        if view.state is State.HOLDING:
            key, colour = "holding.title", style.PASS_LIGHT
        elif view.state is State.CAPTURING:
            key, colour = "capturing.title", style.PASS_LIGHT
        elif view.no_face:
            key, colour = "guide.no_face", style.TEXT_LIGHT
        elif view.instructions:
            return [(_sentence(pick(language, r.message_zh, r.message_en)), style.TEXT_LIGHT,
                     pictograms.direction(r.message_en), _sentence(pick(other, r.message_zh, r.message_en)))
                    for r in view.instructions]
        elif view.results and not any(verdict_of(r) in BLOCKING for r in view.results):
            key, colour = "guide.all_pass", style.PASS_LIGHT
        else:  # nothing judged yet, or a failure too new to name: say so, never "good"
            key, colour = "guide.checking", style.TEXT_MUTED_LIGHT
        return [(text(key, language), colour, None, text(key, other))]

    def _compose_guiding(self, view, area: QRectF) -> None:
        lines = self._lines(view)
        # The instructions at the instruction size, each with the other language under it
        # (a student who reads only one of them cannot reach the language button from 1.5 m),
        # their pictograms two lines high. When they would not fit above the chips (long
        # English) the words shrink to 70 % (54 px on a 1080p screen, still 15 mm letters),
        # then the other language goes, from the last instruction up; then the words shrink,
        # to 60 %, then the pictograms. At 80 % two English instructions lost their Chinese
        # lines on a 1920x1080 screen.
        side = self.big * 2.0
        tries = [(self.big * scale, seconds) for seconds in range(len(lines), -1, -1)
                 for scale in (1.0, 0.9, 0.8, 0.7)]
        for size, seconds in tries:
            blocks = self._blocks(lines, area, size, side, seconds)
            if self._fits(blocks, area):
                break
        while not self._fits(blocks, area) and side > self.big * 1.2:
            if size > self.big * 0.6:
                size *= 0.95
            else:
                side *= 0.95
            blocks = self._blocks(lines, area, size, side, 0)
        top = area.top()
        for (words, colour, picture, other), (font, text_rect, picture_side, block, cut, below) in zip(
                lines, blocks, strict=True):
            words_top = top + (block - text_rect.height() - (below[0].bottom() if below else 0)) / 2
            self.items.append(Item("line", text_rect.translated(0, words_top), words, colour, font, WRAP, cut=cut))
            if below is not None:
                self.items.append(Item("second", below[0].translated(0, words_top + text_rect.height()), other,
                                       style.TEXT_MUTED_LIGHT, self._second_font(size), WRAP,
                                       cut=below[1]))
            if picture:
                self.items.append(Item("pictogram", QRectF(area.left(), top + (block - picture_side) / 2,
                                                           picture_side, picture_side), colour=colour,
                                       picture=picture))
            top += block + self.pad
        if view.state is State.HOLDING:
            # The hold-still time as a ring, then the countdown, under the line and never
            # over the face.
            room = area.bottom() - top
            d = min(self.big * 3.0, room, area.width())
            box = QRectF(area.center().x() - d / 2, top + (room - d) / 2, d, d)
            if view.countdown is not None:
                self.items.append(Item("countdown", box, str(view.countdown), style.TEXT_LIGHT,
                                       style.font(d * 0.8, bold=True), int(Qt.AlignmentFlag.AlignCenter)))
            else:
                self.items.append(Item("ring", box))

    def _fits(self, blocks, area: QRectF) -> bool:
        return sum(b[3] for b in blocks) + self.pad * len(blocks) <= area.height()

    def _second_font(self, size: float) -> QFont:
        """The other language's words under a line at `size` px: no smaller than under words
        at 80 %, so that they are read from 1.5 m all the same."""
        return style.font(max(size, self.big * 0.8) * SECOND, bold=True)

    def _blocks(self, lines, area: QRectF, size: float, picture_side: float,
                seconds: int) -> list[tuple[QFont, QRectF, float, float, int, tuple[QRectF, int] | None]]:
        """For each line at font `size` (px) and pictograms `picture_side` px square: (font,
        its text's rect at top 0, pictogram side, height of the line's block, its row break
        as _balanced gives it, and for the first `seconds` lines the rect and row break of
        the other language's words under it, the rect's top the gap below the words)."""
        font = style.font(size, bold=True)
        second_font = self._second_font(size)
        blocks = []
        for i, (words, _, picture, other) in enumerate(lines):
            left, width = area.left(), area.width()
            if picture:
                left, width = left + picture_side + self.pad, width - picture_side - self.pad
            box, height, cut = _balanced(font, words, width)
            below = None
            if i < seconds:
                other_width, other_height, other_cut = _balanced(second_font, other, width)
                below = (QRectF(left, size * 0.15, other_width, other_height), other_cut)  # a little apart
            words_height = height + (below[0].bottom() if below else 0)
            blocks.append((font, QRectF(left, 0, box, height), picture_side,
                           max(words_height, picture_side if picture else 0), cut, below))
        return blocks

    def _compose_chips(self, view, area: QRectF) -> float:
        """One chip per rule, coloured by its verdict, at the bottom of the panel, as many
        to a row as fit; returns the top of the chips."""
        rules: dict[str, tuple[str, str]] = {}  # rule -> (verdict, reason) of its worst result
        for r in view.results:
            verdict = verdict_of(r)
            worst = rules.get(r.rule)
            if worst is None or style.SEVERITY[verdict] > style.SEVERITY[worst[0]]:
                rules[r.rule] = (verdict, r.reason)
        if not rules:
            return area.bottom()
        font = style.font(self.small * 0.75)  # a status at a glance: smaller than the instructions
        metrics = QFontMetricsF(font)
        gap, h = self.small * 0.22, self.small * 1.15
        rows: list[list[tuple[str, str, float]]] = [[]]
        width = 0.0
        for rule, (verdict, reason) in rules.items():
            label = f"{style.SYMBOL[verdict]} {rule_name(rule, view.language, reason)}"
            w = min(area.width(), metrics.horizontalAdvance(label) + self.small * 0.9)
            if rows[-1] and width + w > area.width():
                rows.append([])
                width = 0.0
            rows[-1].append((label, verdict, w))
            width += w + gap
        top = area.bottom() - len(rows) * h - (len(rows) - 1) * gap
        for i, row in enumerate(rows):
            # Each full row spread over the panel's width: a tidy block, whatever the words.
            last = i == len(rows) - 1 and len(rows) > 1
            spare = 0.0 if last else (area.width() - sum(w for _, _, w in row) - gap * (len(row) - 1)) / len(row)
            x = area.left()
            for label, verdict, w in row:
                rect = QRectF(x, top + i * (h + gap), w + spare, h)
                self.items.append(Item("chip", rect, label, style.TEXT_LIGHT, font,
                                       int(Qt.AlignmentFlag.AlignCenter), fill=style.VERDICT[verdict]))
                x += w + spare + gap
        return top - self.pad

    # -- painting

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), style.BACKGROUND_DARK)
        if self.image is not None:
            painter.save()
            painter.setClipRect(self.picture)
            # Mirror: the person sees themselves as in a mirror; the saved photo is not mirrored.
            painter.translate(self.picture.right(), self.picture.top())
            painter.scale(-1, 1)
            painter.drawImage(QRectF(0, 0, self.picture.width(), self.picture.height()), self.image, self.source)
            painter.restore()
            if self.frame_index != self._painted_index:
                self._painted_index = self.frame_index
                self.painted += 1
        view = self.view
        if view is not None:
            painter.fillRect(self.panel, style.PANEL_DARK)
            if view.state in (State.WAITING, State.SCANNING):
                self._paint_code_box(painter)
            elif view.state in (State.GUIDING, State.HOLDING, State.CAPTURING):
                self._paint_guides(painter, view)
            for item in self.items:
                self._paint_item(painter, item, view)
        painter.end()

    def _paint_code_box(self, painter: QPainter) -> None:
        """Where to hold the code: a square in the middle of the picture."""
        side = self.picture.height() * 0.45
        box = QRectF(self.picture.center().x() - side / 2, self.picture.center().y() - side / 2, side, side)
        painter.setPen(QPen(style.ACCENT, max(4, self.big // 10), Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(box, 16, 16)

    def _paint_guides(self, painter: QPainter, view) -> None:
        """The crop outline and the head oval: thin lines, the only marks over the person."""
        ok = view.state is not State.GUIDING
        colour = style.PASS if ok else (style.FAIL if view.instructions else style.TEXT_LIGHT)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(colour, max(4, self.big // 12)))
        painter.drawRect(self.target)
        # The head outline inside the crop: crown, eyes and face width at the middle of
        # their allowed ranges.
        c, target = self.capture, self.target
        crown = sum(c.crown_px) / 2 / c.height
        eyes = sum(c.eyes_px) / 2 / c.height
        face_w = sum(c.face_width_px) / 2 / c.width
        chin = eyes + (eyes - crown) * 0.95
        head = QRectF(target.center().x() - target.width() * face_w / 2, target.top() + target.height() * crown,
                      target.width() * face_w, target.height() * (chin - crown))
        painter.setPen(QPen(QColor(colour.red(), colour.green(), colour.blue(), 150), max(3, self.big // 16),
                            Qt.PenStyle.DashLine))
        painter.drawEllipse(head)
        if view.crop_box is not None:
            # Where the checks would cut the photo from this frame (it lags a frame or two),
            # on the picture only, never over the panel's words.
            painter.save()
            painter.setClipRect(self.picture)
            painter.setPen(QPen(QColor(255, 255, 255, 120), 2, Qt.PenStyle.DotLine))
            painter.drawRect(self._to_screen(*view.crop_box))
            painter.restore()
        if view.state is State.CAPTURING:  # the shutter's flash
            painter.fillRect(self.picture, QColor(255, 255, 255, 200))

    def _paint_item(self, painter: QPainter, item: Item, view) -> None:
        if item.kind == "pictogram":
            pictograms.paint(painter, item.picture, item.rect, item.colour)
        elif item.kind == "ring":
            width = item.rect.width() / 10
            ring = item.rect.adjusted(width / 2, width / 2, -width / 2, -width / 2)
            painter.setPen(QPen(QColor(255, 255, 255, 90), width))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(ring)
            painter.setPen(QPen(style.PASS, width))
            painter.drawArc(ring, 90 * 16, int(-360 * 16 * view.hold))
        else:
            if item.fill is not None:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(item.fill)
                painter.drawRoundedRect(item.rect, item.rect.height() / 2, item.rect.height() / 2)
            painter.setFont(item.font)
            painter.setPen(item.colour)
            painter.drawText(item.rect, item.flags, item.rows())
