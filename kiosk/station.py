"""The station behind the screen, without Qt: the desk the session works through (codes,
roster, rendering, the store) and the worker thread that feeds the session frames.

The worker owns the session: every event, from the camera or from the screen, is handled
on its thread, one at a time. Reading codes and running the checks happen there too, so
the preview (painted by the window from the grabber's newest frame) never waits for them.
"""

from __future__ import annotations

import logging
import queue
import threading
from datetime import datetime

from kiosk.checks.scene import frame_fault
from kiosk.codec import CodeProblem, load_codec, read_code
from kiosk.codereader import CodeReader
from kiosk.messages import short_time
from kiosk.session import (
    Analysed,
    CameraStatus,
    Capture,
    CodeRead,
    CodeSeen,
    Fault,
    FrameFault,
    FrameSize,
    Receipt,
    Session,
    State,
    Student,
    Tick,
)

log = logging.getLogger(__name__)

# Who the store names as operator when the student took the photo alone.
SELF_SERVICE = "self-service"


def receipt_text(code: str, saved_at: datetime, deliverable_sha256: str) -> str:
    """What the receipt QR says: enough to find and verify the photo later."""
    return f"GPRECEIPT1:{code}:{saved_at.isoformat(timespec='seconds')}:{deliverable_sha256[:16]}"


