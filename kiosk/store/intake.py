"""Photos coming in from outside the live checks: `kiosk add` judges a photo taken elsewhere
with the same checks as the live station, then stores it like a live capture; IdentityCheck
compares a new photo with the student's stored reference photo (the identity pre-check), for
`kiosk add` and for the kiosk's review screen alike."""

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.codec import CodeInfo, CodeProblem, read_code
from kiosk.imagefile import ImageFileError, decode_image
from kiosk.messages import short_time
from kiosk.store.files import sha256_bytes
from kiosk.store.store import (
    AlreadyAccepted,
    Capture,
    IdentityResult,
    Override,
    Store,
    StoreError,
    check_code,
    confirmation_results,
    image_format,
)

log = logging.getLogger(__name__)

# A reference taken from the camera keeps a square this many times the face's landmark box
# (forehead to chin), centred on it: enough around the face for the landmarker to find it
# again, little of the ID card around it (squares of 1.5, 2 and 3 times gave the same score,
# 0.90 within 0.01, for a photo of a test person held up in a 1280x720 frame).
REFERENCE_CROP = 2.0


class IdentityCheck:
    """The identity pre-check (kiosk.identity) of new photos against the students' stored
    reference photos. The models load on first use; each reference photo is embedded once
    per code and SHA-256 and kept in memory only, never written anywhere. Nothing is done
    while [identity] enabled is false.

    `engines`: an image-mode kiosk.checks.context.Engines to share (an image-mode Analyser's),
    else one of its own. Not thread-safe: one per thread; close() when done."""

    def __init__(self, settings: Any, engines: Any = None):
        self.settings = settings
        self._engines = engines
        self._embedder = None
        # (code, reference SHA-256) -> the reference's embedding; None: no face in it
        self._references: dict[tuple[str, str], Any] = {}

    @property
    def embedder(self):
        """The kiosk.identity.PhotoEmbedder, made on first use (1-2 s). Raises
        kiosk.models.ModelError when a model file is missing or damaged."""
        if self._embedder is None:
            from kiosk.identity import PhotoEmbedder

            self._embedder = PhotoEmbedder(self.settings, self._engines)
        return self._embedder

    def compare(self, store: Store, code: str, photo_bgr: Any) -> IdentityResult | None:
        """The identity pre-check of `photo_bgr` (H x W x 3 uint8, the deliverable) against the
        reference photo of `code`: a score and verdict, or a verdict saying why there is no
        score (no face in the reference or the photo, the reference file damaged). None when
        [identity] enabled is false or the code has no reference photo. About 0.1 s on 2 cores
        (MediaPipe finds the face, SFace embeds it), twice that the first time a reference is
        used. Raises kiosk.models.ModelError when a model file is missing or damaged."""
        import cv2
        import numpy as np

        from kiosk.identity import IdentityError, similarity, verdict

        if not self.settings.identity.enabled:
            return None
        reference = store.reference(code)
        if reference is None:
            return None
        key = (reference.code, reference.sha256)
        if key not in self._references:
            try:
                image = cv2.imdecode(np.frombuffer(store.read_reference(reference), np.uint8), cv2.IMREAD_COLOR)
            except StoreError as problem:
                log.warning("%s", problem)  # names the code and the fix, never the person
                return IdentityResult(None, "reference_unreadable")
            if image is None:  # JPEG or PNG by its first bytes, but damaged before it was stored
                return IdentityResult(None, "reference_unreadable")
            try:
                self._references[key] = self.embedder.embed_photo(image, "reference photo")
            except IdentityError:
                self._references[key] = None
        embedding = self._references[key]
        if embedding is None:
            return IdentityResult(None, "no_face_reference")
        try:
            photo = self.embedder.embed_photo(photo_bgr, "photo")
        except IdentityError:
            return IdentityResult(None, "no_face_photo")
        score = similarity(embedding, photo)
        return IdentityResult(score, verdict(score, self.settings.identity))

    def reference_from_camera(self, frame_bgr: Any) -> bytes:
        """The JPEG to keep as a reference photo, from a camera frame (H x W x 3 uint8) in
        which the student holds the photo side of the ID card up to the lens: only a square
        around the face (REFERENCE_CROP), not the card's printed name, number and address.
        Raises kiosk.identity.IdentityError when the frame shows no face (the card too far: in
        a 1280x720 frame a printed face 167 px high was found, one 105 px high was not) or two
        (the student's own face beside the card: a reference of it would always match)."""
        import cv2
        import numpy as np

        from kiosk.identity import IdentityError

        faces = self.embedder.engines.run(frame_bgr, 0).faces  # image mode: the timestamp is not read
        if not faces:
            raise IdentityError("no face in the camera picture: hold the photo side of the card closer to the lens")
        if len(faces) > 1:
            raise IdentityError("two faces in the camera picture: hold the card close to the lens, so that only "
                                "its photo is seen")
        points = faces[0][:, :2]
        centre = (points.min(axis=0) + points.max(axis=0)) / 2
        half = float(np.ptp(points, axis=0).max()) * REFERENCE_CROP / 2
        h, w = frame_bgr.shape[:2]
        x0, y0 = np.clip(np.round(centre - half).astype(int), 0, [w, h])
        x1, y1 = np.clip(np.round(centre + half).astype(int), 0, [w, h])
        crop = np.ascontiguousarray(frame_bgr[y0:y1, x0:x1])
        self.embedder.embed_photo(crop, "reference photo")  # usable as cut, or IdentityError
        return cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()

    def close(self) -> None:
        if self._embedder is not None:
            self._embedder.close()
            self._embedder = None


