"""`kiosk export`, `verify` and `purge`: each accepted photo handed over exactly once, in a
batch Excel and sha256sum can read, with clear refusals for a bad target."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers import config_variant, kiosk
from test_store import RESULTS, make_jpeg

from kiosk import paths
from kiosk.store import Override, RosterEntry, Store
from kiosk.store.export import _new_batch


def populate(settings, codes: list[str], seed: int = 0) -> dict[str, bytes]:
    """Accepted captures for `codes` (student 欧阳娜娜 each time), as the kiosk would store them."""
    deliverables = {}
    with Store.from_settings(settings) as store:
        store.import_roster(
            [RosterEntry(c, f"2023{c[1:]}", "欧阳娜娜", f"310101199001{c[1:].zfill(6)[-6:]}") for c in codes],
            "wang", "roster.csv")
        for i, code in enumerate(codes):
            deliverables[code] = make_jpeg(seed + i)
            overrides = [Override("glasses_glare", "medical glasses", "li")] if i == 0 else []
            store.save_capture(code, make_jpeg(seed + i + 5000, (640, 360)), deliverables[code], RESULTS,
                               operator="wang", overrides=overrides)
    return deliverables


def listed(*args: str) -> list[dict]:
    run = kiosk("list", "--all", "--json", *args)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def batch_folders(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))


def test_export_writes_photos_manifest_sums_and_zip_once(settings, tmp_path):
    photos = populate(settings, ["C0001", "C0002", "C0003"])
    out = tmp_path / "usb"
    out.mkdir()
    run = kiosk("export", "--to", str(out))
    assert run.returncode == 0, run.stderr
    [folder] = batch_folders(out)
    assert folder.name.startswith(f"{settings.station.id}-{date.today():%Y%m%d}-001")
    assert f"batch {folder.name}: 3 photos" in run.stdout
    assert "export: 3 of 3 photos" in run.stderr  # plain progress lines when not at a terminal
    for code, data in photos.items():
        assert (folder / f"{code}.jpg").read_bytes() == data
    raw = (folder / "manifest.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Chinese text
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["code"] for r in rows] == ["C0001", "C0002", "C0003"]
    assert rows[0]["name"] == "欧**娜" and rows[0]["student_number"] == "20230001"
    assert rows[0]["sha256"] == hashlib.sha256(photos["C0001"]).hexdigest()
    assert rows[0]["overrides"] == "glasses_glare: medical glasses (li)" and rows[1]["overrides"] == ""
    assert "欧阳娜娜" not in raw.decode("utf-8-sig")
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.count(": OK") == 4
    with zipfile.ZipFile(out / f"{folder.name}.zip") as z:
        assert sorted(z.namelist()) == sorted(f"{folder.name}/{p.name}" for p in folder.iterdir()
                                              if p.name != ".kiosk-store")
        assert z.read(f"{folder.name}/C0002.jpg") == photos["C0002"]
    assert {c["batch"] for c in listed()} == {folder.name}

    again = kiosk("export", "--to", str(out))
    assert again.returncode == 0 and "nothing new to export" in again.stdout
    assert batch_folders(out) == [folder]

    populate(settings, ["C0004"], seed=50)
    kiosk("export", "--to", str(out))
    assert [sorted(p.name for p in f.glob("*.jpg")) for f in batch_folders(out)] == [
        ["C0001.jpg", "C0002.jpg", "C0003.jpg"], ["C0004.jpg"]]
    assert kiosk("verify").returncode == 0


def test_file_pattern_from_config_names_the_photos(settings, tmp_path):
    populate(settings, ["C0001"])
    config = config_variant(tmp_path, 'file_pattern = "{code}.jpg"', 'file_pattern = "{student_number}_{code}.jpg"')
    out = tmp_path / "out"
    out.mkdir()
    assert kiosk("--config", str(config), "export", "--to", str(out)).returncode == 0
    assert [p.name for p in batch_folders(out)[0].glob("*.jpg")] == ["20230001_C0001.jpg"]
    bad = config_variant(tmp_path, 'file_pattern = "{code}.jpg"', 'file_pattern = "photo.jpg"')
    run = kiosk("--config", str(bad), "export", "--to", str(out))
    assert run.returncode == 1 and "must contain {code}" in run.stderr


def exported_batch(settings, tmp_path) -> tuple[Path, str]:
    """C0001 and C0002 exported into tmp_path/out: the batch folder and its SHA256SUMS."""
    populate(settings, ["C0001", "C0002"])
    out = tmp_path / "out"
    out.mkdir()
    kiosk("export", "--to", str(out))
    [folder] = batch_folders(out)
    return folder, (folder / "SHA256SUMS").read_text()


def test_again_rebuilds_a_lost_batch_with_the_same_photos(settings, tmp_path):
    folder, sums = exported_batch(settings, tmp_path)
    subprocess.run(["rm", "-r", str(folder), f"{folder}.zip"], check=True)
    assert kiosk("verify").returncode == 1
    # Without --to, where the batch went (a trial's went to the station's own exports folder).
    run = kiosk("export", "--batch", folder.name, "--again")
    assert run.returncode == 0, run.stderr
    assert f"in {folder}" in run.stdout and (folder / "SHA256SUMS").read_text() == sums
    assert kiosk("verify").returncode == 0
    assert "--batch NAME --again" in kiosk("export", "--again").stderr
    assert "there is no batch" in kiosk("export", "--batch", "nope", "--again").stderr


def test_again_refuses_a_whole_batch_so_a_photo_voided_since_does_not_change_what_the_centre_collected(
        settings, tmp_path):
    """A trial rebuilt a collected batch after a void: the centre then saw it as changed
    behind its back at every collection."""
    folder, sums = exported_batch(settings, tmp_path)
    assert kiosk("void", "C0002", "--reason", "wrong person").returncode == 0
    run = kiosk("export", "--batch", folder.name, "--again")
    assert run.returncode == 1 and "is whole" in run.stderr and "nothing to rebuild" in run.stderr
    assert (folder / "SHA256SUMS").read_text() == sums and (folder / "C0002.jpg").exists()
    # A damaged one is still rebuilt, at the place it went.
    (folder / "C0001.jpg").write_bytes(make_jpeg(77))
    assert kiosk("export", "--batch", folder.name, "--again").returncode == 0
    assert kiosk("verify").returncode == 0


def test_missing_target_is_refused_and_nothing_is_marked(settings, tmp_path):
    populate(settings, ["C0001"])
    run = kiosk("export", "--to", str(tmp_path / "no-such-drive"))
    assert run.returncode == 1
    assert "does not exist: connect or mount the drive" in run.stderr and "Traceback" not in run.stderr
    assert [c["batch"] for c in listed()] == [None]


def test_verify_names_a_changed_batch_file_and_a_changed_image(settings, tmp_path):
    populate(settings, ["C0001", "C0002"])
    out = tmp_path / "out"
    out.mkdir()
    kiosk("export", "--to", str(out))
    assert kiosk("verify").returncode == 0
    [folder] = batch_folders(out)
    (folder / "C0002.jpg").write_bytes(make_jpeg(77))
    with Store.from_settings(settings) as store:
        store.accepted("C0001").images["master"].path.write_bytes(make_jpeg(78))
    run = kiosk("verify")
    assert run.returncode == 1
    assert f"batch {folder.name}: C0002.jpg does not match SHA256SUMS" in run.stdout
    assert "C0001: master image changed on disk" in run.stdout


def export_days_ago(settings, out: Path, days: int) -> None:
    """Export as the nightly job did `days` ago (a fake clock, so purge has old batches to find)."""
    from datetime import datetime

    from kiosk.clock import FakeClock
    from kiosk.store.export import export

    with Store(paths.data_dir(settings), settings.station.id,
               FakeClock(wall_start=datetime.now() - timedelta(days=days))) as store:
        assert export(store, out, settings.export.file_pattern, "cron").batch is not None


def test_purge_is_a_dry_run_until_asked_then_deletes_old_images_and_keeps_records(settings, tmp_path):
    populate(settings, ["C0001", "C0002"])
    out = tmp_path / "out"
    out.mkdir()
    export_days_ago(settings, out, 10)
    populate(settings, ["C0003"], seed=10)  # not exported: must survive any purge
    week_ago = str(date.today() - timedelta(days=7))
    assert "nothing to purge" in kiosk("purge", "--exported-before", str(date.today() - timedelta(days=12))).stdout
    dry = kiosk("purge", "--exported-before", week_ago)
    assert dry.returncode == 0 and "would purge the images of 2 captures" in dry.stdout and "--delete" in dry.stdout
    with Store.from_settings(settings) as store:
        assert all(img.path.exists() for img in store.accepted("C0001").images.values())
    run = kiosk("purge", "--exported-before", week_ago, "--delete", "--operator", "admin")
    assert run.returncode == 0 and "purged the images of 2 captures" in run.stdout
    with Store.from_settings(settings) as store:
        gone = store.accepted("C0001").images
        assert all(img.purged_at and not img.path.exists() and len(img.sha256) == 64 for img in gone.values())
        assert all(img.path.exists() for img in store.accepted("C0003").images.values())
        assert [a["operator"] for a in store.audit_log() if a["action"] == "purge"][-1] == "admin"
    assert len(listed()) == 3
    assert kiosk("verify").returncode == 0  # purged images are expected to be gone
    batch = batch_folders(out)[0].name
    rebuild = kiosk("export", "--to", str(tmp_path), "--batch", batch, "--again")
    assert rebuild.returncode == 1 and "was purged" in rebuild.stderr


@pytest.mark.parametrize("when, says", [
    (str(date.today() + timedelta(days=1)), "is in the future"),
    ("30/11/2026", "write it as YYYY-MM-DD, for example"),
])
def test_purge_refuses_a_future_or_misspelt_day_and_deletes_nothing(settings, tmp_path, when, says):
    populate(settings, ["C0001"])
    export_days_ago(settings, tmp_path, 3)
    run = kiosk("purge", "--exported-before", when, "--delete")
    assert run.returncode != 0 and says in run.stderr and "Traceback" not in run.stderr
    with Store.from_settings(settings) as store:
        assert all(img.path.exists() for img in store.accepted("C0001").images.values())


def test_voiding_an_exported_photo_names_its_batch_and_the_upload_to_withdraw(settings, tmp_path):
    populate(settings, ["C0001"])
    out = tmp_path / "usb"
    out.mkdir()
    assert kiosk("export", "--to", str(out)).returncode == 0
    [folder] = batch_folders(out)
    run = kiosk("void", "C0001", "--reason", "wrong student", "--operator", "li")
    assert run.returncode == 0
    assert f"already exported in batch {folder.name}" in run.stdout and "withdraw it from" in run.stdout
    assert "never exported" not in run.stdout
    with Store.from_settings(settings) as store:
        [entry] = [a for a in store.audit_log("C0001") if a["action"] == "void"]
        assert folder.name in entry["detail"] and entry["operator"] == "li"


# ---- a real small or read-only file system, mounted in a private mount namespace ----

def _can_mount() -> bool:
    try:
        return subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                              capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


needs_mount = pytest.mark.skipif(not _can_mount(), reason="needs `unshare -rm` to mount a small tmpfs")


def export_onto_tmpfs(target: Path, options: str) -> subprocess.CompletedProcess:
    """Run `kiosk export --to target` with a tmpfs mounted there with `options`."""
    target.mkdir(exist_ok=True)
    script = 'mount -t tmpfs -o "$1" tmpfs "$2" && exec "$3" -m kiosk export --to "$2"'
    return subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", options, str(target), sys.executable],
                          capture_output=True, text=True, timeout=120)


@needs_mount
def test_read_only_target_is_refused_clearly(settings, tmp_path):
    populate(settings, ["C0001"])
    run = export_onto_tmpfs(tmp_path / "ro", "ro,size=1m")
    assert run.returncode == 1 and "is not writable" in run.stderr and "Traceback" not in run.stderr
    assert [c["batch"] for c in listed()] == [None]


@needs_mount
def test_a_read_only_data_folder_is_named_so_and_its_database_not_called_damaged(settings, data_dir):
    """A trial's read-only data folder was told "if the file is damaged, restore it from the
    backup": an operator could overwrite a healthy database."""
    populate(settings, ["C0001"])
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$2" -m kiosk list'
    run = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", str(data_dir), sys.executable],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "the data folder cannot be written to" in run.stderr, run.stderr
    assert "if the file is damaged" not in run.stderr and "Traceback" not in run.stderr
    assert [c["code"] for c in listed()] == ["C0001"]


