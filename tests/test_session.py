"""The capture session without Qt: real checks on real photos, a real store, a fake clock.

Each frame's report comes from the real Analyser on a licensed photo (tests/photos); the
session is driven event by event and time moves only when the test says so.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers import paint_mask

from kiosk.checks.result import Verdict
from kiosk.codec import DemoCodec, new_code
from kiosk.messages import text
from kiosk.printing import print_sheet_pdf
from kiosk.session import (
    APPEARANCE,
    Accept,
    Analysed,
    Ask,
    CameraStatus,
    Cancel,
    CloseStation,
    CodeRead,
    CodeSeen,
    Confirm,
    ConfirmAppearance,
    Deny,
    Dismiss,
    OperatorLock,
    OperatorOff,
    OperatorOn,
    Override,
    Print,
    REFUSED_GONE_S,
    Replace,
    Retake,
    Retry,
    Session,
    SetLanguage,
    Shutter,
    TakeReference,
    State,
    Tick,
    Void,
    VoidStored,
    hash_pin,
)
from kiosk.station import StationDesk
from tests.test_checks_framing import on_camera
from kiosk.store import RosterEntry, Store

PHOTOS = Path(__file__).parent / "photos"
PASSING = "london_synthetic__blue_005.jpg"  # compliant: light-blue backdrop, straight, eyes open
FAILING = "london_synthetic__roll12_005.jpg"  # the same person with the head tilted 12 degrees


def load_photo(name: str):
    image = cv2.imread(str(PHOTOS / name))
    assert image is not None, f"tests/photos/{name} is missing"
    return image


@pytest.fixture(scope="module")
def judged(models, tmp_path_factory):
    """(image, report) for a compliant and a non-compliant photo, judged once."""
    from kiosk.checks import Analyser
    from kiosk.config import load_settings

    settings = load_settings()
    analyser = Analyser(settings, mode="image")
    try:
        out = {}
        for name, file in (("pass", PASSING), ("fail", FAILING)):
            image = load_photo(file)
            out[name] = (image, analyser.analyse(image))
        empty = np.full_like(out["pass"][0], (255, 197, 100))  # the backdrop, nobody before it
        out["empty"] = (empty, analyser.analyse(empty))
        sideways = np.ascontiguousarray(np.rot90(out["pass"][0]))  # a camera mounted on its side
        out["sideways"] = (sideways, analyser.analyse(sideways))
        far_low = on_camera(out["pass"][0], 0.45, 200)  # far away and sitting low
        out["far_low"] = (far_low, analyser.analyse(far_low))
        analyser.analyse(out["pass"][0])
        face, width = analyser.last_context.face, analyser.last_context.face_width
        masked = paint_mask(out["pass"][0], face, width, (250, 250, 250))  # a white mask
        out["masked"] = (masked, analyser.analyse(masked))
    finally:
        analyser.close()
    assert out["pass"][1].accepted, out["pass"][1].failures
    assert not out["fail"][1].accepted
    assert out["empty"][1].crop_box is None
    return out


@pytest.fixture
def store_factory(settings, fake_clock):
    return lambda: Store.from_settings(settings, fake_clock)


@pytest.fixture
def session(settings, fake_clock, store_factory):
    desk = StationDesk(settings, store_factory)
    yield Session(settings, fake_clock, desk)
    desk.close()


def demo_code(code: str | None = None) -> tuple[str, str]:
    code = code or new_code()
    return code, DemoCodec().encode(code, "张*三", "3101**********1234")


def frames(session, clock, image, report, seconds: float, step: float = 0.1) -> None:
    """Feed the same judged frame for `seconds` of fake time, ticking as the worker does."""
    for _ in range(round(seconds / step)):
        clock.advance(step)
        session.handle(Analysed(image, report))
        session.handle(Tick())


def to_guiding(session) -> str:
    code, text = demo_code()
    session.handle(CodeRead(text))
    session.handle(Confirm())
    assert session.state is State.GUIDING
    return code


def accept(session) -> None:
    """"Use this photo" as whoever is at the screen does it: the three lines no check can
    tell (hair, make-up, jewellery) confirmed first."""
    for item in APPEARANCE:
        session.handle(ConfirmAppearance(item, True))
    session.handle(Accept())


def test_a_code_typed_in_chinese_punctuation_mode_is_read(session):
    """A handheld scanner types through the input method: in its Chinese punctuation mode
    every ":" comes out as "：" (a fifth trial was told "this is not a capture code")."""
    code, text = demo_code()
    session.handle(CodeRead(text.replace(":", "：")))
    assert session.state is State.CONFIRMING and session.view().student.code == code
    session.handle(Cancel())
    session.handle(CodeRead("ＮＯＴ：ＡＮＹ：ＣＯＤＥ"))  # folded, still no capture code: said so
    assert session.view().problem.key == "error.code_format"


def test_scanning_a_demo_code_shows_the_masked_student_to_confirm(session):
    code, text = demo_code()
    seen = []
    session.subscribe(lambda view: seen.append(view.state))
    session.handle(CodeRead(text))
    view = session.view()
    assert view.state is State.CONFIRMING
    assert seen == [State.SCANNING, State.CONFIRMING]
    assert (view.student.code, view.student.name_masked, view.student.id_masked) == (
        code, "张*三", "3101**********1234")


def test_a_bare_code_from_the_roster_shows_the_roster_masked(session, store_factory):
    with store_factory() as store:
        store.import_roster([RosterEntry("2026SH0001", "S001", "欧阳明日", "310101200001011234", "数学学院")],
                            "test", "roster.csv")
    session.handle(CodeRead("2026SH0001"))  # typed by a keyboard-wedge scanner
    student = session.view().student
    assert (student.name_masked, student.id_masked, student.college) == ("欧**日", "3101**********1234", "数学学院")


@pytest.mark.parametrize("text, key", [
    ("https://example.com/not-a-code", "error.code_format"),
    ("GPDEMO1:7KQ2M9XD3FTP:e30:0000000000000000", "error.code_unreadable"),
    ("2026NOTLISTED", "error.code_unknown"),
])
def test_bad_codes_say_what_is_wrong_and_retry_scans_again(session, text, key):
    session.handle(CodeRead(text))
    view = session.view()
    assert view.state is State.ERROR and view.problem.key == key
    session.handle(Retry())
    assert session.state is State.WAITING


def test_not_me_says_to_see_the_photographer_then_the_next_code_starts_afresh(session, fake_clock):
    code, text = demo_code()
    session.handle(CodeRead(text))
    session.handle(Deny())  # "Not me": the masked name or ID number is somebody else's
    view = session.view()
    assert view.state is State.ERROR and view.problem.key == "error.code_not_mine"
    assert view.problem.params == {"code": code} and session.wants_codes
    fake_clock.advance(session.kiosk.saved_screen_s + 1)
    session.handle(Tick())
    assert session.state is State.WAITING and session.student is None


def test_after_a_bad_code_the_next_good_code_just_works(session):
    seen = []
    session.subscribe(lambda view: seen.append(view.state))
    session.handle(CodeRead("https://example.com/poster"))
    assert session.wants_codes and session.view().problem.key == "error.code_format"
    session.handle(CodeRead("https://example.com/poster"))  # still in the picture
    assert seen == [State.SCANNING, State.ERROR]  # no flicker back to "reading"
    session.handle(CodeRead("https://example.com/another-poster"))  # as bad: said again, not left "reading"
    assert seen == [State.SCANNING, State.ERROR] * 2
    code, text = demo_code()
    session.handle(CodeRead(text))
    assert session.state is State.CONFIRMING and session.view().student.code == code
    assert session.view().problem is None


def seen_for(session, clock, seconds: float, step: float = 0.1) -> None:
    """The worker's frames for `seconds` while a code it cannot read is in the picture."""
    for _ in range(round(seconds / step)):
        clock.advance(step)
        session.handle(CodeSeen())
        session.handle(Tick())


