"""The store: captures kept whole, one accepted photo per code, audited changes, masking."""

from __future__ import annotations

import json
import logging
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.masking import mask_id_number, mask_name
from kiosk.store import AlreadyAccepted, NoAcceptedCapture, Override, RosterEntry, Store, StoreError
from kiosk.store.schema import MIGRATIONS

ZHANG = RosterEntry("C0001", "2023010001", "张三丰", "310101199001011234", "物理学院", "物理学")
LI = RosterEntry("C0002", "2023010002", "李四", "11010119950202567X", "化学学院", "化学")


def make_jpeg(seed: int, size: tuple[int, int] = (480, 640)) -> bytes:
    """A distinct, real JPEG per seed (a gradient with a little noise, about 30 KB)."""
    rng = np.random.default_rng(seed)
    w, h = size
    ramp = np.linspace(0, 255, w, dtype=np.float32)[None, :, None]
    image = np.clip(ramp + rng.normal(0, 12, (h, w, 3)) + seed % 50, 0, 255).astype(np.uint8)
    return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()


RESULTS = [{"id": "eyes_open", "rule": "eyes", "verdict": "pass", "value": 0.9, "threshold": ">= 0.5",
            "message_zh": "", "message_en": "", "priority": 3}]


def save(store: Store, code: str, seed: int, **kw):
    return store.save_capture(code, make_jpeg(seed, (1280, 720)), make_jpeg(seed + 1), RESULTS, operator="wang", **kw)


@pytest.fixture
def store(tmp_path: Path, fake_clock):
    s = Store(tmp_path / "data", "hk-01", fake_clock)
    s.import_roster([ZHANG, LI], "wang", "roster.csv")
    yield s
    s.close()


def image_files(data: Path) -> set[Path]:
    return {p for p in (data / "images").rglob("*") if p.is_file()}


def test_masking_keeps_only_what_identifies_the_row():
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("李四") == "李*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_id_number("310101199001011234") == "3101**********1234"
    assert mask_id_number("12345") == "*****"
    assert ZHANG.shown()["name"] == "张*丰" and ZHANG.shown(full=True)["name"] == "张三丰"


def test_a_roster_entry_printed_in_a_traceback_or_log_carries_no_name_or_id_number():
    for text in (repr(ZHANG), str(ZHANG), f"{[ZHANG]}"):
        assert "C0001" in text
        assert ZHANG.name not in text and ZHANG.id_number not in text


def test_a_saved_capture_is_listed_with_its_images_and_hashes(store, fake_clock):
    capture = save(store, "C0001", 1, crop_box=(10, 20, 300, 400))
    listed = store.captures()
    assert [c.code for c in listed] == ["C0001"]
    got = listed[0]
    assert got.status == "accepted" and got.taken_at.startswith("2026-06-01T09:00")
    assert got.crop_box == (10, 20, 300, 400) and got.results[0]["verdict"] == "pass"
    for kind, data in (("master", make_jpeg(1, (1280, 720))), ("deliverable", make_jpeg(2))):
        assert got.images[kind].path.read_bytes() == data
    assert capture.images["deliverable"].sha256 == got.images["deliverable"].sha256
    assert store.verify_images() == []
    fake_clock.advance(24 * 3600)
    assert store.captures() == []  # a new day starts with an empty list
    assert [c.code for c in store.captures(all_days=True)] == ["C0001"]
    assert store.counts(date(2026, 6, 1)).accepted == 1


def test_one_accepted_photo_per_code_and_retake_is_explicit_and_audited(store):
    first = save(store, "C0001", 1)
    with pytest.raises(AlreadyAccepted):
        save(store, "C0001", 3)
    assert len(image_files(store.data_dir)) == 2  # the refused photo left no files behind
    second = save(store, "C0001", 5, retake_reason="eyes half closed")
    history = store.history("C0001")
    assert [(c.id, c.status) for c in history] == [(first.id, "replaced"), (second.id, "accepted")]
    assert history[0].end_reason == "eyes half closed"
    assert store.accepted("C0001").id == second.id
    actions = [a["action"] for a in store.audit_log("C0001")]
    assert actions == ["capture", "retake", "capture"]
    counts = store.counts()
    assert (counts.accepted, counts.retakes, counts.roster, counts.roster_done) == (1, 1, 2, 1)


def test_a_retake_by_the_bare_code_keeps_the_name_its_capture_code_carried(store):
    """A code photographed off the roster carries its masked name; a third trial's retake by
    the bare code (`kiosk add --code X --retake`) left the manifest's name empty."""
    save(store, "Z0001", 1, confirmed_name="王*明")
    save(store, "Z0001", 5, retake_reason="re-saved")
    assert store.accepted("Z0001").confirmed_name == "王*明"
    save(store, "Z0001", 9, retake_reason="another", confirmed_name="王*华")  # a name given is the one kept
    assert store.accepted("Z0001").confirmed_name == "王*华"


def test_the_database_itself_refuses_a_second_accepted_photo(store):
    save(store, "C0001", 1)
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute("INSERT INTO captures (id, code, station, operator, taken_at, taken_day, status, results, "
                         "overrides) SELECT ? || id, code, station, operator, taken_at, taken_day, status, results, "
                         "overrides FROM captures", ["x"])


def test_void_needs_a_reason_and_is_audited(store):
    save(store, "C0002", 1)
    with pytest.raises(StoreError):
        store.void("C0002", "wang", " ")
    voided = store.void("C0002", "wang", "wrong student scanned")
    assert voided.status == "voided" and store.accepted("C0002") is None
    with pytest.raises(NoAcceptedCapture, match="already voided"):
        store.void("C0002", "wang", "again")
    assert store.audit_log("C0002")[-1]["action"] == "void"