@needs_mount
def test_the_mount_point_of_a_share_that_is_not_mounted_is_refused(settings, tmp_path):
    """A trial exported into the empty folder an unmounted share leaves: the batch stayed on
    the station's own disk, marked exported. Here the share is a tmpfs that goes when its
    namespace does, leaving its mount point empty."""
    populate(settings, ["C0001"])
    share = tmp_path / "share"
    assert export_onto_tmpfs(share, "size=4m").returncode == 0
    populate(settings, ["C0002"], seed=10)
    run = kiosk("export", "--to", str(share))
    assert run.returncode == 1 and "probably not mounted" in run.stderr and "Traceback" not in run.stderr
    assert [c["batch"] for c in listed() if c["code"] == "C0002"] == [None]
    assert kiosk("export", "--to", str(share), "--emptied").returncode == 0  # emptied on purpose


@needs_mount
def test_full_target_is_refused_before_writing(settings, tmp_path):
    """Refused before the batch is made: a fourth trial's refused export left a batch that
    `kiosk list` then called unfinished, "an export was cut short"."""
    populate(settings, [f"C{i:04d}" for i in range(10)])
    run = export_onto_tmpfs(tmp_path / "small", "size=200k")
    assert run.returncode == 1 and "is full: the batch needs" in run.stderr, run.stderr
    assert "nothing was exported" in run.stderr
    assert all(c["batch"] is None for c in listed())
    assert "unfinished" not in kiosk("list").stdout


