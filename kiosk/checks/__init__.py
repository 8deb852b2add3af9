"""The checks: every rule of the graduation photo judged on one frame.

Analyser, render_deliverable and sharpness need cv2/mediapipe, so they load on first use:
config loading imports kiosk.checks.registry and must stay instant.
"""
from kiosk.checks.result import CheckResult, Report, Verdict

__all__ = ["Analyser", "CheckResult", "Report", "Verdict", "render_deliverable", "sharpness"]


def __getattr__(name: str):
    if name == "Analyser":
        from kiosk.checks.analyser import Analyser
        return Analyser
    if name in ("render_deliverable", "sharpness"):
        from kiosk.checks import deliverable
        return getattr(deliverable, name)
    raise AttributeError(f"module 'kiosk.checks' has no attribute {name!r}")
