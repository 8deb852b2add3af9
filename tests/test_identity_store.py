"""Reference photos and the identity pre-check's score in the store: the college's folder of
reference photos imported with the roster (every file not stored named), the score of a
capture saved through the kiosk's desk and in the export's manifest, a reference taken from
the camera, references never leaving the station and purged with the roster. Real SFace and
MediaPipe models, real SQLite, real photos of tests/photos."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers import config_variant, kiosk

from kiosk.config import load_settings
from kiosk.identity import IdentityError
from kiosk.session import Capture, Student
from kiosk.station import StationDesk
from kiosk.store import RosterEntry, Store
from kiosk.store.export import MANIFEST, export

# Person 120 twice (a neutral studio shot; smiling on a blue backdrop, another photo of the same
# session, as tests/test_identity.py pairs them) and person 141, someone else.
REFERENCE_120 = "london__neutral_120.jpg"
PHOTO_120 = "london_synthetic__blue_smiling_120.jpg"
OTHER_PERSON = "london__neutral_141.jpg"
ROSTER_CSV = (
    "采集码,学号,姓名\n"
    "HK3000,2023001,张三丰\n"
    "HK3001,2023002,欧阳娜娜\n"
    "HK3002,2023003,李四\n"
    "HK3003,2023004,王五\n"
    "HK3004,2023005,赵六\n"
    "HK3005,2023006,孙七\n"
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def enabled_config(tmp_path: Path) -> Path:
    """The shipped config with the identity pre-check turned on."""
    return config_variant(tmp_path, "enabled = false", "enabled = true")


def backdrop_only(photos: Path) -> bytes:
    """A JPEG of the blue backdrop and nobody: the top corner of a compliant photo."""
    return cv2.imencode(".jpg", cv2.imread(str(photos / "london_synthetic__blue_005.jpg"))[:150, :150])[1].tobytes()


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file())


def roster(store: Store, *codes: str) -> None:
    store.import_roster([RosterEntry(code, f"20239{i:03d}", "张三丰") for i, code in enumerate(codes)],
                        "wang", "roster.csv")


@pytest.fixture
def on(tmp_path, data_dir):
    """Settings with [identity] enabled, the store in the test's data folder."""
    return load_settings(enabled_config(tmp_path))


@pytest.fixture(scope="module")
def reviewed(models, photos):
    """Person 120's new photo as the kiosk has it on the review screen: frame, checks, JPEG."""
    from kiosk.checks import Analyser, render_deliverable

    settings = load_settings()
    image = cv2.imread(str(photos / PHOTO_120))
    with Analyser(settings, mode="image") as analyser:
        report = analyser.analyse(image)
    return image, report, render_deliverable(image, report, settings.capture)


def capture_of(code: str, reviewed) -> Capture:
    """The reviewed photo as `code`'s own frame: one pixel differs per code (a camera never
    gives two students the same bytes, and the station refuses them)."""
    image, report, jpeg = reviewed
    mark = hashlib.sha256(code.encode()).digest()[:3]
    image = image.copy()
    image[0, 0] = tuple(mark)
    picture = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    picture[0, 0] = tuple(mark)
    jpeg = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
    return Capture(student=Student(code), image=image, report=report, jpeg=jpeg, taken_at=datetime.now(),
                   overrides=(("mouth_closed", "smiles on the enrolment photo too"),), operator="li")


