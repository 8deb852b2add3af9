"""`kiosk add`: judge a photo taken elsewhere with the same checks as the live station,
then store it like a live capture."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.store.store import AlreadyAccepted, Capture, Override, Store, StoreError, check_code, image_format


@dataclass
class Refused(Exception):
    """The photo fails checks and no override was given."""

    code: str
    failures: list[Any]  # CheckResult, most important first

    def explain(self, language: str) -> str:
        lines = [f"{self.code}: the photo was refused, nothing was saved:"]
        for r in self.failures:
            message = (r.message_zh if language == "zh" else r.message_en) or r.rule
            lines.append(f"  {r.id}: {r.verdict.value} ({message}; value {r.value}, limit {r.threshold})")
        lines.append('store it anyway only with a reason: --override "why this photo is acceptable"')
        return "\n".join(lines)


def resolve_code(store: Store, codec: Any, text: str) -> str:
    """The capture code a photographer gave, by the kiosk's own rule (kiosk.codec.read_code):
    a code the codec decodes (the text its QR holds, as `kiosk codes read` prints it) is taken
    even when the roster lacks it; a bare code must be on the roster. Raises StoreError."""
    from kiosk.codec import CodeProblem, read_code

    try:
        code = read_code(text, codec, lambda c: store.roster_entry(c) is not None).code
    except CodeProblem as problem:
        if problem.kind == "unknown":
            raise StoreError(
                f"{text.strip()} is not in the roster: a bare code must be on it (import the college's list "
                "with `kiosk roster import FILE`), or give the whole capture code text (`kiosk codes read "
                "PICTURE` prints it)") from None
        raise StoreError(
            f"{text.strip()!r} is not a capture code the station reads ({problem.kind}): give the code as the "
            "roster lists it, or the text its QR holds (`kiosk codes read PICTURE` prints it)") from None
    return check_code(code)


def add_photo(
    store: Store,
    settings: Any,
    image_path: Path,
    code: str,
    operator: str,
    override: str | None = None,
    retake: str | None = None,
) -> Capture:
    import cv2
    import numpy as np

    from kiosk.checks import Analyser, render_deliverable

    old = store.accepted(code)
    if old is None and retake is not None:
        raise StoreError(f"{code} has no accepted photo to replace: leave out --retake to store this one as its photo")
    if old is not None and retake is None:
        raise AlreadyAccepted(
            f"{code} already has an accepted photo (taken {old.taken_at[:19]}): "
            'to replace it, add --retake "reason"'
        )
    try:
        raw = image_path.read_bytes()
    except OSError as e:
        raise StoreError(f"cannot read {image_path}: {e.strerror}") from e
    image = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise StoreError(f"{image_path} is not an image OpenCV can read: give a JPEG or PNG file")
    analyser = Analyser(settings, mode="image")
    try:
        report = analyser.analyse(image)
    finally:
        analyser.close()
    if not report.accepted and not override:
        raise Refused(code, report.failures)
    if report.crop_box is None:
        raise StoreError(f"no face was found in {image_path}: a graduation photo cannot be cut from it")
    deliverable = render_deliverable(image, report, settings.capture)
    try:
        image_format(raw)
        master = raw  # keep the original file exactly as it came
    except StoreError:
        master = cv2.imencode(".png", image)[1].tobytes()
    overrides = [Override(r.id, override, operator) for r in report.failures] if override else []
    return store.save_capture(
        code,
        master,
        deliverable,
        report.results,
        operator=operator,
        overrides=overrides,
        crop_box=report.crop_box,
        retake_reason=retake,
    )