def test_overrides_are_kept_with_reason_and_operator(store):
    c = save(store, "C0001", 1, overrides=[Override("glasses_glare", "cannot remove glasses (medical)", "li")])
    assert store.capture(c.id).overrides == (Override("glasses_glare", "cannot remove glasses (medical)", "li"),)
    override = [a for a in store.audit_log("C0001") if a["action"] == "override"]
    assert override[0]["operator"] == "li" and "medical" in json.loads(override[0]["detail"])["reason"]


def test_bad_input_is_refused_before_anything_is_written(store):
    with pytest.raises(StoreError, match="capture code"):
        save(store, "../etc/passwd", 1)
    with pytest.raises(StoreError, match="JPEG"):
        store.save_capture("C0001", b"GIF89a....", make_jpeg(2), RESULTS, operator="wang")
    with pytest.raises(StoreError, match="deliverable"):
        store.save_capture("C0001", make_jpeg(1), cv2.imencode(".png", np.zeros((4, 4, 3), np.uint8))[1].tobytes(),
                           RESULTS, operator="wang")
    assert store.captures(all_days=True) == [] and image_files(store.data_dir) == set()


def test_a_full_database_is_a_clear_store_error_and_nothing_is_half_saved(store):
    """SQLite's own 'database or disk is full', reached through a page limit on the real file."""
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError, match="is full: free some space"):
        store.save_capture("C0001", make_jpeg(1), make_jpeg(2), RESULTS * 2000, operator="wang")
    assert store.captures(all_days=True) == [] and image_files(store.data_dir) == set()
    assert list((store.data_dir / "incoming").iterdir()) == []


def test_any_write_the_full_disk_refuses_is_a_store_error_saying_what_to_do(store):
    """A trial's nightly export on a nearly full data disk ended in sqlite3's traceback at COMMIT."""
    save(store, "C0001", 1)
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError, match="is full: free some space on that disk; nothing of this step was saved"):
        store.void("C0001", "wang", "wrong student " * 5000)
    assert store.accepted("C0001") is not None  # nothing of the void kept
    store.db.execute(f"PRAGMA max_page_count = {pages * 100}")
    assert store.void("C0001", "wang", "wrong student").status == "voided"


def test_migrations_run_once_and_a_newer_store_is_refused(tmp_path, fake_clock):
    with Store(tmp_path, "hk-01", fake_clock) as s:
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        save(s, "C0001", 1)
    with Store(tmp_path, "hk-01", fake_clock) as s:  # reopening keeps the data
        assert len(s.captures(all_days=True)) == 1
        s.db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="update the station software"):
        Store(tmp_path, "hk-01", fake_clock)


def test_an_unfinished_save_is_removed_on_open(tmp_path, fake_clock):
    """What a crash between writing the images and committing the record leaves behind."""
    with Store(tmp_path, "hk-01", fake_clock) as s:
        save(s, "C0001", 1)
        kept = image_files(tmp_path)
    ghost = tmp_path / "images" / "ab" / "ab12.master.jpg"
    ghost.parent.mkdir(exist_ok=True)
    ghost.write_bytes(make_jpeg(9))
    (tmp_path / "images" / "ab" / "ab12.deliverable.jpg.tmp").write_bytes(b"half")
    (tmp_path / "incoming" / "ab12.intent").write_text(json.dumps(
        {"capture": "ab12", "paths": ["images/ab/ab12.master.jpg", "images/ab/ab12.deliverable.jpg"]}))
    with Store(tmp_path, "hk-01", fake_clock) as s:
        assert image_files(tmp_path) == kept
        assert list((tmp_path / "incoming").iterdir()) == []
        assert [c.code for c in s.captures(all_days=True)] == ["C0001"]


def test_verify_finds_a_changed_or_missing_image(store):
    a = save(store, "C0001", 1)
    b = save(store, "C0002", 3)
    a.images["deliverable"].path.write_bytes(make_jpeg(99))
    b.images["master"].path.unlink()
    problems = store.verify_images()
    assert any("C0001: deliverable image changed" in p for p in problems)
    assert any("C0002: master image missing" in p for p in problems)


def test_names_and_id_numbers_never_reach_the_log(store, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    save(store, "C0001", 1)
    store.void("C0001", "wang", "test")
    text = caplog.text + json.dumps(store.audit_log())
    assert "C0001" in text
    for secret in (ZHANG.name, ZHANG.id_number, LI.name, LI.id_number):
        assert secret not in text


def test_programs_starting_together_on_a_new_store_all_open_it(tmp_path):
    """The kiosk and the nightly export may both be first to open a fresh data folder."""
    code = "import sys; from kiosk.store import Store; Store(sys.argv[1], 'hk-01').close()"
    starts = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stderr=subprocess.PIPE, text=True)
              for _ in range(4)]
    for p in starts:
        assert p.wait(timeout=60) == 0, p.stderr.read()
    with Store(tmp_path, "hk-01") as s:
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


@pytest.mark.parametrize("damage, says", [
    (lambda path: path.write_bytes(b"this is not a database" * 100), "cannot open the station database"),
    (lambda path: _newer_schema(path), "newer than this program knows"),
])
def test_a_store_that_cannot_be_opened_gets_a_message_not_a_traceback(data_dir, damage, says):
    Store(data_dir, "HK-01").close()
    damage(data_dir / "store.sqlite3")
    done = subprocess.run([sys.executable, "-m", "kiosk", "list"], capture_output=True, text=True)
    assert done.returncode == 1
    assert says in done.stderr and "Traceback" not in done.stderr


def _newer_schema(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