@needs_mount
def test_target_filling_up_while_writing_loses_nothing(settings, tmp_path):
    """Too few inodes: the kernel answers ENOSPC part-way, though free space looked ample."""
    populate(settings, [f"C{i:04d}" for i in range(10)])
    run = export_onto_tmpfs(tmp_path / "tiny", "size=50m,nr_inodes=6")
    assert run.returncode == 1 and "became full while writing" in run.stderr, run.stderr
    assert "nothing was marked exported" in run.stderr
    out = tmp_path / "big"
    out.mkdir()
    retry = kiosk("export", "--to", str(out))
    assert retry.returncode == 0 and "finished interrupted batch" in retry.stdout
    [folder] = batch_folders(out)
    assert len(list(folder.glob("*.jpg"))) == 10
    assert {c["batch"] for c in listed()} == {folder.name}


def test_a_photo_voided_while_its_batch_was_interrupted_is_not_exported(settings, tmp_path):
    populate(settings, ["C0001", "C0002"])
    out = tmp_path / "out"
    out.mkdir()
    with Store.from_settings(settings) as store:
        batch = _new_batch(store, out, "wang")  # where an export killed right after starting stops
        store.void("C0002", "wang", "wrong student scanned")
    run = kiosk("export", "--to", str(out))
    assert run.returncode == 0 and f"finished interrupted batch {batch.name}: 1 photo in" in run.stdout
    assert [p.name for p in (out / batch.name).glob("*.jpg")] == ["C0001.jpg"]
    assert {c["code"]: c["batch"] for c in listed()} == {"C0001": batch.name, "C0002": None}
    assert kiosk("verify").returncode == 0