def test_a_code_seen_but_not_read_gets_a_hint_that_goes_when_the_code_goes(session, fake_clock, settings):
    wait = settings.kiosk.unreadable_code_s
    seen_for(session, fake_clock, wait - 0.2)
    assert not session.view().unreadable_code  # a moment's blur while the phone comes up: no hint
    seen_for(session, fake_clock, 0.3)
    view = session.view()
    assert view.state is State.WAITING and view.unreadable_code  # a hint, nothing blocked
    for _ in range(3):  # the phone taken away: no more sightings
        fake_clock.advance(settings.kiosk.instruction_delay_s)
        session.handle(Tick())
    assert not session.view().unreadable_code
    seen_for(session, fake_clock, 0.5)  # held up again: a new wait, not the old one
    assert not session.view().unreadable_code


def test_the_unreadable_code_hint_goes_when_the_code_is_read(session, fake_clock, settings):
    seen_for(session, fake_clock, settings.kiosk.unreadable_code_s + 0.1)
    assert session.view().unreadable_code
    code, text = demo_code()
    session.handle(CodeRead(text))  # brighter now: zbar reads it
    assert session.state is State.CONFIRMING and not session.view().unreadable_code
    session.handle(Cancel())
    assert session.state is State.WAITING and not session.view().unreadable_code


def test_guidance_shows_the_two_most_important_failures_and_never_shoots(session, fake_clock, judged):
    to_guiding(session)
    image, report = judged["fail"]
    frames(session, fake_clock, image, report, seconds=20)
    view = session.view()
    assert view.state is State.GUIDING
    assert view.capture is None
    expected = sorted(report.failures, key=lambda r: r.priority)[:2]
    assert [r.id for r in view.instructions] == [r.id for r in expected]


def test_a_picture_on_its_side_is_the_only_thing_said(session, fake_clock, judged):
    """What the other checks make of a turned picture (shoulders cut, hair over an ear) is
    noise the student cannot act on: only "ask the photographer" is said."""
    to_guiding(session)
    image, report = judged["sideways"]
    assert len(report.failures) > 1
    frames(session, fake_clock, image, report, seconds=3)
    told = session.view().instructions
    assert [r.id for r in told] == ["roll"] and "on its side" in told[0].message_en


def test_a_covered_face_is_said_and_nothing_the_cover_makes_the_other_checks_say(session, fake_clock, judged):
    """A white mask made the lighting check say "your face is too bright" beside "take off any
    mask": what is told before the mask (framing) stays, what comes after it goes."""
    to_guiding(session)
    image, report = judged["masked"]
    failing = [r.id for r in report.failures]
    assert "face_uncovered" in failing and failing.index("face_uncovered") < len(failing) - 1, failing
    frames(session, fake_clock, image, report, seconds=3)
    told = [r.id for r in session.view().instructions]
    assert told and told[-1] == "face_uncovered" and "lighting" not in told, (told, failing, session.view().state)


def test_an_instruction_already_said_inside_a_longer_one_is_not_said_again(session, fake_clock, judged):
    """Far away and low: framing says "stand up straight, then come a little closer",
    and the sharpness check's "come a little closer" (the face too few pixels) adds nothing."""
    to_guiding(session)
    image, report = judged["far_low"]
    said = {r.id: r.message_en for r in report.failures}
    assert said["sharpness"] in said["framing"] and said["sharpness"] != said["framing"]
    frames(session, fake_clock, image, report, seconds=3)
    told = [r.message_en for r in session.view().instructions]
    assert said["framing"] in told and said["sharpness"] not in told


def test_an_instruction_neither_blinks_on_nor_off_for_a_single_frame(session, fake_clock, judged, settings):
    to_guiding(session)
    good, bad = judged["pass"], judged["fail"]
    delay = settings.kiosk.instruction_delay_s
    session.handle(Analysed(*bad))  # one wavering frame
    assert session.view().instructions == ()
    frames(session, fake_clock, *bad, seconds=delay + 0.1)
    shown = [r.id for r in session.view().instructions]
    assert shown
    fake_clock.advance(0.05)
    session.handle(Analysed(*good))  # one good frame: the instruction stays
    assert [r.id for r in session.view().instructions] == shown
    frames(session, fake_clock, *good, seconds=delay + 0.1)
    assert session.view().instructions == ()


def test_a_rule_chip_stays_red_while_its_instruction_is_still_said(session, fake_clock, judged, settings):
    """The instruction goes a moment after the fix (no blinking); its rule's chip goes green
    with it, not before: the screen never says "raise your shoulder" beside a green chip."""
    to_guiding(session)
    image, bad = judged["fail"]
    delay = settings.kiosk.instruction_delay_s
    frames(session, fake_clock, image, bad, seconds=delay + 0.1)
    first = session.view().instructions[0]
    fixed = dataclasses.replace(first, verdict=Verdict.PASS, message_zh="", message_en="", reason="")
    better = dataclasses.replace(bad, results=tuple(fixed if r.id == first.id else r for r in bad.results))
    assert not better.accepted  # something else is still wrong: still guiding

    def chip(view):
        return next(r for r in view.results if r.id == first.id).verdict

    fake_clock.advance(0.05)
    session.handle(Analysed(image, better))
    view = session.view()
    assert view.state is State.GUIDING and first.id in [r.id for r in view.instructions]
    assert chip(view) is Verdict.FAIL
    frames(session, fake_clock, image, better, seconds=delay + 0.1)
    view = session.view()
    assert first.id not in [r.id for r in view.instructions] and chip(view) is Verdict.PASS


