"""The identity pre-check at the station: the student is asked first, the new photo is
compared with the reference on review, and the verdict is stored with the photo."""

from __future__ import annotations

import pytest
from test_session import FAILING, PHOTOS, accept, demo_code, frames, judged  # noqa: F401  (judged is a fixture)

from kiosk.clock import FakeClock
from kiosk.config import load_settings
from kiosk.session import CodeRead, Confirm, Consent, OperatorOn, Session, State, TakeReference
from kiosk.station import StationDesk
from kiosk.store import RosterEntry, Store
from tests.helpers import config_variant

OTHER_PERSON = "london__neutral_141.jpg"


@pytest.fixture
def station(tmp_path, data_dir):
    """A session on the real desk with [identity] enabled, its store in the test's data folder."""
    settings = load_settings(config_variant(tmp_path, "enabled = false", "enabled = true"))
    clock = FakeClock()
    desk = StationDesk(settings, lambda: Store.from_settings(settings, clock))
    yield settings, clock, desk, Session(settings, clock, desk)
    desk.close()


def photographed(station, judged, reference: str | None, agree: bool = True) -> tuple[str, Session]:  # noqa: F811
    """A student with `reference` (a tests/photos file) as their reference photo, through the
    consent question and a capture of the compliant photo, to the review screen."""
    settings, clock, desk, session = station
    code, text = demo_code()
    desk.store.import_roster([RosterEntry(code, "2023001", "张三丰")], "wang", "roster.csv")
    if reference:
        desk.store.set_reference(code, (PHOTOS / reference).read_bytes(), "folder", "wang")
    session.handle(CodeRead(text))
    session.handle(Confirm())
    if reference:
        assert session.view().asking_consent and session.state is State.CONFIRMING
        session.handle(Confirm())  # Enter is no answer: only the two buttons go on
        assert session.view().asking_consent
        session.handle(Consent(agree))
    assert session.state is State.GUIDING and not session.view().asking_consent
    frames(session, clock, *judged["pass"], seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
    assert session.state is State.REVIEWING
    return code, session


def test_the_same_person_is_likely_on_review_and_in_the_store(station, judged):  # noqa: F811
    code, session = photographed(station, judged, FAILING)  # the same person, head tilted
    identity = session.view().capture.identity
    assert identity.verdict == "likely" and identity.score >= station[0].identity.likely_min
    accept(session)
    assert session.state is State.SAVED
    stored = station[2].store.accepted(code)
    assert stored.identity.verdict == "likely" and stored.identity.score == pytest.approx(identity.score, abs=1e-3)


def test_another_persons_reference_is_unlikely(station, judged):  # noqa: F811
    _, session = photographed(station, judged, OTHER_PERSON)
    assert session.view().capture.identity.verdict == "unlikely"


def test_a_student_who_declines_is_not_compared_and_the_answer_is_kept(station, judged):  # noqa: F811
    code, session = photographed(station, judged, FAILING, agree=False)
    assert session.view().capture.identity is None
    accept(session)
    store = station[2].store
    assert store.accepted(code).identity is None
    [answer] = [a for a in store.audit_log(code) if a["action"] == "identity_consent"]
    assert '"agreed": false' in answer["detail"]


def test_without_a_reference_nobody_is_asked(station, judged):  # noqa: F811
    _, session = photographed(station, judged, None)
    assert session.view().capture.identity is None


def test_the_photographer_takes_the_reference_from_the_camera_and_the_student_is_asked(station, judged):  # noqa: F811
    settings, clock, desk, session = station
    code, text = demo_code()
    desk.store.import_roster([RosterEntry(code, "2023001", "张三丰")], "wang", "roster.csv")
    session.handle(CodeRead(text))
    session.handle(Confirm())  # no reference yet: nobody is asked
    assert session.state is State.GUIDING
    frames(session, clock, *judged["fail"], seconds=0.3)  # the student (head tilted) is in view
    assert not session.handle(TakeReference())  # a student cannot
    session.handle(OperatorOn("HK-01 photographer"))
    session.handle(TakeReference())
    assert desk.store.reference(code).source == "camera"
    assert session.state is State.CONFIRMING and session.view().asking_consent
    session.handle(Consent(True))
    frames(session, clock, *judged["pass"], seconds=settings.capture.steady_s + settings.capture.countdown_s + 0.5)
    assert session.state is State.REVIEWING and session.view().capture.identity.verdict == "likely"


def test_a_camera_reference_without_a_face_says_why_and_keeps_nothing(station, judged):  # noqa: F811
    settings, clock, desk, session = station
    code, text = demo_code()
    desk.store.import_roster([RosterEntry(code, "2023001", "张三丰")], "wang", "roster.csv")
    session.handle(CodeRead(text))
    session.handle(Confirm())
    session.handle(OperatorOn("HK-01 photographer"))
    frames(session, clock, *judged["empty"], seconds=0.3)
    session.handle(TakeReference())
    view = session.view()
    assert view.state is State.ERROR and view.problem.key == "error.reference_failed"
    assert "face" in view.problem.params["why"]
    assert desk.store.reference(code) is None