class StationDesk:
    """The session's Desk: capture codes through the codec and roster, the deliverable
    through the checks, captures into the store."""

    def __init__(self, settings, open_store) -> None:
        self.settings = settings
        self.open_store = open_store
        self._store = None
        self._identity = None  # the identity pre-check's models, loaded on first use
        self.codec = load_codec(settings.kiosk.codec)

    @property
    def store(self):
        # Opened on first use, on the worker's thread: a SQLite connection stays in the
        # thread that made it.
        if self._store is None:
            self._store = self.open_store()
        return self._store

    @property
    def identity_check(self):
        # Made on first use, on the worker's thread, like the store: MediaPipe's graphs stay
        # in the thread that made them.
        if self._identity is None:
            from kiosk.store.intake import IdentityCheck

            self._identity = IdentityCheck(self.settings)
        return self._identity

    def close(self) -> None:
        if self._identity is not None:
            self._identity.close()
        if self._store is not None:
            self._store.close()

    def identity(self, code: str, deliverable_jpeg: bytes):
        """The identity pre-check of a photo under review: `deliverable_jpeg` (the 480x640
        JPEG, Capture.jpeg, what CHSI will compare) against the reference photo of `code`.
        A kiosk.store.store.IdentityResult: `score` (cosine similarity, -1 to 1) and `verdict`
        "likely", "unsure" or "unlikely"; or `score` None and `verdict` "no_face_reference",
        "no_face_photo" or "reference_unreadable". None, with nothing computed, when [identity]
        enabled is false or the code has no reference photo. Give the result to save() to
        store it with the photo. Runs on the caller's thread: the first call loads the models
        (1-2 s), then about 0.1 s on 2 cores, twice that the first time a code's reference is
        used (its embedding is then kept in memory only). Raises kiosk.models.ModelError when a model file is
        missing or damaged (`kiosk run` checks them at start)."""
        import cv2
        import numpy as np

        if not self.settings.identity.enabled:
            return None
        photo = cv2.imdecode(np.frombuffer(deliverable_jpeg, np.uint8), cv2.IMREAD_COLOR)
        return self.identity_check.compare(self.store, code, photo)

    def wants_consent(self, code: str) -> bool:
        """Whether identity() would compare a photo of `code`: the pre-check is on and a
        reference photo of the student exists. The session asks the student before."""
        return self.settings.identity.enabled and self.store.reference(code) is not None

    def record_consent(self, code: str, agreed: bool, operator: str | None) -> None:
        """Audit the student's answer to the identity pre-check: a centre must be able to show
        that every score stored was compared with the student's agreement."""
        with self.store.write():
            self.store.audit(operator or SELF_SERVICE, "identity_consent", code, agreed=agreed, where="kiosk")

    def take_reference(self, code: str, frame_bgr, operator: str):
        """Keep the face in a camera frame (H x W x 3 uint8, as the camera gives it, not
        mirrored) as the reference photo of `code`, replacing any earlier one: the student
        holds the photo side of the ID card up to the lens. Only a square around the face is
        stored, not the card's name, number and address. Returns the kiosk.store.store.Reference.
        Raises kiosk.identity.IdentityError when the frame shows no face or two (say: hold the
        card closer, so that only its photo is seen), StoreError when the identity pre-check
        is off, the code is not on the roster or the disk fails (nothing stored)."""
        from kiosk.store import StoreError

        if not self.settings.identity.enabled:
            raise StoreError("the identity pre-check is off ([identity] enabled = false): no reference photo is "
                             "taken")
        jpeg = self.identity_check.reference_from_camera(frame_bgr)
        return self.store.set_reference(code, jpeg, "camera", operator)

    def resolve(self, text: str, replace: str | None) -> Student:
        from kiosk.store import StoreError

        info = read_code(text, self.codec, self.store.knows)
        try:
            code = self.store.spelled(info.code)  # a codec's HK3002 is the roster's hk3002
        except StoreError:  # a key the store cannot hold: said at the scan, not after the photo
            raise CodeProblem("format") from None
        old = self.store.accepted(code)
        if old is not None and not replace:
            raise CodeProblem("taken", code=code, time=short_time(old.taken_at))
        entry = self.store.roster_entry(code)
        if entry is None:
            return Student(code, info.name_masked, info.id_masked, None, replace)
        if (other := self.store.accepted_of_person(entry)) is not None:
            raise CodeProblem("twice", code=code, other=other.code, time=short_time(other.taken_at))
        return Student(code, entry.masked_name, entry.masked_id_number, entry.college, replace)

    def render(self, image, report) -> bytes:
        from kiosk.checks import render_deliverable

        return render_deliverable(image, report, self.settings.capture)

    def sharpness(self, image) -> float:
        from kiosk.checks import sharpness

        return sharpness(image)

    def save(self, capture: Capture, identity=None) -> Receipt:
        """Store the capture durably, with `identity` (the IdentityResult identity() gave for
        this capture's deliverable, shown on review; by default the capture's own, None when
        not compared)."""
        identity = identity if identity is not None else capture.identity
        import cv2

        from kiosk.store import Override, confirmation_results

        operator = capture.operator or SELF_SERVICE
        # PNG keeps the master lossless, so a batch can be re-rendered if the spec changes;
        # level 1 because the student is waiting and size matters less than time.
        ok, master = cv2.imencode(".png", capture.image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if not ok:
            raise ValueError("the camera frame could not be encoded")
        results = list(capture.report.results) + confirmation_results(
            capture.confirmations, f"the photographer ({operator})" if capture.operator else "the student")
        stored = self.store.save_capture(
            capture.student.code,
            master.tobytes(),
            capture.jpeg,
            results,
            operator=operator,
            overrides=[Override(check, reason, operator) for check, reason in capture.overrides],
            crop_box=capture.report.crop_box,
            retake_reason=capture.student.replace,
            identity=identity,
            confirmed_name=capture.student.name_masked or "",
        )
        saved_at = datetime.fromisoformat(stored.taken_at)
        sha = stored.images["deliverable"].sha256
        return Receipt(stored.code, saved_at, receipt_text(stored.code, saved_at, sha))


class Worker:
    """Runs the session on its own thread: frames in, views out (through listeners)."""

    def __init__(self, session: Session, grabber, analyser_factory, reader: CodeReader) -> None:
        self.session = session
        self.grabber = grabber
        self.analyser_factory = analyser_factory
        self.reader = reader
        self.events: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._camera: tuple[str, str] | None = None  # the status and problem last sent
        self._size: tuple[int, int] | None = None  # the frame size last sent
        self._fault = ""  # what was last wrong with the frames (FrameFault), as the session starts
        self.analysed = 0  # frames the checks have judged, for the measurement commands
        self.ready = threading.Event()  # set once the models are loaded, or failed to load
        self.failed: Exception | None = None  # why they failed to load

    def post(self, event) -> None:
        """Hand an event from the screen to the session (any thread)."""
        self.events.put(event)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="session-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            analyser = self.analyser_factory()  # MediaPipe graphs live on the thread that uses them
        except Exception as exc:  # e.g. a damaged model: Kiosk.start says so, nothing runs
            self.failed = exc
            self.ready.set()
            return
        self.ready.set()
        last_index = -1
        last_ms = -1
        try:
            while not self._stop.is_set():
                try:
                    last_index, last_ms = self._step(analyser, last_index, last_ms)
                except Exception as exc:  # a bug or a broken disk must not freeze the kiosk
                    log.exception("the session worker hit an error")
                    self.session.handle(Fault(str(exc)[:200] or type(exc).__name__))
        finally:
            analyser.close()
            self.session.desk.close()

    def _step(self, analyser, last_index: int, last_ms: int) -> tuple[int, int]:
        self._drain()
        frame = self.grabber.wait_next(last_index, timeout=0.05)
        status, problem = self.grabber.status, self.grabber.problem
        if (status, problem) != self._camera and status in ("running", "lost", "reconnecting"):
            self._camera = (status, problem)
            self.session.handle(CameraStatus(status, problem))
        if frame is not None:
            last_index = frame.index
            size = (frame.image.shape[1], frame.image.shape[0])
            if size != self._size:  # before the frame is scanned or judged: small frames guide no one
                self._size = size
                self.session.handle(FrameSize(*size))
            if self.session.wants_frame_fault and (fault := frame_fault(frame.image)) != self._fault:
                self._fault = fault  # likewise black or black-and-white ones
                self.session.handle(FrameFault(fault))
            if self.session.wants_codes:
                # Only the waiting screen tells about a code it sees but cannot read.
                text, seen, others = self.reader.scan(frame.image, look=self.session.state is State.WAITING)
                if text is not None:
                    self.session.handle(CodeRead(text, camera=True, others=others))
                elif seen:
                    self.session.handle(CodeSeen())
            if self.session.wants_analysis:
                # VIDEO mode wants strictly increasing timestamps.
                last_ms = max(last_ms + 1, int(frame.time * 1000))
                report = analyser.analyse(frame.image, timestamp_ms=last_ms)
                self.analysed += 1
                self.session.handle(Analysed(frame.image, report))
        self.session.handle(Tick())
        return last_index, last_ms

    def _drain(self) -> None:
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return
            self.session.handle(event)