@pytest.mark.parametrize("command", [["list"], ["show", "C0001"], ["verify"], ["export"],
                                     ["purge", "--exported-before", "2026-01-01"]])
def test_a_mistyped_or_unusable_data_folder_is_named_and_no_empty_store_is_made(settings, command, tmp_path):
    """A trial's mistyped KIOSK_DATA made a new empty store, and the nightly export said
    "nothing new to export" with success, for ever."""
    for folder in (tmp_path / "stattion-data", Path("/proc/nope")):
        run = kiosk(*command, env={"KIOSK_DATA": str(folder)})
        assert run.returncode == 1, run.stdout
        assert f"no station store in {folder} (from KIOSK_DATA)" in run.stderr and "Traceback" not in run.stderr
        assert "kiosk doctor" in run.stderr
    assert not (tmp_path / "stattion-data").exists()


def test_a_batch_cut_short_is_listed_as_unfinished_and_its_photos_as_waiting(settings, tmp_path):
    """After a trial's Ctrl-C of kiosk export, kiosk list showed the batch's name and '0 waiting
    for export', as though it were done, with no batch folder written yet."""
    populate(settings, ["C0001"])
    out = tmp_path / "out"
    out.mkdir()
    with Store.from_settings(settings) as store:
        batch = _new_batch(store, out, "wang")  # where an export killed right after starting stops
    shown = kiosk("list")
    assert f"{batch.name} unfinished" in shown.stdout and "1 waiting for export" in shown.stdout
    assert "the next `kiosk export` finishes its batch" in shown.stdout
    assert kiosk("export", "--to", str(out)).returncode == 0
    shown = kiosk("list")
    assert "unfinished" not in shown.stdout and "0 waiting for export" in shown.stdout
    assert batch.name in shown.stdout