@dataclass
class Refused(Exception):
    """The photo fails checks and no override was given."""

    code: str
    failures: list[Any]  # CheckResult, most important first

    def explain(self) -> str:
        """Each failure's advice in Chinese, then English, as the kiosk shows it."""
        from kiosk.checks.result import Verdict

        lines = [f"{self.code}: the photo was refused, nothing was saved:"]
        for r in self.failures:
            message = " / ".join(m for m in (r.message_zh, r.message_en) if m) or r.rule
            # A check that cannot tell has no value to judge, as `kiosk check` shows it.
            known = isinstance(r.value, (int, float)) and r.verdict is not Verdict.UNKNOWN
            measured = f"; value {r.value:.4g}, limit {r.threshold}" if known else \
                f"; limit {r.threshold}" if r.threshold else ""
            lines.append(f"  {r.id}: {r.verdict.value} ({message}{measured})")
        if fixed := [r.id for r in self.failures if not r.overridable]:
            lines.append(f"{', '.join(fixed)}: no reason can waive this; take or scan the photo again")
        else:
            lines.append('store it anyway only with a reason: --override "why this photo is acceptable"')
        return "\n".join(lines)


def resolve_code(store: Store, codec: Any, text: str) -> CodeInfo:
    """The capture code a photographer gave, by the kiosk's own rule (kiosk.codec.read_code),
    with the masked name it carries: a code the codec decodes (the text its QR holds, as
    `kiosk codes read` prints it) is taken even when the roster lacks it; a bare code must be
    on the roster or photographed already, in any case of its letters (its code comes back as
    stored: Store.spelled). Raises StoreError."""
    try:
        info = read_code(text, codec, store.knows)
    except CodeProblem as problem:
        if problem.kind == "unknown" and (removed := store.removal(text.strip())) is not None:
            raise StoreError(f"{removed.code} was {removed.text()}: if the college means it after all, import its "
                             "file with `kiosk roster import FILE --restore`") from None
        if problem.kind == "unknown":
            raise StoreError(
                f"{text.strip()} is not in the roster: a bare code must be on it (import the college's list "
                "with `kiosk roster import FILE`), or give the whole capture code text (`kiosk codes read "
                "PICTURE` prints it)") from None
        raise StoreError(
            f"{text.strip()!r} is not a capture code the station reads ({problem.kind}): give the code as the "
            "roster lists it, or the text its QR holds (`kiosk codes read PICTURE` prints it)") from None
    return dataclasses.replace(info, code=store.spelled(info.code))


