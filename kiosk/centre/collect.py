"""`kiosk centre collect`: every station batch in the shared folder into the centre's upload,
each accepted photo exactly once.

A batch is verified whole before anything of it is recorded: written by a station's export
(its .kiosk-store marker), every file as its SHA256SUMS says and nothing more, the manifest's
rows matching those files, the station id belonging to the store that first sent it. A batch
that fails is named and left out; it is tried again at the next run (a half-copied folder
completes, a station finishes an interrupted export). A batch recorded once is never recorded
again, so a second run adds nothing and a batch that arrives late goes into the next upload.

The upload is built like a station batch: photos assigned to it in one transaction, written
under temporary names, renamed, then marked complete; an interrupted upload is built again,
with the same photos, by the next run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from kiosk.centre.state import DB_NAME, CentreError, CentreState, Photo, claimed_elsewhere, share_claim
from kiosk.store.export import MANIFEST, MARKER, SUMS, WITHDRAWN, check_pattern, seal
from kiosk.store.files import fsync_dir, sha256_bytes, sha256_file, write_durably
from kiosk.store.store import StoreError, check_code

# A station batch folder: kiosk.store.export names it <station>-<YYYYMMDD>-<NNN>.
BATCH_NAME = re.compile(r"(?P<station>.+)-(?P<day>\d{8})-(?P<seq>\d{3,})")
STORE_ID = re.compile(r"[0-9a-f]{32}")
NEEDED_COLUMNS = ("code", "file", "sha256", "taken_at", "station", "operator")
UPLOAD_COLUMNS = ("code", "student_number", "name", "file", "sha256", "taken_at", "station", "operator",
                  "overrides", "confirmations", "retakes", "batch")


@dataclass(frozen=True)
class StationBatch:
    """A verified station batch: its folder, store id, SHA-256 of its SHA256SUMS, manifest rows."""

    folder: Path
    station: str
    store_id: str
    sums_sha256: str
    rows: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class Upload:
    name: str
    folder: Path
    count: int


@dataclass(frozen=True)
class CollectResult:
    collected: tuple[tuple[str, int], ...]  # (batch name, photos) recorded by this run
    left_out: tuple[str, ...]  # one message per batch left out: what is wrong and what to do
    missing: tuple[str, ...]  # one message per batch missing from a station's numbered ones: where it may be
    later: tuple[str, ...]  # batches of a day after the upload's day: they wait for their own
    notes: tuple[str, ...]  # retakes replacing an uploaded photo
    conflicts: dict[str, list[Photo]]  # every open conflict, new or old
    same_photo: list[list[Photo]]  # one photo under two codes, held: per group its live photos
    same_number: list[list[Photo]]  # codes sharing a student number, a photo of them in this upload
    withdraw: int  # photos in an upload that no longer count, listed in OUT/withdraw.csv
    upload: Upload | None  # None: no photo was waiting
    recovered: Upload | None  # an upload an interrupted run left unfinished, now finished


def collect(shared: Path, out: Path, day: date, file_pattern: str, operator: str, clock=None) -> CollectResult:
    """Collect every batch in `shared` exported on `day` or before and not collected yet,
    then build upload `upload-<YYYYMMDD>-<NNN>` in `out` from every photo waiting (this run's,
    and those a resolution freed), named by `file_pattern` ({code}, {student_number},
    {station}). Writes `out`/conflicts.csv and, when there are resolutions, the resolutions
    file in `shared`. A CentreError for a missing shared folder, a bad pattern or an upload
    that cannot be written (nothing is marked uploaded then)."""
    check_pattern(file_pattern)
    if not shared.is_dir():
        raise CentreError(f"the shared folder {shared} does not exist or is not a folder: mount the share or "
                          "connect the drive the stations export into")
    if out.resolve() == shared.resolve() or shared.resolve() in out.resolve().parents:
        raise CentreError(f"--to {out} lies in the shared folder {shared}: give the centre a folder of its own "
                          "on this machine (the stations' batches stay in the share)")
    if not (out / DB_NAME).exists() and (claim := share_claim(shared)) is not None:
        raise claimed_elsewhere(shared, claim, out)  # before a centre state is made there for nothing
    with CentreState(out, clock) as state:
        if day > state.today():
            raise CentreError(f"{day} is in the future: collect for a day up to today ({state.today()})")
        try:
            state.claim_share(shared)
        except OSError as e:
            raise CentreError(f"the shared folder {shared} cannot be written ({e.strerror}): the centre marks it as "
                              "its own there; check the share's mount and permissions") from e
        recovered = [_build(state, shared, out, u, file_pattern, operator) for u in _unfinished(state)]
        batches, left_out, later = _scan(state, shared, day)
        notes = []
        with state.write():
            state.remember_share(shared)
            for batch in batches:
                notes += _record(state, batch, operator)
            notes += _withdrawals(state, shared, operator)
            same_photo, same_number = state.hold_duplicates(operator)
            upload = _new_upload(state, day, operator)
        missing = _missing_batches(state, shared)
        built = _build(state, shared, out, upload, file_pattern, operator) if upload else None
        state.write_conflicts()
        withdraw = state.write_withdrawals()
        if state.db.execute("SELECT count(*) FROM resolutions").fetchone()[0]:
            try:
                state.publish(shared)
            except OSError as e:
                notes.append(f"the resolutions could not be written into {shared} ({e.strerror}): the stations "
                             "whose copies were voided keep exporting them until a collection can write there")
        return CollectResult(
            collected=tuple((b.folder.name, len(b.rows)) for b in batches), left_out=tuple(left_out),
            missing=tuple(missing), later=tuple(later), notes=tuple(notes), conflicts=state.conflicts(),
            same_photo=same_photo, same_number=same_number, withdraw=withdraw, upload=built,
            recovered=recovered[-1] if recovered else None)


def _scan(state: CentreState, shared: Path, day: date) -> tuple[list[StationBatch], list[str], list[str]]:
    batches, left_out, later = [], [], []
    seen = {(r["store_id"], r["name"]): r["sums_sha256"] for r in state.db.query("SELECT * FROM batches")}
    pins = {r["station"]: r["store_id"] for r in state.db.query("SELECT * FROM stations")}
    try:
        entries = sorted(shared.iterdir())
    except OSError as e:
        raise CentreError(f"the shared folder {shared} cannot be read ({e.strerror}): check the share's mount "
                          "and its permissions") from e
    for entry in entries:
        name = entry.name
        if not entry.is_dir():
            continue  # the stations' zips (the folders are what is verified), the resolutions file
        if name.startswith(".") and name.endswith(".partial"):
            left_out.append(f"{name[1:-8]}: half-written (its station's export was interrupted, or is running "
                            "now). The station's next `kiosk export` finishes it, and the next "
                            "collection takes it")
            continue
        match = BATCH_NAME.fullmatch(name)
        exported = _day(match["day"]) if match else None
        looks_like_batch = (entry / MANIFEST).exists() or (entry / SUMS).exists()
        if name.startswith(".") or (not exported and not looks_like_batch):
            continue  # a drive's own folders (.Trash-1000, System Volume Information)
        if not exported:
            left_out.append(f"{name}: not a station batch (a batch is named STATION-YYYYMMDD-NNN). "
                            f"Keep only the stations' batches in {shared}")
            continue
        if exported > day:
            later.append(name)
            continue
        try:
            store_id = (entry / MARKER).read_text().strip()
        except OSError:
            store_id = ""
        if not STORE_ID.fullmatch(store_id):
            left_out.append(f"{name}: not written by a station's `kiosk export` (no {MARKER} with a store id); "
                            "export it again from its station")
            continue
        if (store_id, name) in seen:
            if _sums_digest(entry) != seen[store_id, name]:
                left_out.append(f"{name}: changed since it was collected (its SHA256SUMS differs); the photos "
                                "collected before stand. Find out who changed the batch in the shared folder")
            continue
        station = match["station"]
        if pins.get(station, store_id) != store_id:
            left_out.append(f"{name}: written by another machine than the earlier batches of {station} (two "
                            f"machines with the station id {station}?). Give each machine its own "
                            "[station] id (a reinstalled station a new one) and export this batch again")
            continue
        try:
            batches.append(read_batch(entry, station, store_id))
        except CentreError as e:
            left_out.append(f"{name}: {e}")
            continue
        except OSError as e:  # the share went away, or a file is unreadable
            left_out.append(f"{name}: cannot be read ({e.strerror}); check the share and collect again")
            continue
        pins[station] = store_id
    return batches, left_out, later


def _day(yyyymmdd: str) -> date | None:
    try:
        return datetime.strptime(yyyymmdd, "%Y%m%d").date()
    except ValueError:
        return None


def _sums_digest(folder: Path) -> str:
    try:
        return sha256_file(folder / SUMS)
    except OSError:
        return ""


def read_batch(folder: Path, station: str, store_id: str) -> StationBatch:
    """Verify a station batch folder against its SHA256SUMS and manifest. A CentreError saying
    what is wrong (damaged, tampered, half-copied) and what to do."""
    redo = (f"rebuild it at its station with `kiosk export --batch {folder.name} --again` "
            "(or copy it into the shared folder again)")
    try:
        sums = (folder / SUMS).read_bytes()
    except OSError:
        raise CentreError(f"has no {SUMS} (half-copied or damaged); {redo}") from None
    listed: dict[str, str] = {}
    for line in sums.decode("utf-8", "replace").splitlines():
        digest, _, name = line.partition("  ")
        if not re.fullmatch(r"[0-9a-f]{64}", digest) or Path(name).name != name or name in (MARKER, SUMS):
            raise CentreError(f"its {SUMS} has a line that is not `SHA256  FILE`: {line[:80]!r}; {redo}")
        listed[name] = digest
    present = {p.name for p in folder.iterdir()} - {MARKER, SUMS}
    if extra := sorted(present - set(listed)):
        raise CentreError(f"holds {extra[0]}, which its {SUMS} does not list (tampered with); {redo}")
    if missing := sorted(set(listed) - present):
        raise CentreError(f"{missing[0]} is missing (half-copied?); {redo}")
    for name, digest in sorted(listed.items()):
        if sha256_file(folder / name) != digest:
            raise CentreError(f"{name} does not match its {SUMS} (damaged or changed after the export); {redo}")
    if MANIFEST not in listed:
        raise CentreError(f"has no {MANIFEST}; {redo}")
    text = (folder / MANIFEST).read_bytes().decode("utf-8-sig", "replace")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    columns = set(rows[0]) if rows else set()
    if lacking := [c for c in NEEDED_COLUMNS if c not in columns]:
        raise CentreError(f"its {MANIFEST} lacks the column {lacking[0]}; {redo}")
    photos = {n for n in listed if n != MANIFEST}
    if sorted(r["file"] for r in rows) != sorted(photos):
        raise CentreError(f"its {MANIFEST} and its photos disagree (each photo must have one row); {redo}")
    codes = set()
    for r in rows:
        if r["sha256"] != listed[r["file"]]:
            raise CentreError(f"its {MANIFEST} gives {r['file']} another SHA-256 than its {SUMS}; {redo}")
        try:
            codes.add(check_code(r["code"]))
        except StoreError as e:
            raise CentreError(f"{e} in its {MANIFEST}; {redo}") from None
    if len(codes) != len(rows):
        raise CentreError(f"its {MANIFEST} names a capture code twice; {redo}")
    return StationBatch(folder, station, store_id, hashlib.sha256(sums).hexdigest(), tuple(rows))


def _record(state: CentreState, batch: StationBatch, operator: str) -> list[str]:
    """Record a verified batch and its photos (inside the caller's transaction)."""
    state.db["stations"].insert({"station": batch.station, "store_id": batch.store_id,
                                 "first_batch": batch.folder.name}, ignore=True)
    batch_id = state.db["batches"].insert(
        {"name": batch.folder.name, "store_id": batch.store_id, "station": batch.station,
         "sums_sha256": batch.sums_sha256, "photos": len(batch.rows), "collected_at": state.stamp()}).last_pk
    state.db["photos"].insert_all(
        {"batch_id": batch_id, "code": r["code"], "student_number": r.get("student_number", ""),
         "name": r.get("name", ""), "file": r["file"], "sha256": r["sha256"], "taken_at": r["taken_at"],
         "station": batch.station, "operator": r["operator"], "overrides": r.get("overrides", ""),
         "confirmations": r.get("confirmations", ""), "retakes": int(r.get("retakes") or 0), "status": "waiting"}
        for r in batch.rows)
    state.audit(operator, "collect", None, batch=batch.folder.name, station=batch.station, photos=len(batch.rows))
    notes = []
    for code in sorted({r["code"] for r in batch.rows}):
        notes += state.settle(code, operator)
    return notes


def _missing_batches(state: CentreState, shared: Path) -> list[str]:
    """A station's batches of a day are numbered 001, 002...: one missing below the highest
    collected was exported somewhere else (`kiosk export --to` a drive) or is on its way. Said
    at every run until it is collected (and the run fails); its photos are marked exported at the station."""
    notes = []
    seqs: dict[tuple[str, str, str], set[int]] = {}
    for r in state.db.query("SELECT name, store_id, station FROM batches"):
        if match := BATCH_NAME.fullmatch(r["name"]):
            seqs.setdefault((r["store_id"], match["station"], match["day"]), set()).add(int(match["seq"]))
    for (_, station, day), have in sorted(seqs.items(), key=lambda kv: kv[0][1:]):
        for seq in sorted(set(range(1, max(have))) - have):
            name = f"{station}-{day}-{seq:03d}"
            if (shared / name).exists():
                continue  # it is here and was left out: the left-out message says why
            notes.append(f"batch {name} has not arrived in {shared}: its photos count as exported at {station}; "
                         f"copy the batch folder here, or rebuild it there into this folder (`kiosk export --batch "
                         f"{name} --again --to {shared}`)")
    return notes


def _withdrawals(state: CentreState, shared: Path, operator: str) -> list[str]:
    """The photos each station voided after exporting them (its WITHDRAWN file in the share,
    kiosk.store.export.publish_withdrawals) are voided here too (inside the caller's
    transaction). Returns what the photographer must know."""
    notes = []
    for path in sorted(shared.glob(WITHDRAWN.format(store_id="*"))):
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            store_id = str(body["store_id"])
            # The batch too: the same bytes may come again in a later batch (a photo voided by
            # mistake and added again), and that photo counts.
            withdrawn = [(check_code(str(w["code"])), str(w["sha256"]), w.get("batch")) for w in body["withdrawn"]]
        except (OSError, ValueError, KeyError, TypeError, StoreError) as e:
            notes.append(f"{path} cannot be read ({e}): the photos its station voided after exporting them may "
                         "still be uploaded; run `kiosk export` at that station to write it again")
            continue
        for code, sha256, batch in withdrawn:
            notes += state.withdraw(store_id, code, sha256, operator, batch)
    return notes


def _unfinished(state: CentreState) -> list[Upload]:
    return [Upload(r["name"], state.folder / r["name"], r["count"])
            for r in state.db.query("SELECT * FROM uploads WHERE status = 'building' ORDER BY id")]


def _new_upload(state: CentreState, day: date, operator: str) -> Upload | None:
    """Assign every waiting photo to a new upload (inside the caller's transaction)."""
    waiting = state.db.execute("SELECT count(*) FROM photos WHERE status = 'waiting'").fetchone()[0]
    if not waiting:
        return None
    prefix = f"upload-{day:%Y%m%d}-"
    seq = state.db.execute("SELECT count(*) FROM uploads WHERE name LIKE ?", [prefix + "%"]).fetchone()[0]
    name = f"{prefix}{seq + 1:03d}"
    upload_id = state.db["uploads"].insert({"name": name, "day": day.isoformat(), "status": "building",
                                            "created_at": state.stamp(), "count": waiting}).last_pk
    state.db.execute("UPDATE photos SET status = 'uploaded', upload_id = ? WHERE status = 'waiting'", [upload_id])
    state.audit(operator, "upload_start", None, upload=name, photos=waiting)
    return Upload(name, state.folder / name, waiting)


def _build(state: CentreState, shared: Path, out: Path, upload: Upload, file_pattern: str, operator: str) -> Upload:
    """Write the upload's folder and zip from the photos assigned to it; mark it complete."""
    photos = sorted(state.photos("u.name = ?", [upload.name]), key=lambda p: p.code)
    names = [file_pattern.format(code=p.code, student_number=p.student_number, station=p.station) for p in photos]
    if len(set(names)) != len(names):
        raise CentreError(f"[centre] file_pattern {file_pattern!r} gives two photos the same name: put {{code}} in it")
    work, zip_tmp = out / f".{upload.name}.partial", out / f".{upload.name}.zip.partial"
    final = out / upload.name
    try:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        sums, rows = [], []
        for p, name in zip(photos, names):
            source = shared / p.batch / p.file
            try:
                data = source.read_bytes()
            except OSError as e:
                raise CentreError(f"{source} cannot be read ({e.strerror}): is the share still mounted? Run the "
                                  f"collection again; upload {upload.name} is built then") from e
            if sha256_bytes(data) != p.sha256:
                raise CentreError(f"{source} changed since its batch was verified: find out who changed it; "
                                  f"upload {upload.name} was not written")
            write_durably(work / name, data, sync_dir=False)
            sums.append(f"{p.sha256}  {name}\n")
            rows.append({"code": p.code, "student_number": p.student_number, "name": p.name, "file": name,
                         "sha256": p.sha256, "taken_at": p.taken_at, "station": p.station, "operator": p.operator,
                         "overrides": p.overrides, "confirmations": p.confirmations, "retakes": p.retakes,
                         "batch": p.batch})
        seal(work, upload.name, UPLOAD_COLUMNS, rows, sums, zip_tmp)
        if final.exists():  # an earlier, interrupted run of this upload got this far
            shutil.rmtree(final)
        os.replace(work, final)
        os.replace(zip_tmp, out / f"{upload.name}.zip")
        fsync_dir(out)
    except OSError as e:
        raise CentreError(f"the upload could not be written to {out} ({e}): free space or fix the folder and "
                          f"run the collection again; upload {upload.name} is built then") from e
    finally:
        shutil.rmtree(work, ignore_errors=True)
        zip_tmp.unlink(missing_ok=True)
    with state.write():
        state.db.execute("UPDATE uploads SET status = 'complete', completed_at = ?, count = ? WHERE name = ?",
                         [state.stamp(), len(photos), upload.name])
        state.audit(operator, "upload", None, upload=upload.name, photos=len(photos))
    return Upload(upload.name, final, len(photos))