def test_a_photo_retaken_while_its_batch_was_interrupted_is_exported_once_the_new_one(settings, tmp_path):
    populate(settings, ["C0001", "C0002"])
    out = tmp_path / "out"
    out.mkdir()
    new_photo = make_jpeg(4242)
    with Store.from_settings(settings) as store:
        batch = _new_batch(store, out, "wang")  # where an export killed right after starting stops
        store.save_capture("C0002", make_jpeg(4243, (640, 360)), new_photo, RESULTS, operator="wang",
                           retake_reason="eyes closed")
    run = kiosk("export", "--to", str(out))
    assert run.returncode == 0, run.stderr
    assert f"finished interrupted batch {batch.name}: 1 photo in" in run.stdout
    exported = [p for folder in batch_folders(out) for p in folder.glob("*.jpg")]
    assert sorted(p.name for p in exported) == ["C0001.jpg", "C0002.jpg"], "a code exported twice"
    [c2] = [p for p in exported if p.name == "C0002.jpg"]
    assert c2.read_bytes() == new_photo and c2.parent.name != batch.name
    with Store.from_settings(settings) as store:
        assert [(c.status, c.batch) for c in store.history("C0002")] == [("replaced", None),
                                                                          ("accepted", c2.parent.name)]
    assert kiosk("verify").returncode == 0


def test_a_damaged_stored_photo_is_left_out_named_and_holds_back_nothing_else(settings, tmp_path):
    populate(settings, ["C0001", "C0002", "C0003"])
    out = tmp_path / "out"
    out.mkdir()
    with Store.from_settings(settings) as store:
        batch = _new_batch(store, out, "wang")  # an export killed right after starting
        store.accepted("C0002").images["deliverable"].path.write_bytes(make_jpeg(66))  # a bad disk block
        store.accepted("C0003").images["deliverable"].path.unlink()
    populate(settings, ["C0004"], seed=40)
    run = kiosk("export", "--to", str(out))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert f"finished interrupted batch {batch.name}: 1 photo in" in run.stdout
    assert run.stderr.count("the stored photo of C0002 no longer matches its SHA-256") == 1
    assert run.stderr.count("the stored photo of C0003 cannot be read") == 1
    assert "kiosk verify" in run.stderr and "kiosk void C0002 --reason" in run.stderr
    assert "failed writing to" not in run.stderr, "the target drive is not to blame"
    assert [sorted(p.name for p in f.glob("*.jpg")) for f in batch_folders(out)] == [["C0001.jpg"], ["C0004.jpg"]]
    assert {c["code"]: c["batch"] is None for c in listed()} == {
        "C0001": False, "C0002": True, "C0003": True, "C0004": False}

    again = kiosk("export", "--to", str(out))
    assert again.returncode == 1 and "C0002" in again.stderr and "C0003" in again.stderr
    assert len(batch_folders(out)) == 2, "no empty batch is written for photos that cannot be read"

    for code in ("C0002", "C0003"):
        void = kiosk("void", code, "--reason", "stored photo damaged", "--operator", "li")
        assert void.returncode == 0 and f"voided {code}" in void.stdout
    with Store.from_settings(settings) as store:
        assert store.accepted("C0002") is None
        assert (store.audit_log("C0002")[-1]["action"], store.audit_log("C0002")[-1]["operator"]) == ("void", "li")
    done = kiosk("export", "--to", str(out))
    assert done.returncode == 0 and done.stdout.strip() == "nothing new to export"
    assert "already voided" in kiosk("void", "C0002", "--reason", "again").stderr


