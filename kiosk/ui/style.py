"""Colours, fonts and sizes of the kiosk, in one place."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel, QWidget

# Noto Sans CJK covers Chinese and Latin; the Debian package is fonts-noto-cjk.
FAMILIES = ["Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "sans-serif"]

BACKGROUND = QColor("#f4f6f9")
BACKGROUND_DARK = QColor("#1b1f24")
TEXT = QColor("#1b1f24")
TEXT_LIGHT = QColor("#ffffff")
TEXT_MUTED = QColor("#5b6470")
TEXT_MUTED_LIGHT = QColor("#b8c0ca")  # secondary text on the dark panel
PANEL_DARK = QColor("#242a31")  # the preview's panel beside the picture
ACCENT = QColor("#2f7de1")
PASS = QColor("#1f9d55")
PASS_LIGHT = QColor("#7ee2a8")
WARN = QColor("#c98a00")
WARN_LIGHT = QColor("#ffd166")  # warning text on the dark bands over the picture
FAIL = QColor("#d64545")
UNKNOWN = QColor("#7b8490")

VERDICT = {"pass": PASS, "warn": WARN, "fail": FAIL, "cannot tell": UNKNOWN}
# Colour is not the only signal: each verdict has its own mark too.
SYMBOL = {"pass": "✓", "warn": "!", "fail": "✗", "cannot tell": "?"}
SEVERITY = {"pass": 0, "warn": 1, "cannot tell": 2, "fail": 3}


def font(pixels: int, bold: bool = False) -> QFont:
    f = QFont()
    f.setFamilies(FAMILIES)
    f.setPixelSize(max(8, int(pixels)))
    f.setBold(bold)
    return f


# Sizes follow the screen's shorter side, so an upright (portrait) screen gets the same
# letters as the same screen on its side. A 24-inch 1080p screen has 0.2745 mm pixels.


def big(short_side: int) -> int:
    """Instruction text, in px (the em): 1/14 of the shorter side, 77 px = 21 mm on a 24-inch
    1080p screen; a Chinese character's ink is about 0.9 em, 19 mm, 44 arcmin from 1.5 m
    (ergonomic guidance asks 16-24 arcmin for text read at a glance, more for hanzi)."""
    return max(24, short_side // 14)


def small(short_side: int) -> int:
    """Body text and buttons, in px: 36 px = 10 mm on a 24-inch 1080p screen."""
    return max(14, short_side // 30)


def sheet(short_side: int) -> str:
    """The style sheet of the panels and dialogs, scaled to the screen's shorter side (px)."""
    s, b = small(short_side), big(short_side)
    families = ", ".join(f'"{family}"' if " " in family else family for family in FAMILIES)
    return f"""
    QWidget {{ font-family: {families}; }}
    QWidget#panel {{ background: {BACKGROUND.name()}; }}
    QLabel {{ color: {TEXT.name()}; font-size: {s}px; }}
    QLabel[role="title"] {{ font-size: {b}px; font-weight: bold; }}
    QLabel[role="subtitle"] {{ color: {TEXT_MUTED.name()}; font-size: {int(b * 0.5)}px; font-weight: bold; }}
    QLabel[role="muted"] {{ color: {TEXT_MUTED.name()}; }}
    QLabel[role="value"] {{ font-size: {int(s * 1.3)}px; font-weight: bold; }}
    QLabel[role="big"] {{ font-size: {int(b * 0.8)}px; font-weight: bold; }}
    QLabel[role="label"] {{ color: {TEXT_MUTED.name()}; font-size: {int(s * 1.2)}px; }}
    QLabel[role="error"] {{ color: {FAIL.name()}; font-size: {b}px; font-weight: bold; }}
    QLabel[role="notice"] {{ color: {FAIL.name()}; font-weight: bold; }}
    QLabel[role="instruction"] {{ font-weight: bold; }}
    QLabel[role="dialogtitle"] {{ font-size: {int(s * 1.4)}px; font-weight: bold; }}
    QLabel[role="section"] {{ color: {TEXT_MUTED.name()}; font-size: {int(s * 0.9)}px; font-weight: bold;
                  padding-top: {s // 3}px; }}
    QLabel[role="measured"] {{ font-size: {int(s * 0.9)}px; color: {TEXT.name()}; }}
    QLabel[role="passed"] {{ font-size: {int(s * 0.75)}px; color: {PASS.name()}; }}
    QFrame#failedrow {{ background: #fdecec; border-left: {max(4, s // 6)}px solid {FAIL.name()};
                  border-radius: {s // 4}px; }}
    QFrame#overriddenrow {{ background: #fdf5e1; border-left: {max(4, s // 6)}px solid {WARN.name()};
                  border-radius: {s // 4}px; }}
    QPushButton {{ font-size: {s}px; padding: {s // 2}px {s}px; border-radius: {s // 3}px;
                  background: #ffffff; color: {TEXT.name()}; border: 2px solid #c5ccd6; }}
    QPushButton[role="primary"] {{ background: {ACCENT.name()}; color: white; border: none;
                  font-weight: bold; }}
    QPushButton[role="danger"] {{ color: {FAIL.name()}; border-color: {FAIL.name()}; }}
    QPushButton[role="inline"] {{ font-size: {int(s * 0.8)}px; padding: {s // 5}px {s // 2}px; }}
    QPushButton[role="key"] {{ font-size: {int(s * 1.3)}px; min-height: {int(s * 1.6)}px; }}
    QPushButton[role="choice"] {{ text-align: left; padding: {s // 3}px {s // 2}px; }}
    QPushButton[role="choice"]:checked {{ background: #dbe8fb; border-color: {ACCENT.name()}; }}
    QPushButton:disabled {{ color: #a0a7b0; background: #e4e8ee; }}
    QPushButton[role="unready"] {{ color: #a0a7b0; background: #e4e8ee; font-weight: bold; }}
    QCheckBox {{ font-size: {s}px; color: {TEXT.name()}; spacing: {s // 2}px; }}
    QCheckBox::indicator {{ width: {s}px; height: {s}px; }}
    QCheckBox[role="inline"] {{ font-size: {int(s * 0.8)}px; }}
    QCheckBox[role="inline"]::indicator {{ width: {int(s * 0.8)}px; height: {int(s * 0.8)}px; }}
    QLineEdit {{ font-size: {s}px; padding: {s // 3}px; }}
    QLineEdit[role="pin"] {{ font-size: {int(s * 1.4)}px; letter-spacing: {s // 3}px; }}
    QTableWidget, QHeaderView::section {{ font-size: {int(s * 0.8)}px; }}
    QFrame#dialog {{ background: {BACKGROUND.name()}; border-radius: {s // 2}px; padding: {s // 2}px; }}
    QWidget#topbar {{ background: {BACKGROUND_DARK.name()}; }}
    QWidget#topbar QLabel {{ color: white; font-size: {int(s * 0.85)}px; }}
    QWidget#topbar QLabel[role="badge"] {{ color: #ffd76a; font-weight: bold; }}
    QWidget#topbar QLabel[role="badge_ending"] {{ color: {BACKGROUND_DARK.name()}; background: #ffd76a;
                  font-weight: bold; padding: 0 {s // 3}px; }}
    QWidget#operatorbar {{ background: #3a2f12; }}
    QWidget#operatorbar QLabel {{ color: #ffd76a; font-size: {int(s * 0.8)}px; }}
    QWidget#operatorbar QPushButton {{ font-size: {int(s * 0.8)}px; padding: {s // 5}px {s // 2}px; }}
    """


def label(text_: str = "", role: str | None = None, wrap: bool = True) -> QLabel:
    """A label styled by `role` (a selector of the style sheet above), wrapping unless told not to."""
    widget = QLabel(text_)
    widget.setWordWrap(wrap)
    if role:
        widget.setProperty("role", role)
    return widget


def set_role(widget: QWidget, role: str) -> None:
    """Change a widget's style role (a changed property needs a re-polish)."""
    if widget.property("role") != role:
        widget.setProperty("role", role)
        widget.style().polish(widget)