def test_passing_frames_hold_count_down_and_take_the_sharpest(session, fake_clock, judged, settings):
    to_guiding(session)
    image, report = judged["pass"]
    soft = cv2.GaussianBlur(image, (0, 0), 2.0)  # the same pose, a little out of focus
    session.handle(Analysed(soft, report))
    assert session.state is State.HOLDING
    countdowns = []
    for i in range(int((settings.capture.steady_s + settings.capture.countdown_s) / 0.1) + 2):
        fake_clock.advance(0.1)
        session.handle(Analysed(image if i == 5 else soft, report))
        if session.state is State.HOLDING and session.view().countdown is not None:
            countdowns.append(session.view().countdown)
    assert session.state is State.REVIEWING
    assert sorted(set(countdowns), reverse=True) == list(range(settings.capture.countdown_s, 0, -1))
    assert session.view().capture.image is image  # the sharp frame, not the last one
    jpeg = session.view().capture.jpeg
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape[:2] == (settings.capture.height, settings.capture.width)


def test_a_blink_keeps_the_hold_a_longer_failure_starts_over(session, fake_clock, judged, settings):
    to_guiding(session)
    good, bad = judged["pass"], judged["fail"]
    frames(session, fake_clock, *good, seconds=0.5)
    assert session.state is State.HOLDING
    frames(session, fake_clock, *bad, seconds=settings.kiosk.hold_grace_s / 2)
    assert session.state is State.HOLDING
    frames(session, fake_clock, *bad, seconds=settings.kiosk.hold_grace_s * 2)
    assert session.state is State.GUIDING