def manifest_rows(batch_folder: Path) -> dict[str, dict[str, str]]:
    text = (batch_folder / MANIFEST).read_bytes().decode("utf-8-sig")
    return {row["code"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}


def test_a_reference_folder_is_matched_by_code_or_student_number_and_every_file_left_out_is_named(
        tmp_path, data_dir, photos):
    (tmp_path / "roster.csv").write_text(ROSTER_CSV, encoding="utf-8")
    folder = tmp_path / "enrolment photos"
    folder.mkdir()
    by_code = cv2.imencode(".png", cv2.imread(str(photos / REFERENCE_120)))[1].tobytes()
    (folder / "hk3000.png").write_bytes(by_code)  # the capture code, in another letter case
    by_number = (photos / OTHER_PERSON).read_bytes()
    (folder / "2023002.jpg").write_bytes(by_number)  # HK3001's student number
    (folder / "2023003.jpg").write_bytes(backdrop_only(photos))  # HK3002, nobody in it
    (folder / "2099999.jpg").write_bytes(by_number)  # nobody on the roster
    (folder / "2023004.jpg").write_bytes(by_number[:300])  # HK3003: cut short, cannot be decoded
    (folder / "HK3004.jpg").write_bytes(by_number)  # HK3004 twice: by code ...
    (folder / "2023005.jpg").write_bytes(by_code)  # ... and by student number
    (folder / "2023006.bmp").write_bytes(cv2.imencode(".bmp", cv2.imread(str(photos / OTHER_PERSON)))[1].tobytes())
    (folder / "名单说明.txt").write_text("照片按学号命名", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")  # a Mac's folder file: passed over

    done = kiosk("--config", str(enabled_config(tmp_path)), "roster", "import", str(tmp_path / "roster.csv"),
                 "--references", str(folder))

    assert done.returncode == 1, done.stderr
    assert "imported 6 students" in done.stdout
    assert f"stored 3 reference photos from {folder}; 6 files not stored, named above" in done.stdout
    not_stored = [line for line in done.stderr.splitlines() if line.startswith("not stored: ")]
    assert len(not_stored) == 6, done.stderr
    assert "not stored: 2099999.jpg: no student on the roster has the capture code or student number" in done.stderr
    assert "not stored: 2023004.jpg: damaged, it cannot be decoded as an image" in done.stderr
    for name in ("2023005.jpg", "HK3004.jpg"):
        assert (f"not stored: {name}: 2 files are for HK3004 (2023005.jpg, HK3004.jpg): none of them was stored; "
                "keep the right one") in done.stderr
    assert "not stored: 2023006.bmp: not a JPEG or PNG image: save it as JPEG" in done.stderr
    assert "not stored: 名单说明.txt: no student on the roster has the capture code" in done.stderr
    assert "warning: 2023003.jpg: no face found: stored, but the station cannot compare with it" in done.stderr
    assert ".DS_Store" not in done.stderr
    with Store.from_settings(load_settings()) as store:
        stored = {code: store.reference(code) for code in ("HK3000", "HK3001", "HK3002", "HK3003", "HK3004", "HK3005")}
        assert stored["HK3003"] is None and stored["HK3004"] is None and stored["HK3005"] is None
        for code, original in (("HK3000", by_code), ("HK3001", by_number)):
            assert stored[code].source == "folder" and stored[code].sha256 == sha256(original)
            assert stored[code].path.read_bytes() == original  # kept exactly as the college gave it
        assert sorted(a["code"] for a in store.audit_log() if a["action"] == "reference") == ["HK3000", "HK3001",
                                                                                             "HK3002"]
    assert files_in(data_dir / "references") == sorted(r.path for r in stored.values() if r)


def test_with_the_pre_check_off_the_folder_is_stored_without_looking_at_faces(tmp_path, data_dir, photos):
    (tmp_path / "roster.csv").write_text(ROSTER_CSV, encoding="utf-8")
    folder = tmp_path / "refs"
    folder.mkdir()
    (folder / "2023003.jpg").write_bytes(backdrop_only(photos))

    done = kiosk("roster", "import", str(tmp_path / "roster.csv"), "--references", str(folder))

    assert done.returncode == 0, done.stderr
    assert "stored 1 reference photo from" in done.stdout
    assert "note: the identity pre-check is off ([identity] enabled = false)" in done.stderr
    assert "no face" not in done.stderr


def test_a_missing_reference_folder_imports_nothing(tmp_path, data_dir):
    (tmp_path / "roster.csv").write_text(ROSTER_CSV, encoding="utf-8")
    done = kiosk("roster", "import", str(tmp_path / "roster.csv"), "--references", str(tmp_path / "refs"))
    assert done.returncode == 1
    assert "the reference folder" in done.stderr and "does not exist" in done.stderr
    assert "nothing was imported" in done.stderr
    with Store.from_settings(load_settings()) as store:
        assert store.roster_count() == 0


def test_the_score_of_each_capture_is_stored_and_in_the_manifest(tmp_path, on, photos, reviewed, fake_clock):
    desk = StationDesk(on, lambda: Store.from_settings(on, fake_clock))
    try:
        roster(desk.store, "SAME", "OTHER", "NOREF", "NOFACE")
        desk.store.set_reference("SAME", (photos / REFERENCE_120).read_bytes(), "folder", "wang")
        desk.store.set_reference("OTHER", (photos / OTHER_PERSON).read_bytes(), "folder", "wang")
        desk.store.set_reference("NOFACE", backdrop_only(photos), "folder", "wang")
        shown = {}
        for code in ("SAME", "OTHER", "NOREF", "NOFACE"):
            capture = capture_of(code, reviewed)
            shown[code] = desk.identity(code, capture.jpeg)  # what the review screen shows
            desk.save(capture, identity=shown[code])
        assert shown["SAME"].verdict == "likely" and shown["SAME"].score >= on.identity.likely_min
        assert shown["OTHER"].verdict == "unlikely" and shown["OTHER"].score < on.identity.unlikely_below
        assert shown["NOREF"] is None  # no reference: nothing to say, no error
        assert shown["NOFACE"].verdict == "no_face_reference" and shown["NOFACE"].score is None
        for code, result in shown.items():
            assert desk.store.accepted(code).identity == result
        batch = export(desk.store, tmp_path, "{code}.jpg", "cron").batch
    finally:
        desk.close()

    rows = manifest_rows(tmp_path / batch.name)
    assert rows["SAME"]["identity_verdict"] == "likely"
    assert abs(float(rows["SAME"]["identity_score"]) - shown["SAME"].score) < 0.0005
    assert rows["OTHER"]["identity_verdict"] == "unlikely"
    assert (rows["NOREF"]["identity_score"], rows["NOREF"]["identity_verdict"]) == ("", "")
    assert (rows["NOFACE"]["identity_score"], rows["NOFACE"]["identity_verdict"]) == ("", "no_face_reference")

    show = kiosk("show", "SAME")
    assert show.returncode == 0, show.stderr
    assert "reference: from the college, added" in show.stdout
    said = re.search(r"identity: likely the same person as the reference photo \(similarity (0\.\d\d)\)", show.stdout)
    assert said and abs(float(said[1]) - shown["SAME"].score) < 0.01, show.stdout  # two decimals
    assert "reference: none" in kiosk("show", "NOREF").stdout


def test_with_the_pre_check_off_nothing_is_compared(tmp_path, settings, photos, reviewed, fake_clock):
    desk = StationDesk(settings, lambda: Store.from_settings(settings, fake_clock))
    try:
        roster(desk.store, "SAME")
        desk.store.set_reference("SAME", (photos / REFERENCE_120).read_bytes(), "folder", "wang")
        capture = capture_of("SAME", reviewed)
        assert desk.identity("SAME", capture.jpeg) is None
        desk.save(capture)
        assert desk.store.accepted("SAME").identity is None
        batch = export(desk.store, tmp_path, "{code}.jpg", "cron").batch
    finally:
        desk.close()
    row = manifest_rows(tmp_path / batch.name)["SAME"]
    assert (row["identity_score"], row["identity_verdict"]) == ("", "")
    assert "identity: not compared" in kiosk("show", "SAME").stdout


def test_a_reference_from_the_camera_keeps_only_the_face_and_replaces_the_colleges(on, photos, reviewed, data_dir,
                                                                                  fake_clock):
    # The student holds the photo side of an ID card up to the lens, filling a 1280x720 frame:
    # person 120's photo on the right, the printed name and number (red lines) on the left.
    frame = np.full((720, 1280, 3), 60, np.uint8)
    frame[32:688, 120:1160] = (225, 230, 235)  # the card, 85.6 x 54 mm
    portrait = cv2.resize(cv2.imread(str(photos / REFERENCE_120)), (394, 394), interpolation=cv2.INTER_AREA)
    frame[100:494, 800:1112] = portrait[:, 41:353]
    for y in range(120, 600, 80):
        frame[y:y + 24, 160:700] = (0, 0, 255)
    desk = StationDesk(on, lambda: Store.from_settings(on, fake_clock))
    try:
        roster(desk.store, "SAME")
        college = desk.store.set_reference("SAME", (photos / OTHER_PERSON).read_bytes(), "folder", "wang")
        assert desk.identity("SAME", capture_of("SAME", reviewed).jpeg).verdict == "unlikely"

        taken = desk.take_reference("SAME", frame, "li")

        assert taken.source == "camera" and taken.operator == "li"
        kept = cv2.imdecode(np.frombuffer(taken.path.read_bytes(), np.uint8), cv2.IMREAD_COLOR).astype(int)
        assert kept.shape[0] < 720 and kept.shape[1] < 720
        printed = (kept[..., 2] > 180) & (kept[..., 1] < 90) & (kept[..., 0] < 90)
        assert not printed.any()  # the card's name and number are not kept
        assert files_in(data_dir / "references") == [taken.path] and not college.path.exists()
        # The same person, now compared with the new reference (not the one held in memory).
        assert desk.identity("SAME", capture_of("SAME", reviewed).jpeg).verdict == "likely"

        two_people = cv2.imread(str(photos / "london_synthetic__two_020_061.jpg"))
        with pytest.raises(IdentityError, match="two faces in the camera picture"):
            desk.take_reference("SAME", two_people, "li")
        with pytest.raises(IdentityError, match="no face in the camera picture"):
            desk.take_reference("SAME", np.full((720, 1280, 3), 170, np.uint8), "li")
        assert desk.store.reference("SAME") == taken
    finally:
        desk.close()


def test_only_a_roster_student_gets_a_reference_and_only_a_jpeg_or_png(settings, photos):
    from kiosk.store import StoreError

    with Store.from_settings(settings) as store:
        with pytest.raises(StoreError, match="NOTLISTED is not on the roster"):
            store.set_reference("NOTLISTED", (photos / REFERENCE_120).read_bytes(), "camera", "li")
        roster(store, "SAME")
        with pytest.raises(StoreError, match="neither JPEG nor PNG"):
            store.set_reference("SAME", b"GIF89a", "camera", "li")
        assert store.reference("SAME") is None and files_in(store.references_dir) == []


def test_references_never_leave_the_station(tmp_path, settings, photos, reviewed, fake_clock):
    references = {}
    with Store.from_settings(settings, fake_clock) as store:
        roster(store, "SAME", "OTHER")
        for code, name in (("SAME", REFERENCE_120), ("OTHER", OTHER_PERSON)):
            references[code] = (photos / name).read_bytes()
            store.set_reference(code, references[code], "folder", "wang")
            photo = capture_of(code, reviewed).jpeg
            store.save_capture(code, photo, photo, [], operator="li")
        batch = export(store, tmp_path, "{code}.jpg", "cron").batch
    forbidden = {sha256(data) for data in references.values()}
    folder = tmp_path / batch.name
    assert sorted(p.name for p in folder.iterdir()) == [".kiosk-store", "OTHER.jpg", "SAME.jpg", "SHA256SUMS",
                                                        MANIFEST]
    assert not forbidden & {sha256(p.read_bytes()) for p in folder.iterdir()}
    with zipfile.ZipFile(tmp_path / f"{batch.name}.zip") as z:
        assert not forbidden & {sha256(z.read(name)) for name in z.namelist()}


def test_a_roster_purge_deletes_the_reference_files_and_the_names(tmp_path, settings, data_dir, photos):
    with Store.from_settings(settings) as store:
        roster(store, "SAME", "OTHER")
        for code, name in (("SAME", REFERENCE_120), ("OTHER", OTHER_PERSON)):
            store.set_reference(code, (photos / name).read_bytes(), "folder", "wang")
        store.save_capture("SAME", (photos / PHOTO_120).read_bytes(), (photos / PHOTO_120).read_bytes(), [],
                           operator="li")
        # A re-import adds and updates (a college may send one file per school): it removes no
        # student, so no reference either.
        store.import_roster([RosterEntry("SAME", "2023001", "张三丰")], "wang", "school-2.csv")
        assert store.roster_count() == 2 and store.reference("OTHER") is not None
    assert len(files_in(data_dir / "references")) == 2

    refused = kiosk("roster", "purge", "--delete")
    assert refused.returncode == 1
    assert "1 accepted photo of a student on the roster is not exported yet" in refused.stderr
    assert "run `kiosk export` first; nothing was purged" in refused.stderr
    assert kiosk("export", "--to", str(tmp_path)).returncode == 0
    dry = kiosk("roster", "purge")
    assert "would delete the roster (2 students) and its 2 reference photos; nothing was deleted" in dry.stdout
    assert len(files_in(data_dir / "references")) == 2

    done = kiosk("roster", "purge", "--delete", "--operator", "wang")

    assert done.returncode == 0, done.stderr
    assert "deleted the roster (2 students) and its 2 reference photos" in done.stdout
    assert files_in(data_dir / "references") == []
    with Store.from_settings(settings) as store:
        assert store.roster_count() == 0 and store.reference("SAME") is None
        assert store.accepted("SAME") is not None  # the photo taken stays
        assert store.audit_log()[-1]["action"] == "roster_purge"
    stored = b"".join(p.read_bytes() for p in data_dir.glob("store.sqlite3*"))
    assert "张三丰".encode() not in stored  # overwritten, not left in the database's free pages


def test_a_reference_file_without_a_record_is_deleted_at_the_next_start(settings, photos):
    with Store.from_settings(settings) as store:
        roster(store, "SAME")
        kept = store.set_reference("SAME", (photos / REFERENCE_120).read_bytes(), "folder", "wang")
        # What a program killed between writing a reference and recording it leaves behind.
        stray = store.references_dir / "0123456789abcdef0123456789abcdef.jpg"
        stray.write_bytes((photos / OTHER_PERSON).read_bytes())
    with Store.from_settings(settings) as store:
        assert files_in(store.references_dir) == [kept.path]


def test_a_damaged_reference_is_said_on_review_and_by_verify(on, photos, reviewed, fake_clock):
    desk = StationDesk(on, lambda: Store.from_settings(on, fake_clock))
    try:
        roster(desk.store, "SAME")
        reference = desk.store.set_reference("SAME", (photos / REFERENCE_120).read_bytes(), "folder", "wang")
        data = bytearray(reference.path.read_bytes())
        data[len(data) // 2] ^= 0x01
        reference.path.write_bytes(bytes(data))
        result = desk.identity("SAME", capture_of("SAME", reviewed).jpeg)
        assert (result.score, result.verdict) == (None, "reference_unreadable")
    finally:
        desk.close()
    verify = kiosk("verify")
    assert verify.returncode != 0
    assert "SAME: reference photo changed on disk" in verify.stdout + verify.stderr


def test_kiosk_add_compares_only_with_the_students_consent_and_audits_it(tmp_path, on, photos):
    with Store.from_settings(on) as store:
        roster(store, "SAME", "ASKED")
        store.set_reference("SAME", (photos / REFERENCE_120).read_bytes(), "folder", "wang")
        store.set_reference("ASKED", (photos / REFERENCE_120).read_bytes(), "folder", "wang")
    config = str(enabled_config(tmp_path))

    unasked = kiosk("--config", config, "add", "--confirmed", str(photos / REFERENCE_120), "--code", "SAME",
                    "--override", "smiles on the enrolment photo too")
    # The same person in another photo: not a copy of the photo already stored for SAME.
    done = kiosk("--config", config, "add", "--confirmed", str(photos / PHOTO_120), "--code", "ASKED", "--consented",
                 "--override", "smiles on the enrolment photo too", "--operator", "li")

    assert unasked.returncode == 0 and "identity" not in unasked.stdout, unasked.stdout
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "saved ASKED", done.stdout
    assert any(line.startswith("identity: likely the same person as the reference photo (similarity 0.9")
               for line in lines), done.stdout
    with Store.from_settings(on) as store:
        assert store.accepted("SAME").identity is None
        assert store.accepted("ASKED").identity.verdict == "likely"
        [consent] = [a for a in store.audit_log("ASKED") if a["action"] == "identity_consent"]
        assert consent["operator"] == "li" and '"agreed": true' in consent["detail"]
        assert not [a for a in store.audit_log("SAME") if a["action"] == "identity_consent"]


def test_a_reference_photo_of_two_people_is_stored_with_a_warning(tmp_path, data_dir, photos):
    (tmp_path / "roster.csv").write_text(ROSTER_CSV, encoding="utf-8")
    folder = tmp_path / "enrolment photos"
    folder.mkdir()
    (folder / "HK3000.jpg").write_bytes((photos / "london_synthetic__two_020_061.jpg").read_bytes())
    done = kiosk("--config", str(enabled_config(tmp_path)), "roster", "import", str(tmp_path / "roster.csv"),
                 "--references", str(folder))
    assert done.returncode == 0, done.stderr
    assert "warning: HK3000.jpg: 2 faces: stored, but the largest is compared" in done.stderr
