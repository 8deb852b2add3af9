"""The capture session: one student from scanning the capture code to a saved photo.

A state machine without Qt. Events come in through Session.handle(); time comes from the
Clock (Tick events make it look at the time); the work that needs the outside world
(reading a code against the roster, rendering the deliverable, saving) goes through a
Desk. Screens are drawn from Session.view(), an immutable snapshot of the state.

    waiting -> scanning -> confirming -> guiding <-> holding -> capturing -> reviewing
            -> saved -> waiting
    any state -> error (retry or cancel); inactivity -> waiting, the student forgotten.

Photographer mode is part of the state: the photographer's events (PHOTOGRAPHER_ONLY) are
refused here while it is off, whatever the window shows, and the photographer's dialogs
(one at a time) are state too, so a screen is always a function of the view alone.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from kiosk.checks.result import COVERED, PICTURE
from kiosk.codec import CodeProblem
from kiosk.store import DiskProblem, SamePicture

# Verdicts that stop a photo (the checks' Verdict values, compared by value so this
# module needs neither mediapipe nor cv2).
BLOCKING = ("fail", "cannot tell")

log = logging.getLogger(__name__)


class State(str, Enum):
    WAITING = "waiting"
    SCANNING = "scanning"
    CONFIRMING = "confirming"
    GUIDING = "guiding"
    HOLDING = "holding"
    CAPTURING = "capturing"
    REVIEWING = "reviewing"
    SAVED = "saved"
    ERROR = "error"


# --- what the session works with ---------------------------------------------------


@dataclass(frozen=True)
class Student:
    """The person a capture code belongs to, as far as the screen may show it."""

    code: str
    name_masked: str | None = None
    id_masked: str | None = None
    college: str | None = None
    replace: str | None = None  # the operator's reason to replace an accepted photo


@dataclass(frozen=True)
class Capture:
    """A photo taken and waiting for review: the frame, its checks, the deliverable."""

    student: Student
    image: Any = field(compare=False)  # full camera frame (BGR), the master; never mirrored
    report: Any  # kiosk.checks.Report of that frame
    jpeg: bytes  # the 480x640 deliverable
    taken_at: datetime
    manual: bool = False  # taken with the operator's shutter, not automatically
    overrides: tuple[tuple[str, str], ...] = ()  # (check id, reason)
    confirmations: tuple[str, ...] = ()  # of APPEARANCE, confirmed by whoever accepts (operator or student)
    operator: str | None = None
    # The identity pre-check of the deliverable against the student's reference photo
    # (kiosk.store.store.IdentityResult: score and verdict), None when not compared.
    identity: Any = None

    @property
    def blocking(self) -> list:
        """Checks that failed or could not tell, in order of importance."""
        found = [r for r in self.report.results if verdict_of(r) in BLOCKING]
        return sorted(found, key=lambda r: r.priority)

    @property
    def confirmed(self) -> bool:
        """Every line of APPEARANCE (what no check can tell) is confirmed."""
        return set(self.confirmations) == set(APPEARANCE)

    @property
    def open_failures(self) -> list:
        overridden = {check for check, _ in self.overrides}
        return [r for r in self.blocking if r.id not in overridden]


@dataclass(frozen=True)
class Receipt:
    code: str
    saved_at: datetime
    qr_text: str


@dataclass(frozen=True)
class TodayRow:
    """One capture of today's list, as the photographer's list shows it."""

    code: str
    time: str  # "HH:MM" of the capture
    name_masked: str | None  # from the roster (张*丰), else the capture code's; None when neither is known
    status: str  # "accepted", "replaced" or "voided"
    overrides: tuple[str, ...] = ()  # the rules the photographer overrode on it
    end_reason: str | None = None  # why it was voided or replaced


@dataclass(frozen=True)
class DaySummary:
    """The day at this station, shown before it is closed."""

    accepted: int  # photos taken today and kept
    retakes: int  # photos taken today and replaced by a retake
    voided: int  # photos taken today and voided
    overridden: int  # photos taken today with at least one check overridden
    waiting_export: int  # accepted photos (any day) the export has not taken yet
    demo: bool = False  # the demo's own store: removed on close, never exported
    scheduled: bool = True  # the nightly export's timer is enabled (kiosk.doctor.nightly_export_scheduled)


@dataclass(frozen=True)
class PrintOffer:
    """What the print dialog offers for a code's accepted photo."""

    printed: int  # prints of this photo made so far
    per_sheet: dict[str, int]  # [print] paper name -> how many prints one sheet of it holds
    printers: tuple[str, ...]  # the computer's printers, the system's default first; () when none is set up
    demo: bool = False  # the demo's own store, which `kiosk print` cannot reach


class Desk(Protocol):
    """The outside world the session needs; each call may raise."""

    def resolve(self, text: str, replace: str | None) -> Student:
        """The student of a scanned text; raises CodeProblem("taken") for a code with an
        accepted photo unless `replace` gives the operator's reason to replace it."""

    def render(self, image: Any, report: Any) -> bytes:
        """The 480x640 deliverable JPEG; raises ValueError saying why it cannot."""

    def save(self, capture: Capture) -> Receipt:
        """Store the capture durably (with its identity result); raises when it could not."""

    def wants_consent(self, code: str) -> bool:
        """Whether the identity pre-check would compare this student's photo: the station
        compares and a reference photo of `code` exists. The student is asked first."""

    def identity(self, code: str, jpeg: bytes) -> Any:
        """The identity pre-check of a deliverable against `code`'s reference, or None."""

    def record_consent(self, code: str, agreed: bool, operator: str | None) -> None:
        """Keep the student's answer to the identity pre-check (audited)."""

    def take_reference(self, code: str, frame: Any, operator: str) -> Any:
        """Keep the face in a camera frame as `code`'s reference photo; raises saying why not."""

    def sharpness(self, image: Any) -> float: ...

    def today(self) -> tuple[TodayRow, ...]:
        """Today's captures at this station, newest first."""

    def void(self, code: str, operator: str, reason: str) -> None:
        """Withdraw the accepted photo of `code` (audited); raises saying why it cannot."""

    def summary(self) -> DaySummary: ...

    def print_offer(self, code: str) -> PrintOffer:
        """What can be printed of the accepted photo of `code`; raises saying why nothing can."""

    def print_sheet(self, code: str, copies: int, paper: str, printer: str, operator: str) -> int:
        """Send `copies` prints of the accepted photo of `code` on `paper` to `printer`, and
        record them (audited); returns the prints of that photo made so far. Raises saying
        why, with nothing recorded, when it could not print."""