def _new_photo(store, old: Capture | None, image: bytes, code: str, image_path: Path) -> None:
    """A StoreError when `image` (a file's bytes, or the deliverable cut from it) is already
    another code's accepted master or deliverable (the same photo for two students is a mix-up
    no check sees; the identity pre-check is optional), or is `old`, the accepted photo of
    `code` a retake would replace with itself."""
    sha256 = sha256_bytes(image)
    if others := [c for c in store.accepted_with_image(sha256) if c.code != code]:
        raise StoreError(f"{image_path} is already stored as the photo of {others[0].code} (taken "
                         f"{short_time(others[0].taken_at)}): one photo is one student's; nothing was "
                         f"saved, give {code}'s own photo")
    if old is not None and sha256 in {i.sha256 for i in old.images.values()}:
        raise StoreError(f"{image_path} is already {old.code}'s photo (taken {short_time(old.taken_at)}): nothing "
                         "changed; a retake replaces it with another photo")


# The face in a deliverable at a quarter of its size (120 x 160): from the crown to the chin
# and between the ears of the layout [capture] fixes, without the backdrop and the top, which
# make different people in one studio look alike.
FACE_ROWS, FACE_COLS = slice(40, 115), slice(30, 90)


def _quarter(jpeg: bytes):
    """A deliverable's JPEG decoded grey at a quarter size (160 x 120 float32), or None."""
    import cv2
    import numpy as np

    small = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_4)
    return None if small is None else small.astype(np.float32)


# A copy's face is found again and may be cut up to a few per cent larger or smaller.
SCALES = (0.91, 0.94, 0.97, 1.0, 1.03, 1.06, 1.09)


def likeness(new, old) -> float:
    """How alike two deliverables are, as `_quarter` gives them: the correlation (-1 to 1) of
    their face regions once `old` is scaled (SCALES) and shifted onto `new` (phase
    correlation: a copy brightened or re-coloured is cut a few pixels apart), `old` as it is
    or mirrored; the highest. A face region of one grey correlates 0."""
    import cv2
    import numpy as np

    if new.shape != old.shape:
        return 0.0
    height, width = new.shape
    window = cv2.createHanningWindow((width, height), cv2.CV_32F)
    face = new[FACE_ROWS, FACE_COLS] - new[FACE_ROWS, FACE_COLS].mean()
    best = 0.0
    centre = ((FACE_COLS.start + FACE_COLS.stop) / 2, (FACE_ROWS.start + FACE_ROWS.stop) / 2)
    candidates = [cv2.warpAffine(side, cv2.getRotationMatrix2D(centre, 0, scale), (width, height),
                                 borderMode=cv2.BORDER_REPLICATE)
                  for side in (old, np.ascontiguousarray(old[:, ::-1])) for scale in SCALES]
    for candidate in candidates:
        (dx, dy), _ = cv2.phaseCorrelate(new, candidate, window)
        shifted = cv2.warpAffine(candidate, np.float32([[1, 0, -dx], [0, 1, -dy]]), new.shape[::-1],
                                 borderMode=cv2.BORDER_REPLICATE)[FACE_ROWS, FACE_COLS]
        shifted = shifted - shifted.mean()
        spread = float(np.linalg.norm(face) * np.linalg.norm(shifted))
        if spread > 1e-3:
            best = max(best, float((face * shifted).sum()) / spread)
    return best


def _no_lookalike(store, deliverable: bytes, code: str, image_path: Path, limit: float) -> None:
    """A StoreError when the deliverable looks like another code's accepted one (`likeness` at
    least `limit`, [store] lookalike_correlation): the same photo re-saved, re-coloured,
    brightened or mirrored has other bytes, and the SHA-256 check misses it."""
    new = _quarter(deliverable)
    if new is None:
        return
    for other in store.captures(all_days=True, status="accepted"):
        image = other.images.get("deliverable")
        if other.code == code or image is None or image.purged_at:
            continue
        try:
            old = _quarter(image.path.read_bytes())
        except OSError:
            continue  # `kiosk verify` names a missing file
        if old is not None and likeness(new, old) >= limit:
            raise StoreError(f"{image_path} looks like the photo already stored for {other.code} (taken "
                             f"{short_time(other.taken_at)}): the same picture, saved again or re-coloured? One "
                             f"photo is one student's; nothing was saved, give {code}'s own photo")