def test_a_second_station_with_the_same_id_never_replaces_the_first_ones_batch(settings, tmp_path, monkeypatch):
    drive = tmp_path / "usb"
    drive.mkdir()
    first = populate(settings, ["C0001", "C0002"])
    assert kiosk("export", "--to", str(drive)).returncode == 0
    [folder] = batch_folders(drive)
    zipped = (drive / f"{folder.name}.zip").read_bytes()

    other = tmp_path / "second-station"  # same config, so the same [station] id
    other.mkdir()
    monkeypatch.setenv("KIOSK_DATA", str(other))
    populate(settings, ["C0101"], seed=300)
    run = kiosk("export", "--to", str(drive))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "this station did not write" in run.stderr and "its own [station] id" in run.stderr
    assert [sorted(p.name for p in f.glob("*.jpg")) for f in batch_folders(drive)] == [["C0001.jpg", "C0002.jpg"]]
    assert all((folder / f"{code}.jpg").read_bytes() == data for code, data in first.items())
    assert (drive / f"{folder.name}.zip").read_bytes() == zipped
    assert [p.name for p in drive.iterdir() if p.name.startswith(".")] == []
    elsewhere = tmp_path / "other-usb"
    elsewhere.mkdir()
    assert kiosk("export", "--to", str(elsewhere)).returncode == 0, "--to another folder is the way out"
    assert [p.name for p in batch_folders(elsewhere)[0].glob("*.jpg")] == ["C0101.jpg"]


def test_a_code_typed_in_lower_case_finds_the_student(settings, tmp_path):
    """A trial typed hk3002 for HK3002 and was told the code had no photo: the operator's
    commands take the code as the store spells it when exactly one code matches."""
    populate(settings, ["HK3002", "HK3003"])
    assert "HK3002" in kiosk("show", "hk3002").stdout
    assert [c["code"] for c in listed("--code", "Hk3002")] == ["HK3002"]
    printed = kiosk("print", "hk3002", "--out", str(tmp_path / "sheet.pdf"))
    assert printed.returncode == 0 and "prints of HK3002" in printed.stdout, printed.stderr
    voided = kiosk("void", "hk3003", "--reason", "wrong student scanned")
    assert voided.returncode == 0, voided.stderr
    assert {c["code"]: c["status"] for c in listed()} == {"HK3002": "accepted", "HK3003": "voided"}
    unknown = kiosk("show", "hk3009")
    assert unknown.returncode == 1 and "hk3009 is neither in the roster nor in the store" in unknown.stderr


def test_two_codes_a_store_holds_that_differ_only_in_case_stay_apart(settings):
    """Written before codes were matched without regard to case: neither is taken for the other."""
    with Store.from_settings(settings) as store:
        for code in ("AB12", "ab12"):
            store.db["roster"].insert({"code": code, "student_number": code, "name": "王明", "imported_at": "x"})
        assert store.spelled("ab12") == "ab12" and store.spelled("Ab12") == "Ab12"
        assert store.spelled("AB12") == "AB12"