def test_accepting_stores_the_capture_with_both_images(session, fake_clock, judged, store_factory, settings):
    code = to_guiding(session)
    frames(session, fake_clock, *judged["pass"], seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
    accept(session)
    view = session.view()
    assert view.state is State.SAVED and view.receipt.code == code
    assert view.receipt.qr_text.startswith(f"GPRECEIPT1:{code}:")
    with store_factory() as store:
        stored = store.accepted(code)
        assert stored.operator == "self-service"
        assert set(stored.images) == {"master", "deliverable"}
        assert stored.images["deliverable"].path.read_bytes() == view.capture.jpeg
        master = cv2.imread(str(stored.images["master"].path))
        assert master.shape == judged["pass"][0].shape  # the whole frame, not mirrored
        assert (master == judged["pass"][0]).all()
    fake_clock.advance(settings.kiosk.saved_screen_s + 0.1)
    session.handle(Tick())
    assert session.state is State.WAITING and session.view().student is None


def test_a_code_already_photographed_is_refused_until_the_photographer_replaces_it(
        session, fake_clock, judged, store_factory, settings):
    code = to_guiding(session)
    frames(session, fake_clock, *judged["pass"], seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
    accept(session)
    session.handle(Confirm())  # next student
    _, text = demo_code(code)
    session.handle(CodeRead(text))
    view = session.view()
    assert view.problem.key == "error.code_taken" and view.problem.title_key == "error.code_taken_title"
    assert session.handle(Replace("student blinked")) is False  # no photographer, no replacing
    session.handle(Retry())  # the one way on for the student: back to the start
    assert session.state is State.WAITING
    session.handle(OperatorOn("op"))
    session.handle(CodeRead(text))
    assert session.view().problem.key == "error.code_taken"
    session.handle(Replace(" "))  # a replacement needs a reason
    assert session.state is State.ERROR
    session.handle(Replace("student blinked"))
    assert session.state is State.CONFIRMING and session.view().student.replace == "student blinked"
    session.handle(Confirm())
    frames(session, fake_clock, *judged["pass"], seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
    for item in APPEARANCE:
        session.handle(ConfirmAppearance(item, True))
    accept(session)
    assert session.state is State.SAVED
    with store_factory() as store:
        assert [c.status for c in store.history(code)] == ["replaced", "accepted"]


def test_the_student_confirms_hair_makeup_and_jewellery_for_themselves(session, fake_clock, judged, store_factory,
                                                                      settings):
    """No check can tell dyed hair or make-up, and the parsing misses small studs and thin
    chains: in student mode the student confirms the three lines before the photo is kept,
    and the store says who confirmed. A change of mode clears them: whoever accepts confirms."""
    code = to_guiding(session)
    frames(session, fake_clock, *judged["pass"], seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
    session.handle(Accept())
    assert session.state is State.REVIEWING and session.view().notice == "review.needs_student_confirm"
    for item in ("dyed_hair", "makeup"):
        session.handle(ConfirmAppearance(item, True))
    session.handle(Accept())
    assert session.state is State.REVIEWING, "no earrings, necklace or piercing is confirmed too"
    session.handle(ConfirmAppearance("jewellery", True))
    assert session.view().notice is None  # ticking says nothing is missing any more
    session.handle(ConfirmAppearance("jewellery", False))
    session.handle(Accept())
    assert session.view().notice == "review.needs_student_confirm"
    session.handle(OperatorOn("op"))
    view = session.view()
    assert view.capture.confirmations == () and view.notice is None  # the student's words are not the photographer's
    session.handle(OperatorOff())
    for item in APPEARANCE:
        session.handle(ConfirmAppearance(item, True))
    session.handle(Accept())
    assert session.state is State.SAVED
    with store_factory() as store:
        stored = store.accepted(code)
    confirmed = {r["rule"]: r["threshold"] for r in stored.results if r["id"].startswith("confirmed_")}
    assert confirmed == {item: "confirmed by the student" for item in APPEARANCE}


def test_a_student_is_told_at_once_when_the_saved_frame_fails_a_check(session, fake_clock, judged, settings):
    """Live guidance passed, the full judgement of the saved frame found a necklace: a trial's
    student saw a grey button and no word until they tapped it."""
    import dataclasses

    image, live = judged["pass"]
    live = dataclasses.replace(live, finish=lambda: judged["fail"][1])
    to_guiding(session)
    frames(session, fake_clock, image, live, seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
    view = session.view()
    assert view.state is State.REVIEWING and view.capture.open_failures
    assert view.notice == "review.needs_operator"
    session.handle(OperatorOn("op"))  # the photographer's own words then, once asked
    assert session.view().notice is None


def test_a_student_cannot_shoot_or_accept_a_failing_photo(session, fake_clock, judged):
    to_guiding(session)
    frames(session, fake_clock, *judged["fail"], seconds=1)
    session.handle(Shutter())
    assert session.state is State.GUIDING


def test_the_photographer_overrides_with_reasons_and_confirms_hair_makeup_and_jewellery(
        session, fake_clock, judged, store_factory):
    code = to_guiding(session)
    session.handle(OperatorOn("op"))
    frames(session, fake_clock, *judged["fail"], seconds=0.3)
    session.handle(Shutter())
    view = session.view()
    assert view.state is State.REVIEWING and view.capture.manual
    failed = [r.id for r in view.capture.blocking]
    session.handle(Accept())
    assert session.state is State.REVIEWING and session.view().notice == "review.needs_confirm"
    for check in failed:
        session.handle(Override(check, "religious head covering, face fully visible"))
    session.handle(Accept())
    assert session.state is State.REVIEWING  # hair, make-up and jewellery not confirmed yet
    session.handle(ConfirmAppearance("dyed_hair", True))
    session.handle(ConfirmAppearance("makeup", True))
    session.handle(Accept())
    assert session.state is State.REVIEWING, "no earrings, necklace or piercing is confirmed too"
    session.handle(ConfirmAppearance("jewellery", True))
    session.handle(Accept())
    assert session.state is State.SAVED
    with store_factory() as store:
        stored = store.accepted(code)
    assert sorted(o.check for o in stored.overrides) == sorted(failed)
    assert {r["id"] for r in stored.results} >= {"confirmed_dyed_hair", "confirmed_makeup", "confirmed_jewellery"}


def test_void_on_review_asks_for_a_second_press_before_the_session_ends(session, fake_clock, judged):
    """Beside Retake, one tap on Void ended the student's session without a word (a trial)."""
    to_guiding(session)
    session.handle(OperatorOn("op"))
    frames(session, fake_clock, *judged["fail"], seconds=0.3)
    session.handle(Shutter())
    session.handle(Void())
    view = session.view()
    assert view.state is State.REVIEWING and view.notice == "review.void_again" and view.capture is not None
    session.handle(ConfirmAppearance("makeup", True))  # another step in between: asked again
    session.handle(Void())
    assert session.state is State.REVIEWING
    session.handle(Void())
    assert session.state is State.WAITING and session.view().student is None


def test_retake_goes_back_to_guidance(session, fake_clock, judged, settings):
    to_guiding(session)
    frames(session, fake_clock, *judged["pass"], seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
    session.handle(Retake())
    assert session.state is State.GUIDING and session.view().capture is None


def test_inactivity_forgets_the_student(session, fake_clock, settings):
    code, text = demo_code()
    session.handle(SetLanguage("en"))
    session.handle(CodeRead(text))
    fake_clock.advance(settings.kiosk.inactivity_s - 1)
    session.handle(Tick())
    assert session.state is State.CONFIRMING
    fake_clock.advance(2)
    session.handle(Tick())
    view = session.view()
    assert view.state is State.WAITING and view.student is None
    assert view.language == settings.station.language  # the next student starts in the default


def test_a_person_in_the_picture_is_activity(session, fake_clock, judged, settings):
    to_guiding(session)
    frames(session, fake_clock, *judged["fail"], seconds=settings.kiosk.inactivity_s + 5, step=1.0)
    assert session.state is State.GUIDING


def test_a_lost_camera_is_an_error_that_clears_when_it_returns(session):
    to_guiding(session)
    session.handle(CameraStatus("lost"))
    assert session.view().problem.key == "error.camera_lost"
    session.handle(CameraStatus("running"))
    assert session.state is State.GUIDING


def test_a_camera_lost_on_the_confirm_screen_is_reported_when_guidance_would_start(session):
    code, text = demo_code()
    session.handle(CodeRead(text))
    session.handle(CameraStatus("lost"))  # the cable is pulled while the student reads
    session.handle(Confirm())
    view = session.view()
    assert view.state is State.ERROR and view.problem.key == "error.camera_lost"
    session.handle(CameraStatus("running"))
    assert session.state is State.GUIDING and session.view().student.code == code


def test_retry_or_cancel_while_the_camera_is_still_down_keeps_saying_so(session):
    to_guiding(session)
    session.handle(CameraStatus("lost"))
    session.handle(CameraStatus("reconnecting"))
    session.handle(Retry())
    assert session.view().problem.key == "error.camera_lost"
    session.handle(Cancel())
    view = session.view()
    assert view.state is State.ERROR and view.problem.key == "error.camera_lost"
    assert view.student is None  # cancelled: the student is forgotten all the same
    session.handle(CameraStatus("running"))
    assert session.state is State.WAITING


def _accept_onto_a_refusing_disk(session, fake_clock, judged, images, settings) -> str:
    """Take a passing photo and accept it while the disk refuses the images (a full disk, say)."""
    code = to_guiding(session)
    frames(session, fake_clock, *judged["pass"], seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
    shutil.rmtree(images)
    images.write_text("not a folder")
    accept(session)
    return code


def _retry_once_the_disk_is_back(session, images, store_factory, code) -> None:
    images.unlink()
    images.mkdir()
    session.handle(Retry())
    assert session.state is State.SAVED
    with store_factory() as store:
        assert store.accepted(code) is not None


def test_a_failed_save_keeps_the_photo_and_retry_saves_it(session, fake_clock, judged, data_dir, settings,
                                                           store_factory):
    code = _accept_onto_a_refusing_disk(session, fake_clock, judged, data_dir / "images", settings)
    view = session.view()
    assert view.state is State.ERROR and view.problem.key == "error.save_failed"
    # The store's words name the folder: for the staff, not inside the student's sentence.
    assert str(data_dir) in view.problem.detail and not view.problem.params
    _retry_once_the_disk_is_back(session, data_dir / "images", store_factory, code)


def test_a_full_disk_is_told_in_the_screens_words_and_retry_saves_once_there_is_space(session, fake_clock, judged,
                                                                                     settings, store_factory):
    """A full disk is the save failure a centre meets: said in the student's language with the
    folder to clear (a trial read the store's English under a Chinese sentence), photo kept."""
    code = to_guiding(session)
    frames(session, fake_clock, *judged["pass"], seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
    db = session.desk.store.db
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "database or disk is full"
    accept(session)
    view = session.view()
    assert view.state is State.ERROR and view.problem.key == "error.disk_full"
    assert view.problem.params == {"folder": str(session.desk.store.data_dir)} and not view.problem.detail
    assert str(session.desk.store.data_dir) in text(view.problem.key, "zh", **view.problem.params)
    db.execute(f"PRAGMA max_page_count = {pages * 100}")  # space freed
    session.handle(Retry())
    assert session.state is State.SAVED
    with store_factory() as store:
        assert store.accepted(code) is not None


def test_a_photo_that_failed_to_save_outlasts_the_inactivity_timer(session, fake_clock, judged, data_dir,
                                                                    settings, store_factory):
    code = _accept_onto_a_refusing_disk(session, fake_clock, judged, data_dir / "images", settings)
    fake_clock.advance(settings.kiosk.inactivity_s * 3)  # the photographer is fetching help
    session.handle(Tick())
    view = session.view()
    assert view.state is State.ERROR and view.problem.key == "error.save_failed"
    _retry_once_the_disk_is_back(session, data_dir / "images", store_factory, code)


def test_a_face_too_close_is_told_one_move_not_two(session, fake_clock, settings, models):
    """Too close, the shoulders are cut too: "move a little further" says it all; a fourth
    trial read it beside "both shoulders must be in the picture: ... move back a little"."""
    from kiosk.checks import Analyser

    image = load_photo("london_synthetic__crop_top_044.jpg")
    with Analyser(settings, mode="image") as analyser:
        report = analyser.analyse(image)
    assert {r.id for r in report.failures} >= {"framing", "shoulders"}
    to_guiding(session)
    frames(session, fake_clock, image, report, seconds=settings.kiosk.instruction_delay_s + 0.5)
    assert [r.id for r in session.view().instructions] == ["framing"]
    assert "shoulders" in {r.id for r in session.view().results if r.verdict is Verdict.FAIL}  # its chip stays red


def test_the_very_same_frame_is_not_stored_for_a_second_student(session, fake_clock, judged, settings,
                                                                 store_factory, caplog):
    """A camera that froze (or a file camera) gives one student's frame again for the next:
    the second is told to retake, and nothing is stored under their code."""
    photographed = []
    for _ in range(2):
        photographed.append(to_guiding(session))
        frames(session, fake_clock, *judged["pass"],
               seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
        accept(session)
    view = session.view()
    assert view.state is State.ERROR and view.problem.key == "error.same_picture"
    assert view.problem.retry_key == "review.retake"
    assert not view.problem.params and not view.problem.detail  # no other student's code on the screen
    assert photographed[0] in caplog.text  # the staff find it in the log
    with store_factory() as store:
        assert store.accepted(photographed[0]) is not None and store.accepted(photographed[1]) is None
    session.handle(Retry())
    assert session.state is State.GUIDING  # a new photo is what mends it


def test_the_pin_locks_after_too_many_wrong_tries(fake_clock):
    lock = OperatorLock({"HK-01 photographer": hash_pin("2468", iterations=1000)}, attempts=3, lockout_s=60,
                        clock=fake_clock)
    assert lock.try_pin("1111") == (None, "operator.pin_wrong", {"left": 2})
    assert lock.try_pin("2222")[0] is None
    assert lock.try_pin("3333") == (None, "operator.pin_locked", {"seconds": 60})
    assert lock.try_pin("2468")[0] is None  # even the right PIN waits out the lock
    fake_clock.advance(61)
    assert lock.try_pin("2468") == ("HK-01 photographer", None, {})


def test_each_photographer_is_known_by_their_own_pin(fake_clock):
    """The audit names who overrode, replaced or voided: the PIN says who unlocked."""
    lock = OperatorLock({"wang": hash_pin("2468", iterations=1000), "li": hash_pin("1357", iterations=1000),
                         "zhao": hash_pin("1357", iterations=1000)}, attempts=3, lockout_s=60, clock=fake_clock)
    assert lock.try_pin("2468") == ("wang", None, {})
    # Two photographers chose one PIN: refused, with what to do, rather than a guess in the audit.
    assert lock.try_pin("1357") == (None, "operator.pin_shared", {})
    assert lock.try_pin("9999") == (None, "operator.pin_wrong", {"left": 2})


@pytest.mark.parametrize("pin_hash", [
    "pbkdf2_sha256$1000$not-hex$00",  # salt that is not hex
    "pbkdf2_sha256$many$abcd$00",  # iterations that are not a number
    "pbkdf2_sha256$0$abcd$00",  # iterations pbkdf2 refuses
    "pbkdf2_sha256$1000$abcd$é",  # a digest with a character compare_digest refuses
])
def test_a_malformed_pin_hash_is_a_wrong_pin_not_a_crash(fake_clock, pin_hash):
    lock = OperatorLock({"op": pin_hash}, attempts=3, lockout_s=60, clock=fake_clock)
    assert lock.try_pin("2468") == (None, "operator.pin_wrong", {"left": 2})


def test_the_photographer_mode_ends_by_itself(session, fake_clock, settings):
    session.handle(OperatorOn("op"))
    fake_clock.advance(settings.operator.timeout_s + 1)
    session.handle(Tick())
    assert session.view().operator is None


# -- photographer mode is the session's, on every screen (issue 10) --------------------


class PdfPrinter:
    """A printer that is a PDF file, written by `kiosk print`'s writer: stands in for the
    hardware (the Qt printing is tests/test_ui_print.py's)."""

    NAME = "Photo_Printer"

    def __init__(self, path: Path) -> None:
        self.path = path

    def names(self) -> tuple[str, ...]:
        return (self.NAME,)

    def send(self, job, name: str) -> str:
        self.path.write_bytes(print_sheet_pdf(job))
        return str(self.path)


@pytest.fixture
def printed_pdf(tmp_path) -> Path:
    return tmp_path / "printed.pdf"


@pytest.fixture
def records_session(settings, fake_clock, store_factory, printed_pdf):
    """A session whose desk also keeps today's records (the list, voids, prints, the summary)."""
    from kiosk.app import kiosk_desk

    desk = kiosk_desk(settings, store_factory, PdfPrinter(printed_pdf))
    yield Session(settings, fake_clock, desk)
    desk.close()


def photographer_actions(code: str, check: str) -> list:
    """Everything only a photographer may do, each aimed at something that exists."""
    return [Shutter(), TakeReference(), Override(check, "medical"), Void(),
            Replace("the student blinked"), Ask("today"), Ask("close"), Ask("override", check), Ask("replace"),
            Ask("void", code), VoidStored(code, "taken twice"), Ask("print", code),
            Print(code, 1, "6inch", PdfPrinter.NAME), CloseStation()]


def _screen(session, clock, judged, settings, screen: str, saved: str) -> None:
    """Bring a student-mode session to `screen`; `saved` is a code with a photo today."""
    if screen == "waiting":
        return
    if screen == "error: code taken":
        session.handle(CodeRead(demo_code(saved)[1]))
        return
    if screen == "error: camera lost":
        session.handle(CameraStatus("lost"))
        return
    to_guiding(session)
    if screen == "confirming":
        session.handle(Cancel())
        session.handle(CodeRead(demo_code()[1]))
    elif screen == "guiding":
        frames(session, clock, *judged["fail"], seconds=1)
    elif screen == "holding":
        frames(session, clock, *judged["pass"], seconds=settings.capture.steady_s / 2)
    elif screen in ("reviewing", "saved"):
        image, report = judged["pass"]
        # Another moment's frame: a camera never gives the same bytes twice (the station refuses them).
        frames(session, clock, cv2.add(image, 1), report,
               seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
        if screen == "saved":
            accept(session)


SCREENS = ["waiting", "confirming", "guiding", "holding", "reviewing", "saved", "error: code taken",
           "error: camera lost"]


@pytest.mark.parametrize("screen", SCREENS)
def test_every_photographer_action_is_refused_in_student_mode(records_session, fake_clock, judged, settings,
                                                              store_factory, printed_pdf, screen):
    session = records_session
    code = to_guiding(session)  # one photo saved today, the code the actions aim at
    frames(session, fake_clock, *judged["pass"], seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
    accept(session)
    session.handle(Confirm())
    _screen(session, fake_clock, judged, settings, screen, code)
    state = session.state
    assert state.value == screen.split(":")[0]
    before = session.view()
    check = judged["fail"][1].failures[0].id
    for action in photographer_actions(code, check):
        assert session.handle(action) is False, f"{type(action).__name__} accepted on {screen}"
    assert session.view() == before  # nothing changed, no dialog opened
    assert not session.view().closed
    with store_factory() as store:
        assert [c.status for c in store.history(code)] == ["accepted"]  # not voided, not replaced
        assert store.printed(store.accepted(code)) == 0 and not printed_pdf.exists()


def test_leaving_photographer_mode_on_the_code_taken_screen_takes_the_replace_with_it(records_session, fake_clock,
                                                                                     judged, settings,
                                                                                     store_factory):
    session = records_session
    code = to_guiding(session)
    frames(session, fake_clock, *judged["pass"], seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
    accept(session)
    session.handle(Confirm())
    session.handle(OperatorOn("op"))
    session.handle(CodeRead(demo_code(code)[1]))
    assert session.handle(Ask("replace"))
    assert session.view().dialog.kind == "replace"
    session.handle(OperatorOff())
    view = session.view()
    assert view.state is State.ERROR and view.dialog is None  # the reason dialog went with the mode
    assert session.handle(Replace("the student blinked")) is False
    session.handle(Retry())  # what Enter does for the student now
    assert session.state is State.WAITING and session.view().student is None
    with store_factory() as store:
        assert [c.status for c in store.history(code)] == ["accepted"]


def test_a_code_problem_returns_to_waiting_soon_unless_the_photographer_is_there(session, fake_clock, settings):
    session.handle(CodeRead("https://example.com/poster"))
    fake_clock.advance(settings.kiosk.saved_screen_s - 1)
    session.handle(Tick())
    assert session.state is State.ERROR
    fake_clock.advance(1.1)
    session.handle(Tick())
    assert session.state is State.WAITING  # long before the inactivity time
    assert settings.kiosk.saved_screen_s < settings.kiosk.inactivity_s
    session.handle(OperatorOn("op"))
    session.handle(CodeRead("https://example.com/poster"))
    fake_clock.advance(settings.kiosk.saved_screen_s * 2)
    session.handle(Tick())
    assert session.state is State.ERROR  # the photographer reads it at their pace


def test_a_poster_always_in_view_is_refused_once_not_each_time_the_screen_returns(session, fake_clock, settings):
    """A QR poster on the wall behind the student: the camera reads it in every frame. Its
    error is said once; the waiting screen then stays, and a student's code is read. Taken
    away and shown again, or scanned by hand, it is answered again."""
    poster = "https://example.com/poster"

    def camera_sees(text, seconds):
        for _ in range(round(seconds / 0.1)):
            fake_clock.advance(0.1)
            session.handle(CodeRead(text, camera=True))
            session.handle(Tick())

    camera_sees(poster, 0.5)
    assert session.state is State.ERROR and session.view().problem.key == "error.code_format"
    camera_sees(poster, settings.kiosk.saved_screen_s * 3)
    assert session.state is State.WAITING and session.view().problem is None
    code, text = demo_code()
    session.handle(CodeRead(text, camera=True))  # a student's code beside the poster
    assert session.state is State.CONFIRMING and session.view().student.code == code
    fake_clock.advance(REFUSED_GONE_S * 2)  # codes are not read while the student confirms
    session.handle(Cancel())  # Esc: back to waiting, the poster still in view
    camera_sees(poster, 1.0)
    assert session.state is State.WAITING
    session.handle(CodeRead(poster))  # the handheld scanner: always an answer
    assert session.state is State.ERROR
    session.handle(Cancel())
    fake_clock.advance(REFUSED_GONE_S + 0.1)  # out of the picture a while, then held up again
    camera_sees(poster, 0.1)
    assert session.state is State.ERROR


def test_photographer_mode_shows_its_time_left_and_any_touch_renews_it(session, fake_clock, settings):
    session.handle(OperatorOn("op"))
    assert session.view().operator_left == settings.operator.timeout_s
    fake_clock.advance(100.4)
    session.handle(Tick())
    assert session.view().operator_left == settings.operator.timeout_s - 100
    session.handle(SetLanguage("en"))  # a touch
    assert session.view().operator_left == settings.operator.timeout_s
    fake_clock.advance(settings.operator.timeout_s + 1)
    session.handle(Tick())
    assert session.view().operator is None and session.view().operator_left is None


def test_a_code_always_in_the_cameras_view_does_not_keep_photographer_mode_on(session, fake_clock, settings):
    """Photographer mode ends when nobody touches the station, though the camera keeps
    reading a code in view (a poster behind the student); the handheld scanner, in the
    photographer's hand, renews it."""
    session.handle(OperatorOn("op"))
    for _ in range(round((settings.operator.timeout_s + 2) / 0.5)):
        fake_clock.advance(0.5)
        session.handle(CodeRead("https://example.com/poster", camera=True))
        session.handle(Tick())
    assert session.view().operator is None
    session.handle(OperatorOn("op"))
    fake_clock.advance(settings.operator.timeout_s - 1)
    session.handle(CodeRead("https://example.com/poster"))
    fake_clock.advance(2)
    session.handle(Tick())
    assert session.view().operator == "op"


def test_dialogs_come_one_at_a_time_and_go_with_the_mode(records_session, fake_clock, judged):
    session = records_session
    session.handle(OperatorOn("op"))
    session.handle(Ask("today"))
    assert session.view().dialog.kind == "today"
    session.handle(Ask("close"))
    assert session.view().dialog.kind == "close"  # in place of the list, never on top of it
    session.handle(Dismiss())
    assert session.view().dialog is None
    to_guiding(session)
    session.handle(Ask("override", judged["fail"][1].failures[0].id))
    assert session.view().dialog is None  # nothing to override while guiding
    session.handle(Ask("today"))
    fake_clock.advance(1)
    session.handle(OperatorOff())
    assert session.view().dialog is None


def test_the_days_summary_counts_overrides_among_the_photos_kept(records_session, store_factory):
    """A third trial's close screen read "saved 0 (with overrides: 1)": the voided photo's."""
    from test_store import RESULTS, make_jpeg

    from kiosk.store.store import Override as StoredOverride

    with store_factory() as store:
        store.import_roster([RosterEntry(c, f"2023{c[1:]}", "欧阳娜娜", "") for c in ("C0001", "C0002")], "wang", "r")
        for seed, code in enumerate(("C0001", "C0002")):
            store.save_capture(code, make_jpeg(seed, (640, 360)), make_jpeg(seed + 10), RESULTS, operator="wang",
                               overrides=[StoredOverride("ears_visible", "hearing aid", "li")])
        store.void("C0001", "li", "wrong student")
    summary = records_session.desk.summary()
    assert (summary.accepted, summary.voided, summary.overridden) == (1, 1, 1)


def test_voiding_an_exported_photo_from_todays_list_tells_the_centre_and_says_so(records_session, fake_clock, judged,
                                                                                 settings, store_factory, tmp_path):
    """A trial voided an exported photo in the kiosk and read only 'Voided': `kiosk void` says
    it was exported and tells the centre at once; the kiosk now does the same."""
    import json

    from kiosk.store.export import export

    session = records_session
    code = to_guiding(session)
    frames(session, fake_clock, *judged["pass"], seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
    accept(session)
    session.handle(Confirm())
    share = tmp_path / "share"
    share.mkdir()
    with store_factory() as store:
        batch = export(store, share, settings.export.file_pattern, "nightly").batch
    session.handle(OperatorOn("op"))
    session.handle(Ask("today"))
    session.handle(VoidStored(code, "wrong person on the photo"))
    dialog = session.view().dialog
    assert (dialog.message, dialog.params) == ("operator.void_done_told", {"code": code, "batch": batch.name})
    [withdrawn] = share.glob("withdrawn-*.json")
    assert [row["code"] for row in json.loads(withdrawn.read_text())["withdrawn"]] == [code]


def test_the_photographer_voids_from_todays_list_and_closes_after_the_summary(records_session, fake_clock, judged,
                                                                             settings, store_factory):
    session = records_session
    codes = []
    image, report = judged["pass"]
    for moment in range(2):  # two students, two frames
        codes.append(to_guiding(session))
        frames(session, fake_clock, cv2.add(image, moment), report,
               seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
        accept(session)
        session.handle(Confirm())
    session.handle(OperatorOn("op"))
    session.handle(Ask("today"))
    rows = session.view().dialog.rows
    assert [row.code for row in rows] == codes[::-1]  # newest first
    # Codes off the roster: the names their capture codes carried, as the confirm screen showed.
    assert all(row.status == "accepted" and row.overrides == () and row.name_masked == "张*三" for row in rows)
    session.handle(Ask("void", codes[0]))
    assert (session.view().dialog.kind, session.view().dialog.subject) == ("void", codes[0])
    session.handle(VoidStored(codes[0], "  "))  # no reason, no void
    assert session.view().dialog.kind == "void"
    session.handle(VoidStored(codes[0], "taken twice"))
    dialog = session.view().dialog
    assert (dialog.kind, dialog.message, dialog.params) == ("today", "operator.void_done", {"code": codes[0]})
    assert {row.code: (row.status, row.end_reason) for row in dialog.rows} == {
        codes[0]: ("voided", "taken twice"), codes[1]: ("accepted", None)}
    session.handle(VoidStored(codes[0], "again"))  # voided already: said in the list
    assert session.view().dialog.message == "operator.void_failed"
    session.handle(CloseStation())
    assert not session.view().closed  # only from the summary
    session.handle(Ask("close"))
    summary = session.view().dialog.summary
    assert (summary.accepted, summary.voided, summary.waiting_export, summary.overridden) == (1, 1, 1, 0)
    session.handle(CloseStation())
    assert session.view().closed
    with store_factory() as store:
        assert store.accepted(codes[0]) is None and store.accepted(codes[1]) is not None


def test_photographer_mode_ends_with_the_student_it_was_for(session, fake_clock, judged, settings):
    """A fourth trial's override left the photographer's controls (today's list, close
    station, manual shutter) on the waiting screen of the next student for 9 minutes."""
    to_guiding(session)
    session.handle(OperatorOn("op"))
    frames(session, fake_clock, *judged["pass"], seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
    accept(session)
    assert session.state is State.SAVED and session.view().operator == "op"  # the receipt, in the mode
    fake_clock.advance(settings.kiosk.saved_screen_s + 1)
    session.handle(Tick())
    assert session.state is State.WAITING and session.view().operator is None
    session.handle(OperatorOn("op"))  # the photographer starts the next one in the mode
    session.handle(CodeRead(demo_code()[1]))
    assert session.state is State.CONFIRMING and session.view().operator == "op"


def test_a_photographer_reading_todays_list_keeps_the_mode_and_the_language_past_the_saved_screen(
        session, fake_clock, judged, settings):
    """A trial's list, open in English with a row picked, turned Chinese when the saved screen
    gave way to the next student."""
    to_guiding(session)
    session.handle(OperatorOn("op"))
    frames(session, fake_clock, *judged["pass"], seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
    accept(session)
    session.handle(SetLanguage("en" if settings.station.language == "zh" else "zh"))
    chosen = session.view().language
    session.handle(Ask("today"))
    fake_clock.advance(settings.kiosk.saved_screen_s + 1)
    session.handle(Tick())
    view = session.view()
    assert view.state is State.WAITING and view.dialog.kind == "today"
    assert view.operator == "op" and view.language == chosen


def test_the_photographer_prints_a_stored_photo_counted_and_audited(records_session, fake_clock, judged, settings,
                                                                     store_factory, printed_pdf):
    from test_print import read_sheet

    session = records_session
    code = to_guiding(session)
    frames(session, fake_clock, *judged["pass"], seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
    accept(session)
    session.handle(OperatorOn("HK-01 photographer"))
    assert session.handle(Ask("print", "C0000")) and session.view().dialog is None  # only the receipt's code
    session.handle(Ask("print", code))
    dialog = session.view().dialog
    assert (dialog.kind, dialog.subject, dialog.message) == ("print", code, None)
    assert dialog.offer.printed == 0 and dialog.offer.printers == (PdfPrinter.NAME,)
    assert dialog.offer.per_sheet == {"5inch": 4, "6inch": 4, "a4": 25}
    fake_clock.advance(settings.kiosk.saved_screen_s + 1)
    session.handle(Tick())
    assert session.state is State.WAITING and session.view().dialog == dialog  # the receipt went, the print stays
    said = []
    session.subscribe(lambda view: said.append(view.dialog and view.dialog.message))
    session.handle(Print(code, 2, "5inch", PdfPrinter.NAME))
    assert said == ["print.sending", "print.done"]  # the screen says so while the sheet goes out
    dialog = session.view().dialog
    assert dialog.params == {"copies": 2, "printer": PdfPrinter.NAME} and dialog.offer.printed == 2
    [page] = read_sheet(printed_pdf)
    assert page["size"] == pytest.approx((89, 127), abs=0.01) and len(page["images"]) == 2
    session.handle(Print(code, 0, "5inch", PdfPrinter.NAME))  # what prepare refuses is said, nothing recorded
    dialog = session.view().dialog
    assert dialog.message == "print.failed" and "print 1 to 50 at a time" in dialog.params["why"]
    assert dialog.offer.printed == 2
    session.handle(Dismiss())
    assert session.view().dialog is None
    # From today's list, and back to it.
    session.handle(Ask("today"))
    session.handle(Ask("print", code))
    session.handle(Print(code, 25, "a4", PdfPrinter.NAME))
    assert session.view().dialog.offer.printed == 27
    session.handle(Dismiss())
    assert session.view().dialog.kind == "today" and session.view().dialog.message is None
    with store_factory() as store:
        assert store.printed(store.accepted(code)) == 27
        prints = [a for a in store.audit_log(code) if a["action"] == "print"]
        assert [a["operator"] for a in prints] == ["HK-01 photographer"] * 2
        assert '"copies": 25' in prints[1]["detail"] and '"paper": "a4"' in prints[1]["detail"]
        assert str(printed_pdf) in prints[1]["detail"]


# -- what the student is told ------------------------------------------------------------


def test_no_face_is_said_once_and_only_after_a_moment(session, fake_clock, judged):
    from kiosk.session import NO_FACE_S

    to_guiding(session)
    frames(session, fake_clock, *judged["fail"], seconds=1)
    told = [r.id for r in session.view().instructions]
    assert told
    frames(session, fake_clock, *judged["empty"], seconds=NO_FACE_S - 0.3)  # the tracker lost the face a moment
    view = session.view()
    assert not view.no_face and [r.id for r in view.instructions] == told  # nothing blinks
    frames(session, fake_clock, *judged["empty"], seconds=0.5)
    view = session.view()
    assert view.no_face and view.instructions == ()  # one thing to say, not every face check's "no face"
    fake_clock.advance(0.1)
    session.handle(Analysed(*judged["pass"]))
    assert not session.view().no_face  # the face is back: at once


def test_two_lines_never_say_the_same_and_a_check_not_judged_yet_says_nothing(session, fake_clock, judged):
    from dataclasses import replace as changed

    from kiosk.checks.result import Report, Verdict

    to_guiding(session)
    image, report = judged["fail"]
    first, second = sorted(report.failures, key=lambda r: r.priority)[:2]
    # The second failing check words its instruction exactly as the first.
    twin = changed(second, message_zh=first.message_zh, message_en=first.message_en)
    # A picture check the live parsing has not judged yet: blocking, nothing to say.
    pending = changed(judged["pass"][1].results[-1], verdict=Verdict.UNKNOWN, message_zh="", message_en="")
    results = tuple(twin if r.id == second.id else r for r in report.results) + (pending,)
    frames(session, fake_clock, image, Report(results, report.crop_box), seconds=1)
    shown = session.view().instructions
    assert [r.id for r in shown] == [first.id]
    passing = tuple(pending if r.id == pending.id else r for r in judged["pass"][1].results)
    frames(session, fake_clock, image, Report(passing, report.crop_box), seconds=1)
    view = session.view()
    assert view.instructions == () and view.state is State.GUIDING  # nothing to say, and no photo yet


def test_an_empty_pin_is_no_try_and_the_last_try_is_said_so(fake_clock):
    lock = OperatorLock({"op": hash_pin("2468", iterations=1000)}, attempts=2, lockout_s=60, clock=fake_clock)
    assert lock.try_pin("") == (None, "operator.pin_prompt", {})
    assert lock.try_pin("1111") == (None, "operator.pin_last_try", {"left": 1})
    assert lock.try_pin("") == (None, "operator.pin_prompt", {})  # no lock from an Enter on nothing
    assert lock.try_pin("2468") == ("op", None, {})


def test_nobody_in_the_picture_ends_the_hold_at_once_and_nothing_is_taken(session, fake_clock, judged, settings):
    to_guiding(session)
    frames(session, fake_clock, *judged["pass"], seconds=0.5)
    assert session.view().state is State.HOLDING and session.view().hold > 0
    fake_clock.advance(0.05)  # well inside the blink's grace time
    session.handle(Analysed(*judged["empty"]))  # the student stepped out of the picture
    view = session.view()
    assert view.state is State.GUIDING and view.hold == 0.0  # no "hold still", no ring
    frames(session, fake_clock, *judged["empty"], seconds=settings.capture.steady_s + settings.capture.countdown_s + 1)
    assert session.view().state is State.GUIDING and session.view().capture is None


def test_a_failing_frame_at_the_clocks_zero_still_ends_the_hold_after_the_grace(session, fake_clock, judged,
                                                                                 settings):
    assert fake_clock.now() == 0.0
    to_guiding(session)
    session.handle(Analysed(*judged["pass"]))
    session.handle(Analysed(*judged["fail"]))  # the grace time starts at 0.0, a time like any other
    assert session.state is State.HOLDING
    frames(session, fake_clock, *judged["fail"], seconds=settings.kiosk.hold_grace_s + 0.2)
    assert session.state is State.GUIDING


def test_todays_list_names_the_overridden_rules(records_session, fake_clock, judged, settings):
    session = records_session
    session.handle(OperatorOn("op"))
    to_guiding(session)
    frames(session, fake_clock, *judged["fail"], seconds=0.5)
    session.handle(Shutter())
    for result in session.view().capture.blocking:
        session.handle(Override(result.id, "medical"))
    for item in APPEARANCE:
        session.handle(ConfirmAppearance(item, True))
    rules = tuple(dict.fromkeys(r.rule for r in session.view().capture.blocking))
    accept(session)
    assert session.state is State.SAVED
    session.handle(Ask("today"))
    assert session.view().dialog.rows[0].overrides == rules and rules


def test_voiding_the_photo_of_the_code_on_the_taken_screen_goes_on_with_that_student(records_session, fake_clock,
                                                                                     judged, settings):
    session = records_session
    code = to_guiding(session)
    frames(session, fake_clock, *judged["pass"], seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
    accept(session)
    session.handle(Confirm())
    session.handle(CodeRead(demo_code(code)[1]))  # the same code again: it has a photo
    assert session.view().problem.key == "error.code_taken"
    session.handle(OperatorOn("op"))
    session.handle(Ask("today"))
    session.handle(Ask("void", code))
    session.handle(VoidStored(code, "wrong person on the photo"))
    view = session.view()
    assert view.state is State.CONFIRMING and view.student.code == code and view.problem is None
    assert view.dialog.kind == "today" and view.dialog.message == "operator.void_done"
