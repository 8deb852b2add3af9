"""`kiosk centre`: three stations, each its own data folder, export into one shared folder on
this machine; the centre collects one upload from them. A batch killed half-way, a late batch,
a capture code accepted at two stations and a tampered batch: every accepted photo reaches
exactly one upload, the conflict waits for a photographer, the loser is voided at its station."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import cv2
import pytest
from helpers import kiosk
from test_store import RESULTS, make_jpeg

from kiosk.centre import CentreState
from kiosk.clock import FakeClock
from kiosk.store import Override, RosterEntry, Store

TODAY = date.today()
CONFIRMED = [{"id": "confirmed_dyed_hair", "rule": "dyed_hair", "verdict": "pass", "value": None,
              "threshold": "confirmed by the photographer (wang)", "message_zh": "", "message_en": "",
              "priority": 1000}]


@dataclass
class Station:
    """A station as the centre runs it: its own data folder and a config file that holds only
    its id and the shared folder as its [export] folder."""

    id: str
    data: Path
    config: Path

    def kiosk(self, *args: str) -> subprocess.CompletedProcess:
        return kiosk("--config", str(self.config), *args, env={"KIOSK_DATA": str(self.data)})

    def take(self, codes: list[str], hour: int, seed: int, **kw) -> dict[str, bytes]:
        """Accepted photos of `codes` taken today from `hour` on, 5 minutes apart; returns the
        deliverables. The first has two overrides by li and each a confirmation, as on review."""
        clock = FakeClock(wall_start=datetime.combine(TODAY, datetime.min.time()).replace(hour=hour).astimezone())
        photos = {}
        with Store(self.data, self.id, clock) as store:
            store.import_roster([RosterEntry(c, f"2023{c[1:]}", "欧阳娜娜", "") for c in codes], "wang", "roster.csv")
            for i, code in enumerate(codes):
                photos[code] = make_jpeg(seed + i)
                store.save_capture(code, make_jpeg(seed + i + 5000, (640, 360)), photos[code], RESULTS + CONFIRMED,
                                   operator="wang", overrides=[Override("ears_visible", "hearing aid", "li"),
                                                              Override("hair_eyes", "fringe pinned", "li")]
                                   if i == 0 else [], **kw)
                clock.advance(300)
        return photos

    def store(self) -> Store:
        return Store(self.data, self.id)


def station(tmp_path: Path, station_id: str, shared: Path) -> Station:
    data = tmp_path / station_id
    data.mkdir()
    config = tmp_path / f"{station_id}.toml"
    config.write_text(f'[station]\nid = "{station_id}"\n\n[export]\nfolder = "{shared}"\n', encoding="utf-8")
    return Station(station_id, data, config)


def centre(*args: str) -> subprocess.CompletedProcess:
    return kiosk("centre", *args)


def uploads(out: Path) -> dict[str, dict[str, bytes]]:
    """Every upload folder in `out`: name -> {photo file: bytes}."""
    return {f.name: {p.name: p.read_bytes() for p in sorted(f.glob("*.jpg"))}
            for f in sorted(out.glob("upload-*")) if f.is_dir()}


def manifest(folder: Path) -> list[dict]:
    raw = (folder / "manifest.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read the Chinese"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def export_stopped_half_way(s: Station, shared: Path) -> subprocess.Popen:
    """Start the station's nightly export and freeze it (SIGSTOP) as soon as its batch folder
    appears under its temporary name, before the photos are all written."""
    child = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(s.config), "export"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env={**os.environ, "KIOSK_DATA": str(s.data)})
    while child.poll() is None and not list(shared.glob(f".{s.id}-*.partial")):
        time.sleep(0.0002)
    child.send_signal(signal.SIGSTOP)
    return child


def test_three_stations_one_shared_folder_every_photo_uploaded_exactly_once(tmp_path):
    shared, out = tmp_path / "share", tmp_path / "centre"
    shared.mkdir()
    hk1, hk2, hk3 = (station(tmp_path, f"HK-0{i}", shared) for i in (1, 2, 3))
    photos = {**hk1.take(["C0001", "C0002", "C0003"], 9, seed=0),
              **hk3.take([f"C03{i:02d}" for i in range(60)], 10, seed=300)}
    hk2_photos = hk2.take(["C0201", "C0202", "C0001"], 11, seed=200)  # C0001 again: a duplicate code
    photos.update({k: v for k, v in hk2_photos.items() if k != "C0001"})
    assert hk1.kiosk("export").returncode == 0  # [export] folder is the share: nothing else to set
    assert hk2.kiosk("export").returncode == 0
    killed = export_stopped_half_way(hk3, shared)
    try:
        assert list(shared.glob(".HK-03-*.partial")), "the export finished before it could be stopped"
        first = centre("collect", str(shared), "--to", str(out), "--operator", "zhou")
    finally:
        killed.kill()  # SIGKILL: the export dies half-way
        killed.wait()
    assert first.returncode == 1, first.stderr
    assert f"collected HK-01-{TODAY:%Y%m%d}-001: 3 photos" in first.stdout
    assert f"collected HK-02-{TODAY:%Y%m%d}-001: 3 photos" in first.stdout
    assert f"left out HK-03-{TODAY:%Y%m%d}-001: half-written" in first.stderr
    assert "conflict C0001: accepted at HK-01 (taken" in first.stdout and "HK-02 (taken" in first.stdout
    assert "kiosk centre resolve C0001 --keep STATION" in first.stdout
    conflicts = list(csv.DictReader(io.StringIO((out / "conflicts.csv").read_bytes().decode("utf-8-sig"))))
    assert [(r["code"], r["station"], r["state"]) for r in conflicts] == [("C0001", "HK-01", "held"),
                                                                         ("C0001", "HK-02", "held")]
    assert conflicts[0]["taken_at"].startswith(f"{TODAY}T09:00") and conflicts[1]["taken_at"].startswith(f"{TODAY}T11:10")
    upload1 = f"upload-{TODAY:%Y%m%d}-001"
    assert f"upload {upload1}: 4 photos" in first.stdout
    assert list(uploads(out)[upload1]) == ["C0002.jpg", "C0003.jpg", "C0201.jpg", "C0202.jpg"], "C0001 held out"
    rows = manifest(out / upload1)
    assert [(r["code"], r["station"], r["operator"]) for r in rows[:3]] == [
        ("C0002", "HK-01", "wang"), ("C0003", "HK-01", "wang"), ("C0201", "HK-02", "wang")]
    assert rows[2]["overrides"] == "ears_visible: hearing aid (li); hair_eyes: fringe pinned (li)" and rows[2]["confirmations"] == "no_dyed_hair"
    assert rows[0]["name"] == "欧**娜" and "欧阳娜娜" not in (out / upload1 / "manifest.csv").read_text("utf-8-sig")
    assert subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=out / upload1).returncode == 0
    assert (out / f"{upload1}.zip").exists()

    again = centre("collect", str(shared), "--to", str(out))
    assert "nothing new to upload" in again.stdout and "collected" not in again.stdout
    assert list(uploads(out)) == [upload1]

    # The late batch: HK-03's next export finishes the one killed; a tampered batch from HK-01.
    finished = hk3.kiosk("export")
    assert finished.returncode == 0 and "finished interrupted batch" in finished.stdout
    photos.update(hk1.take(["C0004"], 15, seed=400))
    assert hk1.kiosk("export").returncode == 0
    tampered = shared / f"HK-01-{TODAY:%Y%m%d}-002" / "C0004.jpg"
    tampered.write_bytes(make_jpeg(999))
    late = centre("collect", str(shared), "--to", str(out))
    assert late.returncode == 1
    assert f"collected HK-03-{TODAY:%Y%m%d}-001: 60 photos" in late.stdout
    assert (f"left out HK-01-{TODAY:%Y%m%d}-002: C0004.jpg does not match its SHA256SUMS (damaged or changed "
            "after the export)") in late.stderr
    assert f"kiosk export --batch HK-01-{TODAY:%Y%m%d}-002 --again" in late.stderr
    upload2 = f"upload-{TODAY:%Y%m%d}-002"
    assert len(uploads(out)[upload2]) == 60

    # A photographer keeps HK-02's photo of C0001; HK-01 voids its copy at its next export.
    resolved = centre("resolve", "C0001", "--keep", "HK-02", "--to", str(out), "--operator", "zhou")
    assert resolved.returncode == 0, resolved.stderr
    assert "kept HK-02's photo of C0001" in resolved.stdout and "it goes into the next upload" in resolved.stdout
    assert f"HK-01 voids its copy at its next export into {shared}" in resolved.stdout
    assert (out / "conflicts.csv").read_bytes().decode("utf-8-sig").splitlines() == [
        "code,station,taken_at,operator,batch,sha256,state"], "no open conflict is listed"
    assert centre("resolve", "C0001", "--keep", "HK-02", "--to", str(out)).stderr.count("no open conflict") == 1
    hk1.kiosk("export", "--batch", f"HK-01-{TODAY:%Y%m%d}-002", "--again")  # the way out named above
    voiding = hk1.kiosk("export")
    assert "voided C0001 on the centre's word: the same code was accepted at HK-02" in voiding.stdout
    with hk1.store() as store:
        [void] = [a for a in store.audit_log("C0001") if a["action"] == "void"]
        assert void["operator"] == "zhou" and "the centre kept the photo taken at HK-02" in void["detail"]
        assert store.accepted("C0001") is None
    assert "voided" not in hk1.kiosk("export").stdout, "voided once, not at every export"
    with hk2.store() as store:
        assert store.accepted("C0001") is not None

    last = centre("collect", str(shared), "--to", str(out))
    assert last.returncode == 0, last.stderr
    upload3 = f"upload-{TODAY:%Y%m%d}-003"
    assert sorted(uploads(out)[upload3]) == ["C0001.jpg", "C0004.jpg"]
    assert uploads(out)[upload3]["C0001.jpg"] == hk2_photos["C0001"], "HK-02's photo was kept"
    handed_over = Counter(name for files in uploads(out).values() for name in files)
    assert set(handed_over) == {f"{code}.jpg" for code in [*photos, "C0001"]}
    assert max(handed_over.values()) == 1, "a photo in two uploads"
    assert all(data == photos[name[:-4]] for files in uploads(out).values() for name, data in files.items()
               if name != "C0001.jpg")
    assert centre("collect", str(shared), "--to", str(out)).stdout.strip() == "nothing new to upload"

    report = centre("report", "--to", str(out))
    assert report.returncode == 0, report.stderr
    lines = report.stdout.splitlines()
    assert lines[0] == f"day report {TODAY}: 66 photos from 3 stations"  # HK-01's C0001 lost its conflict
    assert lines[2].split() == ["station", "photos", "overrides", "retakes", "conflicts"]
    assert lines[3].split() == ["HK-01", "3", "1", "0", "1"] and lines[4].split() == ["HK-02", "3", "1", "0", "1"]
    assert lines[5].split() == ["HK-03", "60", "1", "0", "0"] and lines[6].split() == ["all", "66", "3", "0", "1"]
    # The conflict is one code, a photo at each of two stations: the legend says why 1 + 1 is 1.
    assert lines[7].startswith("(overrides: photos with one or more") and "all: those codes" in lines[7]
    assert "overrides by rule: ears_visible 3, hair_eyes 3" in report.stdout
    # Photos, as the table counts them: li overrode two rules on each of 3 photos (a trial read 6).
    assert "photos overridden, by photographer: li 3" in report.stdout
    assert "conflicts: 0 open, 1 resolved" in report.stdout
    assert "still to do: nothing" in report.stdout
    chart = cv2.imread(str(out / f"report-{TODAY}.png"))
    assert chart is not None and chart.shape[:2] == (900, 1440)


def test_a_retake_replaces_an_uploaded_photo_and_the_report_counts_it(tmp_path):
    shared, out = tmp_path / "share", tmp_path / "centre"
    shared.mkdir()
    hk1 = station(tmp_path, "HK-01", shared)
    hk1.take(["C0001", "C0002"], 9, seed=0)
    hk1.kiosk("export")
    assert centre("collect", str(shared), "--to", str(out)).returncode == 0
    retake = hk1.take(["C0002"], 14, seed=50, retake_reason="eyes closed")
    hk1.kiosk("export")
    run = centre("collect", str(shared), "--to", str(out))
    assert run.returncode == 0, run.stderr
    assert f"C0002: HK-01 sent a retake taken {TODAY} 14:00" in run.stdout
    assert f"is in upload upload-{TODAY:%Y%m%d}-001: withdraw it there" in run.stdout
    assert uploads(out)[f"upload-{TODAY:%Y%m%d}-002"] == {"C0002.jpg": retake["C0002"]}
    assert manifest(out / f"upload-{TODAY:%Y%m%d}-002")[0]["retakes"] == "1"
    report = centre("report", "--to", str(out), "--png", str(tmp_path / "day.png"))
    assert report.stdout.splitlines()[3].split() == ["HK-01", "2", "2", "1", "0"]
    assert (tmp_path / "day.png").read_bytes().startswith(b"\x89PNG")
    (tmp_path / "taken.png").mkdir()  # a chart that cannot be written: the table still, and why
    unwritten = centre("report", "--to", str(out), "--png", str(tmp_path / "taken.png"))
    assert unwritten.returncode == 1 and "cannot write the chart" in unwritten.stderr and "Traceback" not in \
        unwritten.stderr and unwritten.stdout.splitlines()[3].split() == ["HK-01", "2", "2", "1", "0"]


def test_a_photo_voided_after_its_export_is_left_out_of_the_upload_or_named_for_withdrawal(tmp_path):
    """A trial voided a photo after the station's export, then collected: the voided photo went
    into the centre's upload to CHSI without a word. The station's void now tells the centre
    through the shared folder; one already uploaded is named with its upload."""
    shared, out = tmp_path / "share", tmp_path / "centre"
    shared.mkdir()
    hk1 = station(tmp_path, "HK-01", shared)
    photos = hk1.take(["C0001", "C0002", "C0003"], 9, seed=0)
    hk1.kiosk("export")
    void = hk1.kiosk("void", "C0002", "--reason", "black-and-white")
    assert void.returncode == 0 and "leaves it out of the upload" in void.stdout, void.stdout + void.stderr
    run = centre("collect", str(shared), "--to", str(out))
    assert run.returncode == 0, run.stderr
    assert f"C0002: HK-01 voided its photo taken {TODAY} 09:05 after exporting it; left out of the upload" in run.stdout
    first = f"upload-{TODAY:%Y%m%d}-001"
    assert uploads(out)[first] == {"C0001.jpg": photos["C0001"], "C0003.jpg": photos["C0003"]}
    # Already uploaded: the photographer is told where to withdraw it, once.
    assert hk1.kiosk("void", "C0003", "--reason", "wrong student").returncode == 0
    run = centre("collect", str(shared), "--to", str(out))
    assert f"C0003: HK-01 voided its photo taken {TODAY} 09:10 after exporting it; it is in upload {first}: " \
           "withdraw it there" in run.stdout, run.stdout
    # The day's report says it too: a fifth trial's manager read only the report, and a clean day.
    assert "still to do: to withdraw at CHSI 1 (C0003; withdraw.csv)" in centre("report", "--to", str(out)).stdout
    # A timer's run must not lose it: every collection says it, and withdraw.csv lists it.
    again = centre("collect", str(shared), "--to", str(out))
    assert "C0002" not in again.stdout and "1 photo in earlier uploads no longer counts (voided or retaken)" in again.stdout
    with open(out / "withdraw.csv", encoding="utf-8-sig", newline="") as f:
        assert [(r["code"], r["upload"], r["why"]) for r in csv.DictReader(f)] == [("C0003", first, "voided")]
    with CentreState(out) as state:
        assert {p.code: p.status for p in state.photos()} == {"C0001": "uploaded", "C0002": "voided",
                                                              "C0003": "voided"}
    # Once withdrawn at CHSI, the photographer says so and the reminder ends; a code not on
    # the list (a typo) records nothing.
    typo = centre("withdrawn", "C0001", "--to", str(out), "--operator", "li")
    assert typo.returncode == 1 and "not in withdraw.csv: C0001; nothing was recorded" in typo.stderr
    done = centre("withdrawn", "c0003", "--to", str(out), "--operator", "li")  # typed in lower case
    assert done.returncode == 0 and f"withdrawn at CHSI: C0003 (HK-01's photo taken {TODAY} 09:10, upload {first})" \
        in done.stdout and "0 photos still to withdraw at CHSI" in done.stdout, done.stdout + done.stderr
    again = centre("collect", str(shared), "--to", str(out))
    assert "no longer count" not in again.stdout, again.stdout
    twice = centre("withdrawn", "C0003", "--to", str(out))
    assert twice.returncode == 1 and "C0003 (recorded as withdrawn at " in twice.stderr, twice.stderr
    with open(out / "withdraw.csv", encoding="utf-8-sig", newline="") as f:
        assert list(csv.DictReader(f)) == []
    with CentreState(out) as state:
        assert [(a["action"], a["operator"]) for a in state.audit_log("C0003")][-1] == ("withdrawn_at_chsi", "li")
    # The void was a mistake: the same photo, the same bytes, is stored again and exported in
    # a later batch. A trial's centre took it for the voided one and left it out for good.
    assert hk1.take(["C0003"], 11, seed=2)["C0003"] == photos["C0003"]
    assert hk1.kiosk("export").returncode == 0
    run = centre("collect", str(shared), "--to", str(out))
    assert run.returncode == 0 and "C0003" not in run.stdout and "upload-" in run.stdout, run.stdout
    assert {name: files for name, files in uploads(out).items() if name != first} == {
        f"upload-{TODAY:%Y%m%d}-002": {"C0003.jpg": photos["C0003"]}}, run.stdout


def test_a_batch_exported_elsewhere_is_named_until_it_arrives(tmp_path):
    """A trial exported one night's batch to a drive (`--to`) and the next into the share: the
    centre collected the two it saw and never said that one was missing."""
    shared, out, drive = tmp_path / "share", tmp_path / "centre", tmp_path / "drive"
    shared.mkdir()
    drive.mkdir()
    hk1 = station(tmp_path, "HK-01", shared)
    hk1.take(["C0001"], 9, seed=0)
    hk1.kiosk("export")
    hk1.take(["C0002"], 10, seed=10)
    hk1.kiosk("export", "--to", str(drive))
    hk1.take(["C0003"], 11, seed=20)
    hk1.kiosk("export")
    second = f"HK-01-{TODAY:%Y%m%d}-002"
    for _ in range(2):  # said at every run while it is missing, and a timer's run fails
        run = centre("collect", str(shared), "--to", str(out))
        assert f"batch {second} has not arrived in {shared}" in run.stderr, run.stderr
        assert run.returncode == 1
    shutil.copytree(drive / second, shared / second)
    run = centre("collect", str(shared), "--to", str(out))
    assert f"collected {second}: 1 photo" in run.stdout and "has not arrived" not in run.stderr
    assert run.returncode == 0, run.stderr


def test_a_second_centre_folder_never_uploads_the_same_photos_again(tmp_path):
    """A trial collected with --to, then without it: the default centre folder, a state of its
    own, built a second upload of photos already uploaded."""
    shared, out, other = tmp_path / "share", tmp_path / "centre", tmp_path / "elsewhere"
    shared.mkdir()
    hk1 = station(tmp_path, "HK-01", shared)
    hk1.take(["C0001"], 9, seed=0)
    hk1.kiosk("export")
    assert centre("collect", str(shared), "--to", str(out)).returncode == 0
    second = centre("collect", str(shared), "--to", str(other))
    assert second.returncode != 0 and f"is collected into {out}" in second.stderr, second.stderr
    assert not other.exists() and "Traceback" not in second.stderr  # no empty centre state left there
    assert centre("collect", str(shared), "--to", str(out)).returncode == 0  # the centre's own folder goes on


def test_foreign_and_damaged_batches_are_named_and_the_rest_go_on(tmp_path):
    shared, out = tmp_path / "share", tmp_path / "centre"
    shared.mkdir()
    hk1, hk2 = station(tmp_path, "HK-01", shared), station(tmp_path, "HK-02", shared)
    hk1.take(["C0001"], 9, seed=0)
    hk2.take(["C0201"], 9, seed=200)
    hk1.kiosk("export")
    hk2.kiosk("export")
    assert centre("collect", str(shared), "--to", str(out)).returncode == 0

    # A second machine configured as HK-01, its batch carried over on a USB drive.
    usb = tmp_path / "usb"
    usb.mkdir()
    twin = Station("HK-01", tmp_path / "twin", hk1.config)
    twin.data.mkdir()
    twin.take(["C0301"], 10, seed=300)
    twin.kiosk("export", "--to", str(usb))
    [batch] = [p for p in usb.iterdir() if p.is_dir()]
    batch.rename(shared / f"HK-01-{TODAY:%Y%m%d}-007")
    # Photos copied by hand into a folder named like a batch, and a batch whose manifest was edited.
    by_hand = shared / f"HK-09-{TODAY:%Y%m%d}-001"
    by_hand.mkdir()
    (by_hand / "C0901.jpg").write_bytes(make_jpeg(901))
    (by_hand / "SHA256SUMS").write_text("")
    hk2.take(["C0202"], 12, seed=210)
    hk2.kiosk("export")
    edited = shared / f"HK-02-{TODAY:%Y%m%d}-002" / "manifest.csv"
    edited.write_bytes(edited.read_bytes().replace(b"C0202,", b"C0299,"))
    hk2.take(["C0203"], 13, seed=220)
    hk2.kiosk("export")

    run = centre("collect", str(shared), "--to", str(out))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert (f"left out HK-01-{TODAY:%Y%m%d}-007: written by another machine than the earlier batches of HK-01"
            in run.stderr) and "Give each machine its own [station] id" in run.stderr
    assert f"left out HK-09-{TODAY:%Y%m%d}-001: not written by a station's `kiosk export`" in run.stderr
    assert f"left out HK-02-{TODAY:%Y%m%d}-002: manifest.csv does not match its SHA256SUMS" in run.stderr
    assert f"collected HK-02-{TODAY:%Y%m%d}-003: 1 photo" in run.stdout
    assert list(uploads(out)[f"upload-{TODAY:%Y%m%d}-002"]) == ["C0203.jpg"]
    assert run.stderr.count("left out") == 3


def test_collect_for_an_earlier_day_leaves_later_batches_for_their_own_upload(tmp_path):
    shared, out = tmp_path / "share", tmp_path / "centre"
    shared.mkdir()
    hk1 = station(tmp_path, "HK-01", shared)
    hk1.take(["C0001"], 9, seed=0)
    hk1.kiosk("export")
    yesterday = TODAY - timedelta(days=1)
    early = centre("collect", str(shared), "--to", str(out), "--date", str(yesterday))
    assert early.returncode == 0 and "nothing new to upload" in early.stdout
    assert f"1 batch exported after {yesterday} waits for a later upload: HK-01-{TODAY:%Y%m%d}-001" in early.stdout
    assert f"upload upload-{TODAY:%Y%m%d}-001: 1 photo" in centre("collect", str(shared), "--to", str(out)).stdout


@pytest.mark.parametrize("args, says", [
    (["collect", "{tmp}/no-share", "--to", "{tmp}/centre"], "does not exist or is not a folder: mount the share"),
    (["collect", "{tmp}/share", "--to", "{tmp}/share/centre"], "give the centre a folder of its own"),
    (["collect", "{tmp}/share", "--to", "{tmp}/centre", "--date", str(TODAY + timedelta(days=1))], "is in the future"),
    (["collect", "{tmp}/share", "--to", "{tmp}/centre", "--date", "20/06/2026"], "write it as YYYY-MM-DD"),
    (["resolve", "C0001", "--keep", "HK-01", "--to", "{tmp}/nothing"], "holds no centre state: run `kiosk"),
    (["report", "--to", "{tmp}/nothing"], "holds no centre state: run `kiosk centre collect SHARED_DIR"),
])
def test_bad_input_says_what_is_wrong_and_what_to_do(tmp_path, args, says):
    (tmp_path / "share").mkdir()
    run = centre(*(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert run.returncode != 0 and says in run.stderr and "Traceback" not in run.stderr


def test_resolve_names_the_stations_to_choose_from(tmp_path):
    shared, out = tmp_path / "share", tmp_path / "centre"
    shared.mkdir()
    for s in (station(tmp_path, "HK-01", shared), station(tmp_path, "HK-02", shared)):
        s.take(["C0001"], 9, seed=0)
        s.kiosk("export")
    centre("collect", str(shared), "--to", str(out))
    wrong = centre("resolve", "C0001", "--keep", "HK-03", "--to", str(out))
    assert wrong.returncode == 1 and "HK-03 sent no photo of C0001: keep one of HK-01, HK-02" in wrong.stderr
    # Typed in lower case (a trial was told "no open conflict"): the code and station it means.
    assert centre("resolve", "c0001", "--keep", "hk-01", "--to", str(out), "--operator", "zhou").returncode == 0
    voids = json.loads((shared / "centre-resolutions.json").read_text())["voids"]
    assert [(v["code"], v["station"], v["kept_station"], v["operator"]) for v in voids] == [
        ("C0001", "HK-02", "HK-01", "zhou")]
    with CentreState(out) as state:
        [audit] = [a for a in state.audit_log("C0001") if a["action"] == "resolve"]
        assert audit["operator"] == "zhou" and json.loads(audit["detail"])["voided"] == ["HK-02"]


def test_a_collection_killed_half_way_is_finished_by_the_next_with_the_same_photos(tmp_path):
    shared, out = tmp_path / "share", tmp_path / "centre"
    shared.mkdir()
    hk1 = station(tmp_path, "HK-01", shared)
    codes = [f"C{i:04d}" for i in range(80)]
    hk1.take(codes, 9, seed=0)
    hk1.kiosk("export")
    child = subprocess.Popen([sys.executable, "-m", "kiosk", "centre", "collect", str(shared), "--to", str(out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while child.poll() is None and not list(out.glob(".upload-*.partial")):
        time.sleep(0.0002)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL, "the collection finished before it could be killed"
    assert uploads(out) == {}
    run = centre("collect", str(shared), "--to", str(out))
    assert run.returncode == 0, run.stderr
    upload = f"upload-{TODAY:%Y%m%d}-001"
    assert f"finished interrupted upload {upload}: 80 photos" in run.stdout and "collected" not in run.stdout
    assert list(uploads(out)) == [upload] and sorted(uploads(out)[upload]) == [f"{c}.jpg" for c in codes]
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == [], "temporary files left behind"
    assert centre("collect", str(shared), "--to", str(out)).stdout.strip() == "nothing new to upload"


def test_a_centre_state_from_before_the_chsi_withdrawals_opens_and_keeps_its_photos(tmp_path):
    """A centre folder made by the release before `kiosk centre withdrawn` (schema version 1)."""
    import sqlite3

    from kiosk.centre import state as centre_state

    out = tmp_path / "centre"
    out.mkdir()
    db = sqlite3.connect(out / centre_state.DB_NAME)
    for statement in centre_state.SCHEMA.split(";"):
        db.execute(statement)
    db.execute("INSERT INTO batches VALUES (1, 'HK-01-20261130-001', 'store', 'HK-01', 'sums', 1, 'now')")
    db.execute("INSERT INTO uploads VALUES (1, 'upload-20261130-001', '2026-11-30', 'complete', 'now', 'now', 1)")
    db.execute("INSERT INTO photos (id, batch_id, code, student_number, name, file, sha256, taken_at, station, "
               "operator, overrides, confirmations, retakes, status, upload_id) VALUES (1, 1, 'C0001', '1', '张*', "
               "'C0001.jpg', 'abc', '2026-11-30T09:00:00+08:00', 'HK-01', 'wang', '', '', 0, 'voided', 1)")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with CentreState(out) as state:
        assert [p.code for p in state.to_withdraw()] == ["C0001"]
        assert [p.code for p in state.withdrawn_at_chsi(["C0001"], "li")] == ["C0001"]
        assert state.to_withdraw() == []


def test_one_photo_under_two_codes_from_two_stations_is_held_until_one_is_voided(tmp_path):
    """A trial added one photo as C0001 at HK-01 and as C0002 at HK-02: each station alone
    cannot see it, and the upload held both."""
    shared, out = tmp_path / "share", tmp_path / "centre"
    shared.mkdir()
    hk1, hk2 = station(tmp_path, "HK-01", shared), station(tmp_path, "HK-02", shared)
    photo = hk1.take(["C0001"], 9, seed=0)["C0001"]
    assert hk2.take(["C0002"], 10, seed=0)["C0002"] == photo  # the same file, another student
    hk1.take(["C0003"], 11, seed=30)
    hk2.take(["D0003"], 12, seed=40)  # another college's student with the same student number
    for s in (hk1, hk2):
        s.kiosk("export")
    run = centre("collect", str(shared), "--to", str(out))
    assert run.returncode == 1
    assert f"one photo under two capture codes: C0001 at HK-01 (taken {TODAY} 09:00); C0002 at HK-02 " \
           f"(taken {TODAY} 10:00). Held out of the upload" in run.stderr, run.stderr
    assert "warning: one student number under two capture codes: C0003 at HK-01" in run.stderr
    [upload] = uploads(out).values()
    assert sorted(upload) == ["C0003.jpg", "D0003.jpg"], "the one photo of two codes is in no upload"
    assert "still to do: held out of the upload 2 (C0001, C0002;" in centre("report", "--to", str(out)).stdout
    # HK-02 voids its copy and exports: the other goes into the next upload, once.
    assert hk2.kiosk("void", "C0002", "--reason", "wrong student").returncode == 0
    hk2.kiosk("export")
    run = centre("collect", str(shared), "--to", str(out))
    assert run.returncode == 0 and "two capture codes" not in run.stderr, run.stderr
    assert {name: sorted(files) for name, files in uploads(out).items()}[f"upload-{TODAY:%Y%m%d}-002"] == ["C0001.jpg"]
    again = centre("collect", str(shared), "--to", str(out))
    assert again.returncode == 0 and "nothing new to upload" in again.stdout and "two capture codes" not in again.stderr


def test_a_code_spelt_in_two_cases_at_two_stations_is_one_conflict(tmp_path):
    """A trial's stations imported one college file in lower and in upper case: the upload
    held hk3001.jpg and HK3001.jpg, one student twice."""
    shared, out = tmp_path / "share", tmp_path / "centre"
    shared.mkdir()
    hk1, hk2 = station(tmp_path, "HK-01", shared), station(tmp_path, "HK-02", shared)
    hk1.take(["c0001"], 9, seed=0)
    hk2.take(["C0001"], 10, seed=10)
    for s in (hk1, hk2):
        s.kiosk("export")
    run = centre("collect", str(shared), "--to", str(out))
    assert run.returncode == 1 and "conflict C0001: accepted at HK-01" in run.stdout, run.stdout
    assert uploads(out) == {}
    assert centre("resolve", "C0001", "--keep", "HK-02", "--to", str(out)).returncode == 0
    assert hk1.kiosk("export").returncode == 0  # HK-01 voids its copy on the centre's word
    with Store(hk1.data, "HK-01") as store:
        assert store.accepted("c0001") is None
    run = centre("collect", str(shared), "--to", str(out))
    assert run.returncode == 0, run.stdout + run.stderr
    [upload] = uploads(out).values()
    assert list(upload) == ["C0001.jpg"]
    # A day without photos gets its report and chart without a word of matplotlib's.
    empty = centre("report", "--to", str(out), "--date", "2026-01-05")
    assert empty.returncode == 0 and empty.stderr == "", empty.stderr