# --- events ------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeRead:
    text: str  # what the camera's QR reader or the handheld scanner read
    camera: bool = False  # read from the camera's picture, where a code can stay in view
    others: tuple[str, ...] = ()  # other capture codes read in the same picture

    @property
    def key(self) -> str:
        """What was read, as one string: a pair of codes in view is one thing, refused once."""
        return "\n".join(sorted((self.text, *self.others)))


@dataclass(frozen=True)
class CodeSeen:
    """A QR code is in the camera picture but zbar cannot read it (blurred, glare, too far)."""


@dataclass(frozen=True)
class Confirm:
    """The student confirms it is them (Enter / Space / the button)."""


@dataclass(frozen=True)
class Consent:
    """The student's answer to comparing the new photo with their reference photo."""

    agreed: bool


@dataclass(frozen=True)
class Deny:
    """Not me: back to waiting."""


@dataclass(frozen=True)
class Analysed:
    image: Any
    report: Any


@dataclass(frozen=True)
class Tick:
    """Look at the clock: countdowns, timeouts."""


@dataclass(frozen=True)
class Shutter:
    """The operator takes the picture now, whatever the checks say."""


@dataclass(frozen=True)
class TakeReference:
    """The photographer keeps the face the camera sees now as the student's reference photo
    for the identity pre-check: the student holds the photo side of the ID card to the lens."""


@dataclass(frozen=True)
class Accept:
    pass


@dataclass(frozen=True)
class Retake:
    pass


@dataclass(frozen=True)
class Void:
    """The operator throws the photo under review away and ends the session."""


@dataclass(frozen=True)
class Override:
    check_id: str
    reason: str


@dataclass(frozen=True)
class ConfirmAppearance:
    """Whoever is at the review screen (photographer or student) confirms what no check can
    be sure of: item is one of APPEARANCE."""

    item: str
    confirmed: bool


@dataclass(frozen=True)
class Retry:
    """Try again what failed (scan again, save again, resume)."""


@dataclass(frozen=True)
class Replace:
    """The photographer retakes a code that has an accepted photo, which the new one replaces."""

    reason: str


@dataclass(frozen=True)
class Ask:
    """Open one of the photographer's dialogs: the reason to "override" a check, to
    "replace" the photo of a code that has one or to "void" a stored one; "today"'s list;
    "print" a stored photo; "close" the station. `subject` is the check id to override or
    the code to void or print."""

    kind: str
    subject: str = ""


@dataclass(frozen=True)
class Dismiss:
    """Close the open dialog (the reason to void a stored photo goes back to today's list)."""


@dataclass(frozen=True)
class VoidStored:
    """The photographer withdraws a stored photo from today's list."""

    code: str
    reason: str


@dataclass(frozen=True)
class Print:
    """The photographer prints copies of a stored photo (加印) from its print dialog."""

    code: str
    copies: int
    paper: str  # a [print] paper name
    printer: str  # one of the PrintOffer's printers


@dataclass(frozen=True)
class CloseStation:
    """The photographer closes the station, having seen the day's summary."""


@dataclass(frozen=True)
class Cancel:
    pass


@dataclass(frozen=True)
class CameraStatus:
    status: str  # running | lost | reconnecting (the Grabber's status)
    problem: str = ""  # the Grabber's words for what is wrong, for the photographer


@dataclass(frozen=True)
class FrameSize:
    """The size of the camera's frames, sent when it changes: a camera may deliver less
    than [camera] width x height asks, silently."""

    width: int  # pixels
    height: int  # pixels


@dataclass(frozen=True)
class FrameFault:
    """What makes the camera's frames useless (kiosk.checks.scene.frame_fault: "dark" for a
    covered lens, "grey" for a camera switched to black and white, "" for none), sent when it
    changes: no student can change that."""

    fault: str


@dataclass(frozen=True)
class Fault:
    """Something broke behind the screen (a bug, a failing disk): say so, start over."""

    why: str


@dataclass(frozen=True)
class SetLanguage:
    language: str


@dataclass(frozen=True)
class OperatorOn:
    name: str


@dataclass(frozen=True)
class OperatorOff:
    pass


# What no check can be sure of, confirmed on every photo by whoever accepts it (the
# photographer, or in student mode the student for themselves): dyed hair and make-up no
# pixel rule judges, and jewellery the parsing can miss (thin chains, small studs, facial
# piercings). A change of mode on the review screen clears them: the one who accepts confirms.
APPEARANCE = ("dyed_hair", "makeup", "jewellery")

# Events a state listens to; any other event is ignored there. Tick, SetLanguage,
# OperatorOn/Off, CameraStatus, FrameSize, FrameFault and the dialogs' events are heard in every state.
LISTENS: dict[type, set[State]] = {
    # On the receipt a handheld scanner's code starts the next student at once.
    CodeRead: {State.WAITING, State.ERROR, State.SAVED},
    CodeSeen: {State.WAITING},
    Confirm: {State.CONFIRMING, State.REVIEWING, State.SAVED},
    Deny: {State.CONFIRMING},
    Consent: {State.CONFIRMING},
    Analysed: {State.WAITING, State.GUIDING, State.HOLDING},
    Shutter: {State.GUIDING, State.HOLDING},
    TakeReference: {State.GUIDING, State.HOLDING},
    Accept: {State.REVIEWING},
    Retake: {State.REVIEWING},
    Void: {State.REVIEWING},
    Override: {State.REVIEWING},
    ConfirmAppearance: {State.REVIEWING},
    Retry: {State.ERROR},
    Replace: {State.ERROR},
    Cancel: {State.CONFIRMING, State.GUIDING, State.HOLDING, State.REVIEWING, State.ERROR},
}
# Events that mean a person is there (anything but the clock and the machinery).
PASSIVE = (Tick, Analysed, CameraStatus, FrameSize, FrameFault, Fault, CodeSeen)
# What only the photographer may do: refused while photographer mode is off, on every
# screen, whatever buttons the window shows.
PHOTOGRAPHER_ONLY = (Shutter, TakeReference, Override, Void, Replace, Ask, VoidStored, Print, CloseStation)

