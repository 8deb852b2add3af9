"""Pictograms beside the instructions that carry a direction (turn left, chin down, come
closer, take the mask off), so a student who does not read the line at once still sees
which way to move.

The direction is read from the instruction's own English words, so the arrow can never
point against what the line says; an instruction without a direction gets no pictogram.
Left and right are the student's: the preview is a mirror, so the student's right is the
screen's right.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

# (words in the instruction, pictogram), the first match wins: more specific words first.
DIRECTIONS: tuple[tuple[str, str], ...] = (
    ("turn your head a little to your right", "turn_right"),
    ("turn your head a little to your left", "turn_left"),
    ("lower your chin", "chin_down"),
    ("raise your chin", "chin_up"),
    ("straighten it to the left", "tilt_left"),
    ("straighten it to the right", "tilt_right"),
    ("look a little to your right", "look_right"),
    ("look a little to your left", "look_left"),
    ("look a little lower", "look_down"),
    ("look a little higher", "look_up"),
    ("raise your left shoulder", "shoulder_left"),
    ("raise your right shoulder", "shoulder_right"),
    ("move a little to your right", "move_right"),
    ("move a little to your left", "move_left"),
    ("bend your knees a little", "move_down"),
    ("stand up straight", "move_up"),
    ("take off any mask", "mask_off"),
    ("closer", "closer"),
    ("further", "further"),
    ("move back", "further"),
    ("step back", "further"),
)


def direction(message_en: str) -> str | None:
    """The pictogram of an instruction (its English words), None when it has no direction."""
    words = message_en.lower()
    return next((kind for phrase, kind in DIRECTIONS if phrase in words), None)


def paint(painter: QPainter, kind: str, box: QRectF, colour: QColor) -> None:
    """Draw pictogram `kind` (a value of DIRECTIONS, or show_code) filling the square `box`."""
    side = min(box.width(), box.height())
    c = box.center()
    painter.save()
    painter.translate(c)
    painter.scale(side / 100, side / 100)  # draw on a 100 x 100 square centred on 0, 0
    pen = QPen(colour, 7, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    sign = -1 if kind.endswith("left") else 1
    if kind.startswith("turn_"):
        _head(painter)
        # An arc round the front of the face, from one side to the other: the way to turn.
        _arc_arrow(painter, QRectF(-46, -4, 92, 40), 180 if sign > 0 else 0, 180 * sign, colour)
    elif kind.startswith("chin_"):
        _head(painter, left=-14)
        down = kind == "chin_down"
        _arc_arrow(painter, QRectF(-4, -40, 50, 80), 50 if down else -50, -100 if down else 100, colour)
    elif kind.startswith("tilt_"):
        painter.save()
        painter.rotate(-15 * sign)  # the head as it leans now: the arrow turns it upright
        _head(painter)
        painter.restore()
        # Over the crown, the way the top of the head should go.
        _arc_arrow(painter, QRectF(-46, -46, 92, 92), 30 if sign < 0 else 150, 110 * -sign, colour)
    elif kind.startswith("look_"):
        _eye(painter, kind[5:])
    elif kind.startswith("shoulder_"):
        # The shoulders as they are (the side to raise lower), the arrow over that side.
        painter.drawEllipse(QRectF(-14, -40, 28, 34))
        painter.drawLine(QPointF(-44, 10 - 10 * sign), QPointF(44, 10 + 10 * sign))
        _arrow(painter, QPointF(40 * sign, 12), QPointF(40 * sign, -44), colour)
    elif kind.startswith("move_"):
        _person(painter)
        ends = {"move_left": ((-8, 0), (-48, 0)), "move_right": ((8, 0), (48, 0)),
                "move_up": ((36, 30), (36, -40)), "move_down": ((36, -30), (36, 40))}[kind]
        _arrow(painter, QPointF(*ends[0]), QPointF(*ends[1]), colour)
    elif kind == "mask_off":
        # A face with a mask over its nose and mouth, and the way it comes off.
        _head(painter, left=-36)
        painter.save()
        painter.setBrush(colour)
        painter.drawRoundedRect(QRectF(-32, 6, 32, 14), 5, 5)  # under the eyes, over nose and mouth
        painter.restore()
        _arrow(painter, QPointF(30, -20), QPointF(30, 40), colour)
    elif kind == "show_code":
        # A phone showing a QR code: its three corner squares and a dot.
        painter.drawRoundedRect(QRectF(-30, -46, 60, 92), 9, 9)
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        for x, y in ((-20, -26), (6, -26), (-20, 0)):
            painter.drawRect(QRectF(x, y, 14, 14))
        painter.drawRect(QRectF(8, 2, 10, 10))
        painter.restore()
    else:  # closer: the picture grows, further: it shrinks; arrows from and to the corners
        _person(painter, scale=0.55)
        for dx, dy in ((-1, -1), (1, -1), (-1, 1), (1, 1)):
            near, far = QPointF(24 * dx, 24 * dy), QPointF(46 * dx, 46 * dy)
            _arrow(painter, near, far, colour) if kind == "closer" else _arrow(painter, far, near, colour)
    painter.restore()


def _head(painter: QPainter, left: float = -20) -> None:
    """A face seen from the front: an oval, the eyes, the neck."""
    painter.drawEllipse(QRectF(left, -30, 40, 52))
    painter.save()
    painter.setBrush(painter.pen().color())
    for x in (left + 12, left + 28):
        painter.drawEllipse(QPointF(x, -6), 2.5, 2.5)
    painter.restore()
    painter.drawLine(QPointF(left + 14, 26), QPointF(left + 14, 40))
    painter.drawLine(QPointF(left + 26, 26), QPointF(left + 26, 40))


def _person(painter: QPainter, scale: float = 1.0) -> None:
    painter.save()
    painter.scale(scale, scale)
    painter.drawEllipse(QRectF(-14, -40, 28, 34))
    path = QPainterPath(QPointF(-34, 40))
    path.cubicTo(QPointF(-34, 6), QPointF(34, 6), QPointF(34, 40))
    painter.drawPath(path)
    painter.restore()


def _eye(painter: QPainter, where: str) -> None:
    path = QPainterPath(QPointF(-44, 0))
    path.quadTo(QPointF(0, -40), QPointF(44, 0))
    path.quadTo(QPointF(0, 40), QPointF(-44, 0))
    painter.drawPath(path)
    dx, dy = {"left": (-14, 0), "right": (14, 0), "up": (0, -9), "down": (0, 9)}[where]
    painter.setBrush(painter.pen().color())
    painter.drawEllipse(QPointF(dx, dy), 11, 11)
    painter.setBrush(Qt.BrushStyle.NoBrush)


def _arrow(painter: QPainter, start: QPointF, end: QPointF, colour: QColor) -> None:
    painter.drawLine(start, end)
    angle = math.atan2(end.y() - start.y(), end.x() - start.x())
    _head_at(painter, end, angle, colour)


def _arc_arrow(painter: QPainter, rect: QRectF, start_deg: float, span_deg: float, colour: QColor) -> None:
    """An arc (Qt's angles: degrees counter-clockwise from 3 o'clock) with a head at its end."""
    path = QPainterPath()
    path.arcMoveTo(rect, start_deg)
    path.arcTo(rect, start_deg, span_deg)
    painter.drawPath(path)
    end = path.currentPosition()
    # The tangent at the end, in the direction of travel (y grows downwards on screen).
    a = math.radians(start_deg + span_deg)
    turn = 1 if span_deg > 0 else -1
    tangent = math.atan2(-math.cos(a) * rect.height() / rect.width() * turn, -math.sin(a) * turn)
    _head_at(painter, end, tangent, colour)


def _head_at(painter: QPainter, tip: QPointF, angle: float, colour: QColor) -> None:
    size = 18
    back = QPointF(tip.x() - size * math.cos(angle), tip.y() - size * math.sin(angle))
    normal = QPointF(-math.sin(angle) * size * 0.6, math.cos(angle) * size * 0.6)
    path = QPainterPath(tip)
    path.lineTo(back + normal)
    path.lineTo(back - normal)
    path.closeSubpath()
    painter.save()
    painter.setBrush(colour)
    painter.drawPath(path)
    painter.restore()