def add_photo(
    store: Store,
    settings: Any,
    image_path: Path,
    code: str,
    operator: str,
    override: str | None = None,
    retake: str | None = None,
    consented: bool = False,
    confirmations: tuple[str, ...] = (),
    code_name: str = "",
) -> Capture:
    """Judge the photo at `image_path` with the station's checks and store it as `code`'s
    capture (`kiosk add`), with the identity pre-check's score when [identity] is enabled,
    the code has a reference photo and the student `consented` (recorded in the audit), and
    `confirmations` (items of kiosk.session.APPEARANCE the operator confirmed) stored as the
    review screen stores them, and `code_name`, the masked name the capture code carries
    (kept for a student not on the roster, as the kiosk keeps the one confirmed). Raises
    Refused (checks fail, no `override`), AlreadyAccepted, StoreError (unreadable file, no face, disk), kiosk.models.ModelError (a
    model file missing or damaged: nothing stored)."""
    import cv2
    import numpy as np

    from kiosk.checks import Analyser, render_deliverable

    # The file first: a mistyped path is what to say, whatever the code's state.
    try:
        raw = image_path.read_bytes()
    except OSError as e:
        raise StoreError(f"cannot read {image_path}: {e.strerror}") from e
    try:
        image = decode_image(raw)
    except ImageFileError as error:
        raise StoreError(f"{image_path}: {error}") from None
    entry = store.roster_entry(code)
    if entry is not None and (other := store.accepted_of_person(entry)) is not None:
        raise StoreError(f"{code}: the roster gives its ID number to {other.code} too, whose photo was taken "
                         f"{short_time(other.taken_at)}; one photo per person goes to CHSI. Ask the college which code "
                         f"is right; if it is {code}, void the other photo (`kiosk void {other.code} --reason TEXT`) "
                         f"and take {other.code} off the roster (`kiosk roster remove {other.code} --reason TEXT`)")
    old = store.accepted(code)
    if old is None and retake is not None:
        raise StoreError(f"{code} has no accepted photo to replace: leave out --retake to store this one as its photo")
    if old is not None and retake is None:
        raise AlreadyAccepted(
            f"{code} already has an accepted photo (taken {short_time(old.taken_at)}): "
            'to replace it, add --retake "reason"'
        )
    try:
        image_format(raw)
        master = raw  # keep the original file exactly as it came
    except StoreError:
        master = cv2.imencode(".png", image)[1].tobytes()
    _new_photo(store, old, master, code, image_path)
    analyser = Analyser(settings, mode="image")
    try:
        report = analyser.analyse(image)
        if report.crop_box is None:  # before the checks' reasons: every one of them would say "no face"
            raise StoreError(f"no face was found in {image_path}: a graduation photo cannot be cut from it, "
                             "and no override changes that")
        # Before the checks' reasons: no usable 480x640 photo in this picture (too tight, too
        # small) is what to say, not failures whose --override would then be refused.
        try:
            deliverable = render_deliverable(image, report, settings.capture)
        except ValueError as e:
            raise StoreError(f"{image_path}: a graduation photo cannot be cut from it, and no override changes "
                             f"that: {e}") from None
        # Another student's photo is said before the checks' reasons: no --override mends it.
        _new_photo(store, old, deliverable, code, image_path)  # the kiosk took it from this very frame
        _no_lookalike(store, deliverable, code, image_path, settings.store.lookalike_correlation)
        if not report.accepted and (not override or not all(r.overridable for r in report.failures)):
            raise Refused(code, report.failures)
        identity = None
        if consented and settings.identity.enabled and store.reference(code) is not None:
            with store.write():
                store.audit(operator, "identity_consent", code, agreed=True, where="kiosk add")
            check = IdentityCheck(settings, analyser.engines)  # the analyser's landmarker, loaded already
            try:
                identity = check.compare(store, code, cv2.imdecode(np.frombuffer(deliverable, np.uint8),
                                                                   cv2.IMREAD_COLOR))
            finally:
                check.close()
    finally:
        analyser.close()
    overrides = [Override(r.id, override, operator) for r in report.failures] if override else []
    return store.save_capture(
        code,
        master,
        deliverable,
        list(report.results) + confirmation_results(confirmations, f"the photographer ({operator})"),
        operator=operator,
        overrides=overrides,
        crop_box=report.crop_box,
        retake_reason=retake,
        identity=identity,
        confirmed_name=code_name,
    )