# A frame without a face is mostly the face tracker losing it for a frame or two (a quick
# turn, a hand): "no face" is said only after this long without one, and then once, not
# as every face check's own instruction.
NO_FACE_S = 1.0

# A code the station refused (a poster's QR, a code not on the list) is not read again from
# the camera's picture until it has been out of view this long: a poster behind the
# student would otherwise bring its error back each time the screen returned to waiting.
REFUSED_GONE_S = 3.0

# While waiting, a phone held up to the camera can fill the picture (a dark or a grey screen):
# a dark or black-and-white picture is a camera fault there only once it has lasted this
# long (a code is read in about a second). While a student is photographed, at once.
WAITING_FAULT_S = 5.0

# The errors that say the camera cannot take photos now; they clear when it can again. Each
# is a wait for the photographer ("one moment, please"), never the student's to fix.
CAMERA_PROBLEMS = ("error.camera_lost", "error.camera_small", "error.camera_grey", "error.camera_dark")


# --- what the screens draw -----------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    key: str  # message key, error.*
    params: dict = field(default_factory=dict)
    retry_key: str = "error.retry"
    title_key: str = "error.title"  # what happened; error.title only for a fault, red
    # The cause in the station's words (English, may name a folder), for the photographer and
    # the log: shown apart, in small letters, never inside the student's sentence.
    detail: str = ""


@dataclass(frozen=True)
class Dialog:
    """The photographer's dialog on screen (one at a time, over any screen)."""

    kind: str  # override | replace | void | today | print | close (see Ask)
    subject: str = ""  # override: the check id; void and print: the code
    rows: tuple[TodayRow, ...] = ()  # today, and void or print from it: today's list, newest first
    summary: DaySummary | None = None  # close
    offer: PrintOffer | None = None  # print; None when the photo cannot be printed (message says why)
    message: str | None = None  # a message key: what the last action did
    params: dict = field(default_factory=dict)  # the message's placeholders


@dataclass(frozen=True)
class View:
    state: State
    language: str
    operator: str | None
    student: Student | None = None
    results: tuple = ()  # every check result of the newest analysed frame
    instructions: tuple = ()  # the one or two most important failures to show
    face_seen: bool = False
    crop_box: tuple | None = None  # where the deliverable would be cut from the newest frame
    hold: float = 0.0  # 0..1 of the steady time passed
    countdown: int | None = None
    capture: Capture | None = None
    receipt: Receipt | None = None
    problem: Problem | None = None
    notice: str | None = None  # a message key shown under the review buttons
    camera: str = "running"
    camera_problem: str = ""
    small_frames: tuple[int, int] | None = None  # (width, height) of frames smaller than [camera] asks
    frame_fault: str = ""  # the camera's frames are "dark" (a covered lens) or "grey" (black and white)
    unreadable_code: bool = False  # waiting: a code has been in the picture unread for a while
    no_face: bool = False  # guiding: no face seen for NO_FACE_S
    operator_left: int | None = None  # seconds until photographer mode ends by itself
    dialog: Dialog | None = None
    closed: bool = False  # the photographer closed the station: the window goes
    asking_consent: bool = False  # confirming: the student is asked to agree to the identity pre-check


def _one_person(report) -> bool:
    """Whether a frame shows one face: the one_face rule holds (a frame without a face has
    no crop box)."""
    return report.crop_box is not None and not any(
        r.rule == "one_face" and verdict_of(r) in BLOCKING for r in report.results)


def verdict_of(result) -> str:
    """A check result's verdict as text ("pass", "fail", ...), from a Verdict or a string."""
    return getattr(result.verdict, "value", result.verdict)


# --- the operator's PIN ----------------------------------------------------------------


DEMO_PIN = "2468"  # the PIN whose hash the shipped config.toml holds


def hash_pin(pin: str, iterations: int = 200_000, salt: str | None = None) -> str:
    """A PIN hash for [operator] pin_hash: pbkdf2_sha256$iterations$salt$hex."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${digest.hex()}"


def pin_matches(pin: str, pin_hash: str) -> bool:
    try:
        scheme, iterations, salt, _ = pin_hash.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    try:
        expected = hash_pin(pin, int(iterations), salt)
    except (ValueError, OverflowError):  # a malformed hash (doctor fails it) matches no PIN
        return False
    # As bytes: compare_digest refuses str with non-ASCII characters.
    return hmac.compare_digest(expected.encode(), pin_hash.encode())


class OperatorLock:
    """Checks PINs, and locks out for a while after too many wrong ones."""

    def __init__(self, pin_hashes: dict[str, str], attempts: int, lockout_s: float, clock) -> None:
        """`pin_hashes`: the photographer's name (as the audit records it) -> PIN hash."""
        self.pin_hashes = pin_hashes
        self.attempts = attempts
        self.lockout_s = lockout_s
        self.clock = clock
        self.wrong = 0
        self.locked_until = -math.inf

    def try_pin(self, pin: str) -> tuple[str | None, str | None, dict]:
        """(the photographer's name or None, message key, params) for the PIN dialog."""
        now = self.clock.now()
        if now < self.locked_until:
            return None, "operator.pin_locked", {"seconds": math.ceil(self.locked_until - now)}
        if not pin:  # an Enter on an empty field is no try: it must not bring the lock nearer
            return None, "operator.pin_prompt", {}
        # Every hash is tried (about 60 ms each), so the time taken tells nothing of whose PIN it was.
        names = [name for name, pin_hash in self.pin_hashes.items() if pin_matches(pin, pin_hash)]
        if len(names) > 1:  # two photographers chose one PIN: the audit could not tell them apart
            return None, "operator.pin_shared", {}
        if names:
            self.wrong = 0
            return names[0], None, {}
        self.wrong += 1
        if self.wrong >= self.attempts:
            self.wrong = 0
            self.locked_until = now + self.lockout_s
            return None, "operator.pin_locked", {"seconds": math.ceil(self.lockout_s)}
        left = self.attempts - self.wrong
        return None, "operator.pin_last_try" if left == 1 else "operator.pin_wrong", {"left": left}


