"""Colours, fonts and sizes of the kiosk, in one place."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont

# Noto Sans CJK covers Chinese and Latin; the Debian package is fonts-noto-cjk.
FAMILIES = ["Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "sans-serif"]

BACKGROUND = QColor("#f4f6f9")
BACKGROUND_DARK = QColor("#1b1f24")
TEXT = QColor("#1b1f24")
TEXT_LIGHT = QColor("#ffffff")
TEXT_MUTED = QColor("#5b6470")
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


def big(screen_height: int) -> int:
    """Instruction text: 1/14 of the screen height is about 2 cm on a 24-inch screen,
    comfortable from 1.5 m (ergonomic guidance asks for at least ~1 cm at that distance)."""
    return max(24, screen_height // 14)


def small(screen_height: int) -> int:
    return max(14, screen_height // 30)


def sheet(height: int) -> str:
    """The style sheet of the panels, scaled to the screen."""
    s = small(height)
    return f"""
    QWidget#panel {{ background: {BACKGROUND.name()}; }}
    QLabel {{ color: {TEXT.name()}; font-size: {s}px; }}
    QLabel[role="title"] {{ font-size: {big(height)}px; font-weight: bold; }}
    QLabel[role="muted"] {{ color: {TEXT_MUTED.name()}; }}
    QLabel[role="value"] {{ font-size: {int(s * 1.3)}px; font-weight: bold; }}
    QLabel[role="big"] {{ font-size: {int(big(height) * 0.8)}px; font-weight: bold; }}
    QLabel[role="label"] {{ color: {TEXT_MUTED.name()}; font-size: {int(s * 1.2)}px; }}
    QLabel[role="error"] {{ color: {FAIL.name()}; font-size: {big(height)}px; font-weight: bold; }}
    QLabel[role="notice"] {{ color: {FAIL.name()}; font-weight: bold; }}
    QPushButton {{ font-size: {s}px; padding: {s // 2}px {s}px; border-radius: {s // 3}px;
                  background: #ffffff; color: {TEXT.name()}; border: 2px solid #c5ccd6; }}
    QPushButton[role="primary"] {{ background: {ACCENT.name()}; color: white; border: none;
                  font-weight: bold; }}
    QPushButton[role="danger"] {{ color: {FAIL.name()}; border-color: {FAIL.name()}; }}
    QPushButton:disabled {{ color: #a0a7b0; background: #e4e8ee; }}
    QCheckBox {{ font-size: {s}px; color: {TEXT.name()}; spacing: {s // 2}px; }}
    QCheckBox::indicator {{ width: {s}px; height: {s}px; }}
    QLineEdit {{ font-size: {s}px; padding: {s // 3}px; }}
    QTableWidget, QHeaderView::section {{ font-size: {int(s * 0.8)}px; }}
    QWidget#topbar {{ background: {BACKGROUND_DARK.name()}; }}
    QWidget#topbar QLabel {{ color: white; }}
    QWidget#operatorbar {{ background: #3a2f12; }}
    QWidget#operatorbar QLabel {{ color: #ffd76a; font-size: {int(s * 0.8)}px; }}
    QWidget#operatorbar QPushButton {{ font-size: {int(s * 0.8)}px; padding: {s // 5}px {s // 2}px; }}
    """