def photographer_pins(settings) -> dict[str, str]:
    """Name -> PIN hash of everyone who may open photographer mode: each of [operator]
    photographers, and "<station id> photographer" for the station's pin_hash when set."""
    op = settings.operator
    shared = {f"{settings.station.id} photographer": op.pin_hash} if op.pin_hash else {}
    return {**shared, **op.photographers}


# --- the session -----------------------------------------------------------------------


class Session:
    def __init__(self, settings, clock, desk: Desk) -> None:
        self.clock = clock
        self.desk = desk
        self.steady_s = settings.capture.steady_s
        self.countdown_s = settings.capture.countdown_s
        self.kiosk = settings.kiosk
        self.operator_timeout_s = settings.operator.timeout_s
        self.default_language = settings.station.language
        self.listeners: list[Callable[[View], None]] = []
        self.operator: str | None = None
        self.operator_seen = 0.0
        self.dialog: Dialog | None = None
        self.closed = False
        self.camera = "running"
        self.camera_problem = ""
        self.asked_size = (settings.camera.width, settings.camera.height)
        self.frame_size: tuple[int, int] | None = None  # (width, height), once a frame came
        self.frame_fault = ""  # until a frame shows one
        self.frame_fault_since = 0.0
        self.refused: tuple[str, float] | None = None  # the last code refused, when the camera last read it
        self._reset()
        self._told = self._view  # the first screen, which the window draws as it starts

    # -- plumbing

    def subscribe(self, listener: Callable[[View], None]) -> None:
        self.listeners.append(listener)

    def handle(self, event) -> bool:
        """Apply one event; False when the current state does not listen to it, or it is
        the photographer's and photographer mode is off."""
        if isinstance(event, PHOTOGRAPHER_ONLY) and self.operator is None:
            return False
        states = LISTENS.get(type(event))
        if states is not None and self.state not in states:
            return False
        now = self.clock.now()
        if not isinstance(event, PASSIVE):
            self.last_activity = now
            # A code in the camera's picture may stay there (a poster, a code put down in
            # view): it says nothing of the photographer being at the station.
            if self.operator and not (isinstance(event, CodeRead) and event.camera):
                self.operator_seen = now
        getattr(self, "_on_" + type(event).__name__)(event)
        self._publish()
        return True

    @property
    def wants_analysis(self) -> bool:
        """Whether the worker should run the checks on frames now (the operator also
        sees the backdrop status while nobody is being photographed)."""
        return self.state in (State.GUIDING, State.HOLDING) or (
            self.operator is not None and self.state is State.WAITING
        )

    @property
    def wants_frame_fault(self) -> bool:
        """Whether the worker should tell what is wrong with the frames (FrameFault) now: while
        waiting (a fault counts there once it lasts WAITING_FAULT_S), while a student is
        photographed, and while such a camera is being put right."""
        return self.state in (State.WAITING, State.GUIDING, State.HOLDING) or (
            self.state is State.ERROR and self.problem.key in ("error.camera_grey", "error.camera_dark"))

    @property
    def wants_codes(self) -> bool:
        """Codes are read while waiting, and after a bad code (so the next one just works)."""
        return self.state is State.WAITING or self._code_problem

    @property
    def _code_problem(self) -> bool:
        return self.state is State.ERROR and self.problem.key.startswith("error.code_")

    def view(self) -> View:
        return self._view

    def _publish(self) -> None:
        """The listeners are told the view whenever it differs from the one they were told
        last, also when an event ends where it began after showing a step between (a second
        bad code after "scanning", a print failing again after "sending")."""
        if self.dialog is not None and not self._dialog_fits():
            self.dialog = None
        self._view = self._make_view()
        if self._view != self._told:
            self._told = self._view
            for listener in self.listeners:
                listener(self._view)

    def _dialog_fits(self) -> bool:
        """A dialog lasts while photographer mode does, and a reason for something on a
        screen only while that screen is up."""
        kind = self.dialog.kind
        if self.operator is None:
            return False
        if kind == "override":
            return self.state is State.REVIEWING and self.dialog.subject in {
                r.id for r in self.capture.blocking if r.overridable}
        if kind == "replace":
            return self._taken
        return True

    @property
    def _taken(self) -> bool:
        return self.state is State.ERROR and self.problem.key == "error.code_taken"

    def _enter(self, state: State) -> None:
        self.state = state
        self._publish()

    def _next_student(self) -> None:
        """The saved photo's student is done: back to waiting, and photographer mode, which
        was for them (an override, a retake), ends with them; the next student starts in
        student mode, never with the photographer's controls. A photographer in the middle
        of something (a dialog open: a print for the student, today's list) keeps the mode
        and the language they read it in."""
        busy, language = self.dialog is not None, self.language
        if not busy:
            self.operator = None
        self._reset()
        if busy:
            self.language = language

    def _reset(self) -> None:
        """Back to waiting; forget the student and everything about them."""
        self.state = State.WAITING
        self.language = self.default_language
        self.student: Student | None = None
        # The identity pre-check: None until the student answers (asked only when the
        # station compares and a reference photo exists), then whether they agreed.
        self.consent: bool | None = None
        self.asking_consent = False
        self.report = None
        self.image = None
        self.capture: Capture | None = None
        self.receipt: Receipt | None = None
        self.problem: Problem | None = None
        self.problem_since = 0.0
        self.retry: Callable | None = None
        self.bad_code: str | None = None
        self.notice: str | None = None
        if self.refused is not None:
            # Codes were not read meanwhile: a refused one still in view (a poster) has
            # WAITING's first REFUSED_GONE_S to be seen again before it is answered again.
            self.refused = (self.refused[0], self.clock.now())
        self._forget_unread_code()
        self._forget_instructions()
        self.hold_start: float | None = None
        self.failing_since: float | None = None
        self.best: tuple[float, Any, Any] | None = None  # (sharpness, image, report)
        self.saved_at = 0.0
        self.last_activity = self.clock.now()
        self._check_camera()
        self._view = None
        self._view = self._make_view()

    def _forget_instructions(self) -> None:
        # Instructions on screen by check id; a check must fail (or pass) for the
        # instruction delay before its instruction appears (or goes).
        self.shown: dict[str, Any] = {}
        self.fail_since: dict[str, float] = {}
        self.clear_since: dict[str, float] = {}
        self.no_face_since: float | None = None  # since when the frames show no face

    def _forget_unread_code(self) -> None:
        # When a code zbar cannot read was first and last seen in the picture.
        self.unread_since: float | None = None
        self.unread_last: float | None = None

    def _fail(self, problem: Problem, retry: Callable) -> None:
        if problem.detail:
            log.warning("%s: %s", problem.key, problem.detail)
        self.problem = problem
        self.problem_since = self.clock.now()
        self.retry = retry
        self.state = State.ERROR

    @property
    def _small_frames(self) -> bool:
        size = self.frame_size
        return size is not None and (size[0] < self.asked_size[0] or size[1] < self.asked_size[1])

    def _camera_fault(self) -> str | None:
        """The error (one of CAMERA_PROBLEMS) that keeps the camera from taking photos, or None."""
        if self.camera != "running":
            return "error.camera_lost"
        if self._small_frames:
            # A camera fallen back to a smaller size would get every student told to come
            # closer, and judged on too few pixels (hair, clothing): the photographer's to fix.
            return "error.camera_small"
        if self._frame_fault:
            # No photo can be made (a covered lens) or each would fail the colour rule, and
            # the instruction would go to a student who cannot change the camera.
            return "error.camera_" + self._frame_fault
        return None

    @property
    def _frame_fault(self) -> str:
        """The frames' fault as it counts now (see WAITING_FAULT_S), "" for none."""
        if self.state is State.WAITING and self.clock.now() - self.frame_fault_since < WAITING_FAULT_S:
            return ""
        return self.frame_fault

    def _check_camera(self) -> None:
        """In a state that watches the camera, a camera fault is an error now: the worker
        reports each status and size once, perhaps while another screen was up."""
        fault = self._camera_fault()
        if fault is not None:
            resume = self._reset if self.state is State.WAITING else self._guide
            self._fail(Problem(fault, {}, title_key="error.wait_title"), resume)

    # -- events

    def _on_CodeRead(self, event: CodeRead) -> None:
        now = self.clock.now()
        if event.camera and self.refused is not None and self.refused[0] == event.key:
            in_view, self.refused = now - self.refused[1] < REFUSED_GONE_S, (event.key, now)
            if in_view:
                return  # still the code refused a moment ago: its error has been told
        if self.state is State.ERROR and (not self._code_problem or event.key == self.bad_code):
            if self.problem.key == "error.code_several":
                self.problem_since = now  # two students still hold their phones up: still said
            return  # the same bad code still held up: keep saying what is wrong with it
        if self.state is State.SAVED:
            self._next_student()  # the receipt's student is gone: nothing of theirs is shown to the next
        self.problem, self.retry = None, None
        self._forget_unread_code()
        if event.others:
            # Whose photo it would be cannot be told: one code at a time.
            self._fail(Problem("error.code_several", {}, "error.back", "error.code_several_title"), self._reset)
            self.bad_code = event.key  # not refused: two phones held up again are asked about again
            return
        self._scan(event.text, None)

    def _on_CodeSeen(self, event: CodeSeen) -> None:
        now = self.clock.now()
        if self.unread_since is None:
            self.unread_since = now
        self.unread_last = now

    def _scan(self, text: str, replace: str | None) -> None:
        self._enter(State.SCANNING)
        try:
            self.student = self.desk.resolve(text, replace)
        except CodeProblem as problem:
            # Each says what happened in its title; the one way on is back to the start
            # (the photographer's replace is offered by the screen in photographer mode).
            self._fail(Problem("error.code_" + problem.kind, problem.params, "error.back",
                               "error.code_" + problem.kind + "_title"), self._reset)
            self.bad_code, self.refused = text, (text, self.clock.now())
            return
        self.state = State.CONFIRMING

    def _on_Confirm(self, event: Confirm) -> None:
        if self.state is State.CONFIRMING:
            if self.consent is None and self.desk.wants_consent(self.student.code):
                self.asking_consent = True  # only the two answers go on from here
                return
            self._guide()
        elif self.state is State.REVIEWING:
            self._on_Accept(Accept())
        else:  # saved: the next student may start at once
            self._next_student()

    def _on_Deny(self, event: Deny) -> None:
        # Like a code that is not on the list: what to do is said (see the photographer), and
        # the screen goes back to the start after a while or at the next code.
        if self.state is State.CONFIRMING:
            self._fail(Problem("error.code_not_mine", {"code": self.student.code}, "error.back",
                               "error.code_not_mine_title"), self._reset)
        else:
            self._reset()

    def _on_Consent(self, event: Consent) -> None:
        if not self.asking_consent:
            return
        self.consent, self.asking_consent = event.agreed, False
        try:  # the answer is kept whichever it is: a centre must show who agreed (PIPL)
            self.desk.record_consent(self.student.code, event.agreed, self.operator)
        except Exception:
            log.exception("the student's answer to the identity pre-check was not recorded; not compared")
            self.consent = False
        self._guide()

    def _on_Analysed(self, event: Analysed) -> None:
        self.report, self.image = event.report, event.image
        if self.state is State.WAITING:
            return
        now = self.clock.now()
        if event.report.crop_box is not None:  # somebody is in front of the camera
            self.last_activity = now
            self.no_face_since = None
            self._settle_instructions(event.report, now)
        else:
            # Every face check says "no face" on such a frame: that is one thing to say, and
            # only once the face has been gone a moment; what was said to the person stays
            # until then (a face lost for a frame must not blank the instructions).
            self.no_face_since = self.no_face_since if self.no_face_since is not None else now
            if now - self.no_face_since >= NO_FACE_S:
                self.shown, self.fail_since, self.clear_since = {}, {}, {}
        if event.report.accepted:
            self.failing_since = None
            if self.state is State.GUIDING:
                self.state, self.hold_start, self.best = State.HOLDING, now, None
            sharpness = self.desk.sharpness(event.image)
            if self.best is None or sharpness > self.best[0]:
                self.best = (sharpness, event.image, event.report)
        elif self.state is State.HOLDING:
            # A blink or a twitch shorter than the grace time does not start over; nobody (or
            # not exactly one person) in the picture is no blink: the hold ends at once, or
            # the screen would say "hold still" to an empty backdrop, its ring filling, and
            # the countdown could end in the grace time and take the person who just left.
            if self.failing_since is None:  # not `or now`: 0.0 is a time too
                self.failing_since = now
            if not _one_person(event.report) or now - self.failing_since > self.kiosk.hold_grace_s:
                self.state, self.hold_start, self.best = State.GUIDING, None, None
        self._advance(now)

    def _settle_instructions(self, report, now: float) -> None:
        """Debounce: a measurement wavering at its limit must not blink its instruction."""
        delay = self.kiosk.instruction_delay_s
        failing = {r.id: r for r in report.results if verdict_of(r) in BLOCKING}
        self.fail_since = {i: t for i, t in self.fail_since.items() if i in failing}
        for check, result in failing.items():
            self.clear_since.pop(check, None)
            if check in self.shown or now - self.fail_since.setdefault(check, now) >= delay:
                self.shown[check] = result
        for check in [c for c in self.shown if c not in failing]:
            if now - self.clear_since.setdefault(check, now) >= delay:
                del self.shown[check], self.clear_since[check]

    def _on_Tick(self, event: Tick) -> None:
        now = self.clock.now()
        if self.operator and now - self.operator_seen > self.operator_timeout_s:
            self.operator = None
            self._unconfirm()
        # The code is gone from the picture (no sighting for as long as an instruction
        # takes to go): the next one starts its own wait for the hint.
        if self.unread_last is not None and now - self.unread_last > self.kiosk.instruction_delay_s:
            self._forget_unread_code()
        if self.state is State.SAVED:
            if now - self.saved_at >= self.kiosk.saved_screen_s:
                self._next_student()
            return
        # What was wrong with a code is said as long as a receipt is shown, then the next
        # student may start; the photographer, who may replace the photo, is not hurried.
        if self._code_problem and not self.operator and now - self.problem_since >= self.kiosk.saved_screen_s:
            self._reset()
            return
        # A photo that could not be saved waits for Retry or an explicit Cancel, not the timer.
        unsaved = self.state is State.ERROR and self.problem.key == "error.save_failed"
        if self.state is not State.WAITING and not unsaved and now - self.last_activity > self.kiosk.inactivity_s:
            self._reset()
            return
        if self.state is State.WAITING:
            self._check_camera()  # a dark or black-and-white picture that has lasted WAITING_FAULT_S
        self._advance(now)

    def _advance(self, now: float) -> None:
        if self.state is State.HOLDING and now - self.hold_start >= self.steady_s + self.countdown_s:
            _, image, report = self.best
            self._shoot(image, report, manual=False)

    def _on_Shutter(self, event: Shutter) -> None:
        if self.image is not None:
            self._shoot(self.image, self.report, manual=True)

    def _on_TakeReference(self, event: TakeReference) -> None:
        if self.image is None:
            return
        try:
            self.desk.take_reference(self.student.code, self.image, self.operator)
        except Exception as exc:  # no face, two faces, off the roster: the message says what to do
            self._fail(Problem("error.reference_failed", {"why": str(exc)}), self._guide)
            return
        # A new reference photo: the student is asked before it is compared with them.
        self.capture, self.report, self.image = None, None, None
        self.consent, self.asking_consent = None, True
        self.state = State.CONFIRMING

    def _shoot(self, image, report, manual: bool) -> None:
        self._enter(State.CAPTURING)
        self.hold_start, self.best, self.failing_since = None, None, None
        if report.crop_box is None:
            self._fail(Problem("error.no_face_photo"), self._guide)
            return
        if report.finish is not None:  # live results: the photo itself is judged in full
            report = report.finish()
        try:
            jpeg = self.desk.render(image, report)
        except ValueError as exc:
            self._fail(Problem("error.render_failed", detail=str(exc)), self._guide)
            return
        self.capture = Capture(
            student=self.student,
            image=image,
            report=report,
            jpeg=jpeg,
            taken_at=self.clock.wall(),
            manual=manual,
            operator=self.operator,
            identity=self._identity(jpeg) if self.consent else None,
        )
        self.notice = None
        self.state = State.REVIEWING

    def _identity(self, jpeg: bytes):
        """The identity pre-check of a new deliverable; advice only, so a failure to compare
        (a damaged model file) leaves the photo without a score rather than stopping it."""
        try:
            return self.desk.identity(self.student.code, jpeg)
        except Exception:
            log.exception("the identity pre-check failed; the photo goes on without a score")
            return None

    def _guide(self) -> None:
        # What the checks said before (the empty frame of the waiting screen, the person
        # before a retake) is not said to the person now.
        self.capture, self.notice, self.report, self.image = None, None, None, None
        self._forget_instructions()
        self.state = State.GUIDING
        self._check_camera()

    def _on_Retake(self, event: Retake) -> None:
        self._guide()

    def _on_Void(self, event: Void) -> None:
        # Beside Retake, one tap would end the student's session: the first asks for a second.
        if self.notice != "review.void_again":
            self.notice = "review.void_again"
            return
        self._reset()

    def _on_Override(self, event: Override) -> None:
        reason = event.reason.strip()
        target = next((r for r in self.capture.blocking if r.id == event.check_id and r.overridable), None)
        if not reason or target is None:
            return
        # One rule, one override: its checks (the lip gap and the inner mouth both judge "lips
        # closed") are waived together, as the review shows them in one row.
        ids = [r.id for r in self.capture.blocking if r.rule == target.rule and r.overridable]
        kept = tuple(o for o in self.capture.overrides if o[0] not in ids)
        self.capture = replace(self.capture, overrides=kept + tuple((i, reason) for i in ids))
        self.notice = None
        self.dialog = None

    def _on_ConfirmAppearance(self, event: ConfirmAppearance) -> None:
        if event.item not in APPEARANCE:
            return
        items = set(self.capture.confirmations) - {event.item}
        if event.confirmed:
            items.add(event.item)
        self.capture = replace(
            self.capture, confirmations=tuple(i for i in APPEARANCE if i in items)
        )
        self.notice = None  # it said what was missing; "use this photo" says it again if still so

    def _on_Accept(self, event: Accept) -> None:
        capture = self.capture
        if capture.open_failures:
            self.notice = "review.needs_confirm" if self.operator else "review.needs_operator"
            return
        if not capture.confirmed:
            self.notice = "review.needs_confirm" if self.operator else "review.needs_student_confirm"
            return
        if self.operator:
            capture = self.capture = replace(capture, operator=self.operator)
        self._save()

    def _save(self) -> None:
        try:
            self.receipt = self.desk.save(self.capture)
        except SamePicture as exc:
            # A camera that froze gives the last frame again: a new photo is what mends it.
            # The other student's code goes to the log for the staff, not on the screen the
            # student reads (a trial read it there, under a Chinese sentence in English).
            log.warning("the picture for %s is already the accepted photo of %s: not saved",
                        self.capture.student.code, exc.other)
            self._fail(Problem("error.same_picture", {}, "review.retake", "error.same_picture_title"), self._guide)
            return
        except DiskProblem as exc:
            # The commonest cause, told in the screen's language with the folder to mend; the
            # capture stays in memory for Try again.
            self._fail(Problem(f"error.disk_{exc.kind}", {"folder": str(exc.folder)}), self._save)
            return
        except Exception as exc:  # the capture stays in memory: nothing is lost
            self._fail(Problem("error.save_failed", detail=str(exc)), self._save)
            return
        self.saved_at = self.clock.now()
        self.state = State.SAVED

    def _on_Retry(self, event: Retry) -> None:
        retry = self.retry
        self.problem, self.retry = None, None
        retry()

    def _on_Replace(self, event: Replace) -> None:
        reason = event.reason.strip()
        if not self._taken or not reason:
            return
        self.problem, self.retry = None, None
        self._scan(self.bad_code, reason)

    def _on_Cancel(self, event: Cancel) -> None:
        self._reset()

    def _on_CameraStatus(self, event: CameraStatus) -> None:
        self.camera, self.camera_problem = event.status, event.problem
        self._camera_changed()

    def _on_FrameSize(self, event: FrameSize) -> None:
        self.frame_size = (event.width, event.height)
        self._camera_changed()

    def _on_FrameFault(self, event: FrameFault) -> None:
        self.frame_fault, self.frame_fault_since = event.fault, self.clock.now()
        self._camera_changed()

    def _camera_changed(self) -> None:
        if self.state in (State.WAITING, State.GUIDING, State.HOLDING):
            self._check_camera()
        elif self.problem and self.problem.key in CAMERA_PROBLEMS and self.problem.key != self._camera_fault():
            self._on_Retry(Retry())  # resume; says the camera's new fault, if it has one

    def _on_Fault(self, event: Fault) -> None:
        self._fail(Problem("error.fault", detail=event.why), self._reset)

    def _on_SetLanguage(self, event: SetLanguage) -> None:
        self.language = event.language

    def _on_OperatorOn(self, event: OperatorOn) -> None:
        self.operator = event.name
        self.operator_seen = self.clock.now()
        self._unconfirm()

    def _on_OperatorOff(self, event: OperatorOff) -> None:
        self.operator = None
        self._unconfirm()

    def _unconfirm(self) -> None:
        if self.capture is not None and self.state is State.REVIEWING:
            self.capture = replace(self.capture, confirmations=())
            self.notice = None  # it was meant for the one who is no longer at the screen

    # -- the photographer's dialogs

    def _on_Ask(self, event: Ask) -> None:
        kind, subject = event.kind, event.subject
        if kind == "today":
            self.dialog = self._today()
        elif kind == "close":
            try:
                self.dialog = Dialog("close", summary=self.desk.summary())
            except Exception as exc:  # a broken store must not keep the station from closing
                self.dialog = Dialog("close", message="operator.store_failed", params={"why": str(exc)})
        elif kind == "void" and self.dialog is not None and self.dialog.kind == "today":
            if any(row.code == subject and row.status == "accepted" for row in self.dialog.rows):
                self.dialog = replace(self.dialog, kind="void", subject=subject, message=None, params={})
        elif kind == "print" and self.dialog is not None and self.dialog.kind == "today":
            if any(row.code == subject and row.status == "accepted" for row in self.dialog.rows):
                self.dialog = self._print_dialog(self.dialog, subject)
        elif kind == "print" and self.state is State.SAVED and subject == self.receipt.code:
            self.dialog = self._print_dialog(Dialog("print"), subject)
        elif kind in ("override", "replace"):
            self.dialog = Dialog(kind, subject)  # _publish drops it unless its screen is up

    def _today(self, message: str | None = None, **params) -> Dialog:
        try:
            return Dialog("today", rows=self.desk.today(), message=message, params=params)
        except Exception as exc:  # said in the list: the student's session is not the store's
            return Dialog("today", message="operator.store_failed", params={"why": str(exc)})

    def _print_dialog(self, base: Dialog, code: str) -> Dialog:
        """`base` (today's list, kept to go back to, or an empty dialog) as the print dialog of `code`."""
        try:
            offer, message, params = self.desk.print_offer(code), None, {}
        except Exception as exc:  # said in the dialog: a purged or damaged photo, a broken store
            offer, message, params = None, "print.failed", {"why": str(exc)}
        return replace(base, kind="print", subject=code, offer=offer, message=message, params=params)

    def _on_Dismiss(self, event: Dismiss) -> None:
        if self.dialog is not None and self.dialog.kind in ("void", "print") and self.dialog.rows:
            # Opened from today's list (whose rows it keeps): back to the list.
            self.dialog = replace(self.dialog, kind="today", subject="", offer=None, message=None, params={})
        else:
            self.dialog = None

    def _on_VoidStored(self, event: VoidStored) -> None:
        reason = event.reason.strip()
        if not reason:
            return
        try:
            batch, told = self.desk.void(event.code, self.operator, reason)
        except Exception as exc:  # said in the list, which then shows how things stand now
            self.dialog = self._today("operator.void_failed", code=event.code, why=str(exc))
        else:
            # An exported photo must also leave the centre's upload: said, as `kiosk void` says it.
            done = "operator.void_done" if batch is None else (
                "operator.void_done_told" if told else "operator.void_done_later")
            self.dialog = self._today(done, code=event.code, **({"batch": batch} if batch else {}))
            if self._taken and self.problem.params.get("code") == event.code:
                # "This code already has a photo" is no longer true: the student goes on.
                self.problem, self.retry = None, None
                self._scan(self.bad_code, None)

    def _on_Print(self, event: Print) -> None:
        dialog = self.dialog
        if dialog is None or dialog.kind != "print" or dialog.subject != event.code or dialog.offer is None:
            return
        # Said while the sheet goes out (the screen offers no second tap meanwhile).
        self.dialog = replace(dialog, message="print.sending", params={"printer": event.printer})
        self._publish()
        try:
            printed = self.desk.print_sheet(event.code, event.copies, event.paper, event.printer, self.operator)
        except Exception as exc:  # said in the dialog; nothing was recorded
            self.dialog = replace(dialog, message="print.failed", params={"why": str(exc)})
        else:
            self.dialog = replace(dialog, offer=replace(dialog.offer, printed=printed), message="print.done",
                                  params={"copies": event.copies, "printer": event.printer})

    def _on_CloseStation(self, event: CloseStation) -> None:
        # Only from the summary: nobody closes the station without having seen what is
        # still waiting for the export.
        if self.dialog is not None and self.dialog.kind == "close":
            self.closed = True

    # -- the view

    def _instructions(self) -> tuple:
        """What to tell the person: the most important first, each instruction once (a
        check not judged yet has nothing to say), at most [kiosk] instructions; a picture
        on its side (PICTURE) alone, and nothing after a covered face (COVERED)."""
        out = []
        for r in sorted(self.shown.values(), key=lambda r: r.priority):
            if out and out[-1].priority == COVERED:
                break
            if r.id == "shoulders" and r.reason == "width" and any(o.id == "framing" for o in out):
                continue  # a face too close cuts the shoulders: the framing's move mends both
            # Said already, alone or as part of a longer one ("stand up straight, then
            # come a little closer" holds "come a little closer"; each has both languages).
            if (r.message_zh or r.message_en) and not any(
                    (r.message_zh, r.message_en) == (o.message_zh, o.message_en)
                    or (r.message_en and r.message_en in o.message_en) for o in out):
                out.append(r)
        return tuple(out[: 1 if out and out[0].priority == PICTURE else self.kiosk.instructions])

    def _make_view(self) -> View:
        now = self.clock.now()
        results = tuple(self.report.results) if self.report is not None else ()
        if self.state is State.GUIDING:
            # A rule's chip agrees with its instruction: red for as long as the instruction stays.
            results = tuple(self.shown.get(r.id, r) for r in results)
        hold, countdown = 0.0, None
        if self.state is State.HOLDING:
            elapsed = now - self.hold_start
            hold = min(1.0, elapsed / self.steady_s) if self.steady_s > 0 else 1.0
            if elapsed >= self.steady_s:
                countdown = max(1, math.ceil(self.steady_s + self.countdown_s - elapsed))
        guiding = self.state in (State.GUIDING, State.HOLDING)
        return View(
            state=self.state,
            language=self.language,
            operator=self.operator,
            student=self.student,
            results=results,
            instructions=self._instructions() if guiding else (),
            face_seen=self.report is not None and self.report.crop_box is not None,
            crop_box=self.report.crop_box if self.report is not None else None,
            hold=round(hold, 2),
            countdown=countdown,
            capture=self.capture,
            receipt=self.receipt,
            problem=self.problem,
            # A student cannot use a photo a check failed: said at once, not after a tap on a grey button.
            notice=self.notice or ("review.needs_operator" if self.state is State.REVIEWING and not self.operator
                                   and self.capture is not None and self.capture.open_failures else None),
            camera=self.camera,
            camera_problem=self.camera_problem,
            small_frames=self.frame_size if self._small_frames else None,
            frame_fault=self._frame_fault,
            unreadable_code=self.state is State.WAITING and self.unread_since is not None
            and now - self.unread_since >= self.kiosk.unreadable_code_s,
            no_face=guiding and self.no_face_since is not None and now - self.no_face_since >= NO_FACE_S,
            operator_left=max(0, math.ceil(self.operator_seen + self.operator_timeout_s - now))
            if self.operator else None,
            asking_consent=self.asking_consent,
            dialog=self.dialog,
            closed=self.closed,
        )
