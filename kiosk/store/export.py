"""The nightly export: every accepted photo handed over in exactly one batch.

Captures are assigned to a batch in one transaction before any file is written, so a
batch's contents never change. The batch is built under temporary names, flushed and
renamed; only then is it marked complete. A run that finds a batch still `building`
(the previous run was killed or failed) builds that same batch again first.

A centre of several stations (kiosk.centre) collects the batches from one shared folder.
When the same capture code was accepted at two stations, the centre's photographer keeps
one, and the centre writes RESOLUTIONS into the shared folder; each export into that folder
reads it first and voids this station's copy that lost (audited), so it is never handed over.
The other way round, each station keeps WITHDRAWN in the shared folder: the photos it voided
after exporting them, so the centre leaves them out of its upload (or says to withdraw them).
"""

import errno
import io
import json
import logging
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from kiosk.masking import mask_name
from kiosk.messages import short_time
from kiosk.store.csvsafe import write_rows
from kiosk.store.files import fsync_dir, read_verified, sha256_bytes, sha256_file, write_durably
from kiosk.store.store import Capture, Store, StoreError

log = logging.getLogger(__name__)

MANIFEST = "manifest.csv"
SUMS = "SHA256SUMS"
# Holds the id of the store that wrote the batch folder; kept out of the zip.
MARKER = ".kiosk-store"
MANIFEST_COLUMNS = (
    "code", "student_number", "name", "file", "sha256", "taken_at", "station", "operator", "overrides",
    # what the photographer confirmed on review (no dyed hair, no make-up...), and how many
    # earlier photos of the code this station replaced: the centre's day report counts both
    "confirmations", "retakes",
    # the identity pre-check against the student's reference photo: the similarity (3 places;
    # empty when there is none) and "likely", "unsure", "unlikely" or why there is no score
    # (kiosk.store.store.UNSCORED_VERDICTS); both empty when the photo was not compared.
    # The reference photo itself never leaves the station.
    "identity_score", "identity_verdict",
)
# Written by the centre into the shared folder (kiosk.centre.state.publish): which station's
# copy of a capture code lost a conflict. JSON {"voids": [{"code", "store_id", "station",
# "sha256", "kept_station", "operator", "resolved_at"}, ...]}, rewritten whole at every change.
RESOLUTIONS = "centre-resolutions.json"
# Written by each station into the folder it exports to, rewritten whole at every export and
# every void of an exported photo: the photos it exported and voided since, which the centre
# must not upload. JSON {"store_id", "station", "withdrawn": [{"code", "sha256", "batch",
# "voided_at"}, ...]} (no names, no reasons: those stay on the station).
WITHDRAWN = "withdrawn-{store_id}.json"
# Head room on top of the photos' own size: manifest, sums, zip directory, file system blocks.
SPACE_MARGIN = 1 << 20

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Batch:
    id: int
    name: str
    target: str
    status: str
    created_at: str
    completed_at: str | None
    count: int

    def folder(self, target: Path | None = None) -> Path:
        return Path(target or self.target) / self.name


@dataclass(frozen=True)
class ExportResult:
    batch: Batch | None  # None: nothing new to export
    recovered: Batch | None = None  # a batch an earlier, interrupted run left unfinished
    left_out: tuple[str, ...] = ()  # one message per stored photo that could not be read
    voided: tuple[str, ...] = ()  # one message per copy voided on the centre's word (RESOLUTIONS)


def default_target(settings: Any) -> Path:
    from kiosk.paths import data_dir

    return Path(settings.export.folder).expanduser() if settings.export.folder else data_dir(settings) / "exports"


def batches(store: Store) -> list[Batch]:
    return [Batch(**r) for r in store.db.query("SELECT * FROM batches ORDER BY id")]


def find_batch(store: Store, name_or_id: str) -> Batch:
    for b in batches(store):
        if name_or_id in (b.name, str(b.id)):
            return b
    raise StoreError(f"there is no batch {name_or_id!r}: `kiosk list --all --json` shows each capture's batch")


def check_target(target: Path, needed: int) -> None:
    """Refuse early, with a clear message, a target that is missing, read-only or full."""
    if not target.exists():
        raise StoreError(
            f"the export folder {target} does not exist: connect or mount the drive, "
            "create the folder, or give another with --to DIR"
        )
    if not target.is_dir():
        raise StoreError(f"the export target {target} is not a folder: give a folder with --to DIR")
    if not os.access(target, os.W_OK | os.X_OK):
        raise StoreError(f"the export folder {target} is not writable: fix its permissions or use --to DIR")
    free = shutil.disk_usage(target).free
    if free < needed:
        raise StoreError(
            f"the export folder {target} is full: the batch needs {needed / 1e6:.1f} MB (its photos twice, as "
            f"files and in the zip, and {SPACE_MARGIN / 1e6:.0f} MB to spare), {free / 1e6:.1f} MB are free; free "
            "some space or give another folder with --to DIR, and run the export again (nothing was exported)"
        )


def space_needed(photo_bytes: int) -> int:
    """Bytes a batch of deliverables totalling `photo_bytes` needs on its target: each photo
    as a file and in the zip, and SPACE_MARGIN."""
    return photo_bytes * 2 + SPACE_MARGIN


def export(
    store: Store,
    target: Path,
    file_pattern: str,
    operator: str,
    progress: Progress | None = None,
    emptied: bool = False,
) -> ExportResult:
    """Finish any interrupted batch, then put every accepted, unexported capture in a new one.
    A target that is empty though batches went there before is refused (StoreError) unless
    `emptied` says it was emptied on purpose."""
    check_pattern(file_pattern)
    check_target(target, 0)
    if not emptied:
        check_mounted(store, target)
    # Before any batch is built: a copy the centre voided must not be handed over again.
    voided = apply_resolutions(store, target)
    publish_withdrawals(store, target)
    recovered, left_out = None, []
    for b in batches(store):
        if b.status == "building":
            log.info("batch %s was interrupted; building it again", b.name)  # the command says so when done
            left_out += _build(store, b, target, file_pattern, operator, progress)
            recovered = b
    batch = _new_batch(store, target, operator)
    if batch is not None:
        left_out += _build(store, batch, target, file_pattern, operator, progress)
    # A batch of nothing but unreadable photos was dropped, so it may be gone.
    names = {b.name: b for b in batches(store)}
    return ExportResult(
        batch=names.get(batch.name) if batch else None,
        recovered=names.get(recovered.name) if recovered else None,
        left_out=tuple(dict.fromkeys(left_out)),  # a photo left out of both batches is named once
        voided=tuple(voided),
    )


def check_mounted(store: Store, target: Path) -> None:
    """Refuse a target that is empty although batches went there before: the mount point of a
    share that is not mounted, where the batch would stay on this disk, marked exported."""
    before = store.db.execute("SELECT count(*) FROM batches WHERE status = 'complete' AND target = ?",
                              [str(target)]).fetchone()[0]
    if before and not any(target.iterdir()):
        raise StoreError(f"the export folder {target} is empty, though {before} batch(es) went there before: the "
                         "share or drive is probably not mounted. Mount it and run the export again (nothing was "
                         "exported); if it was emptied on purpose, `kiosk export --emptied`")


def apply_resolutions(store: Store, target: Path) -> list[str]:
    """Void this station's copies that the centre's photographer did not keep, as listed in
    `target`/RESOLUTIONS (absent: nothing to do). A copy is voided only while it is still the
    code's accepted photo with the listed SHA-256, so a later retake is never touched and a
    second run voids nothing. Returns one message per copy voided or per problem with the
    file, for `kiosk export` to print."""
    path = target / RESOLUTIONS
    try:
        voids = json.loads(path.read_text(encoding="utf-8"))["voids"]
        keys = ("code", "store_id", "station", "sha256", "kept_station", "operator", "resolved_at")
        mine = [{k: str(v[k]) for k in keys} for v in voids if v["store_id"] == store.store_id]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as e:
        message = (f"the centre's file {path} cannot be read ({e}): no copy was voided on its word; "
                   "run `kiosk centre collect` at the centre again to rewrite it")
        return [message]
    messages = []
    for v in mine:
        capture = store.accepted(v["code"])
        if capture is None or capture.images["deliverable"].sha256 != v["sha256"]:
            continue
        done = store.void(capture.code, v["operator"],
                          f"the centre kept the photo taken at {v['kept_station']} "
                          f"(conflict resolved {short_time(v['resolved_at'])})")
        message = (f"voided {done.code} on the centre's word: the same code was accepted at {v['kept_station']}, "
                   f"whose photo {v['operator']} kept" + (f"; this copy was in batch {done.batch}" if done.batch else ""))
        messages.append(message)
    return messages


def void_and_tell(store: Store, code: str, operator: str, reason: str) -> tuple[Capture, Path | None]:
    """Store.void `code`'s accepted photo; when it was exported already, write the withdrawal
    at once where its batch went, for the centre's next collection. Returns (the voided
    Capture, that folder; None when not exported, or when the folder cannot be written now:
    the next export writes it). StoreError as Store.void."""
    capture = store.void(code, operator, reason)
    if not capture.batch:
        return capture, None
    target = Path(find_batch(store, capture.batch).target)
    try:
        check_mounted(store, target)
        publish_withdrawals(store, target)
    except (OSError, StoreError):  # the drive or share is not there now
        return capture, None
    return capture, target


def publish_withdrawals(store: Store, target: Path) -> None:
    """Write `target`/WITHDRAWN: every photo of this store that was exported and then voided,
    for the centre's collection (kiosk.centre.collect) to leave out of its upload. Raises
    OSError when `target` cannot be written."""
    rows = store.db.query(
        "SELECT c.code, i.sha256, b.name AS batch, c.ended_at AS voided_at FROM captures c "
        "JOIN batches b ON b.id = c.batch_id JOIN images i ON i.capture_id = c.id AND i.kind = 'deliverable' "
        "WHERE c.status = 'voided' AND c.exported_at IS NOT NULL ORDER BY c.id")
    body = {"store_id": store.store_id, "station": store.station, "withdrawn": list(rows)}
    write_durably(target / WITHDRAWN.format(store_id=store.store_id),
                  json.dumps(body, ensure_ascii=False, indent=1).encode())


def export_again(
    store: Store, batch: Batch, target: Path, file_pattern: str, operator: str, progress: Progress | None = None
) -> Batch:
    """Rebuild a finished batch whose folder in `target` was lost or damaged, with the same
    captures. A whole batch is refused (StoreError): the centre may have collected it, and a
    rebuild without a photo voided since would read there as a batch changed behind its back
    (the WITHDRAWN list already tells the centre of that photo)."""
    check_pattern(file_pattern)
    if batch.status != "complete":
        raise StoreError(f"batch {batch.name} is not finished yet: run `kiosk export` to finish it")
    if not batch_problems(batch, target):
        raise StoreError(f"batch {batch.name} in {batch.folder(target)} is whole (every file matches its SHA256SUMS, "
                         "the zip too): nothing to rebuild. `--again` is for a batch lost or damaged, as "
                         "`kiosk verify` names them; a photo voided since is withdrawn by the next `kiosk export`")
    _build(store, batch, target, file_pattern, operator, progress, again=True)
    return find_batch(store, batch.name)


def check_pattern(file_pattern: str) -> None:
    if "{code}" not in file_pattern or not file_pattern.lower().endswith(".jpg") or "/" in file_pattern:
        raise StoreError(
            f"[export] file_pattern {file_pattern!r} must contain {{code}} and end in .jpg "
            "(no folders), so every photo gets its own file name"
        )


def _new_batch(store: Store, target: Path, operator: str) -> Batch | None:
    with store.write():
        waiting, photo_bytes = store.db.execute(
            "SELECT count(*), coalesce(sum(i.bytes), 0) FROM captures c JOIN images i ON i.capture_id = c.id "
            "AND i.kind = 'deliverable' WHERE c.status = 'accepted' AND c.batch_id IS NULL"
        ).fetchone()
        if not waiting:
            return None
        # Before the batch is made: a target too small for it must leave nothing half started.
        check_target(target, space_needed(photo_bytes))
        prefix = f"{store.station}-{store.today():%Y%m%d}-"
        seq = store.db.execute(
            "SELECT count(*) FROM batches WHERE name LIKE ?", [prefix + "%"]
        ).fetchone()[0]
        name = f"{prefix}{seq + 1:03d}"
        batch_id = store.db["batches"].insert(
            {"name": name, "target": str(target), "status": "building", "created_at": store.stamp(), "count": waiting}
        ).last_pk
        store.db.execute(
            "UPDATE captures SET batch_id = ? WHERE status = 'accepted' AND batch_id IS NULL", [batch_id]
        )
        store.audit(operator, "export_start", None, batch=name, captures=waiting)
    return find_batch(store, name)


def _file_name(pattern: str, capture: Capture, student_number: str) -> str:
    return pattern.format(code=capture.code, station=capture.station, student_number=student_number)


def _build(
    store: Store,
    batch: Batch,
    target: Path,
    file_pattern: str,
    operator: str,
    progress: Progress | None,
    again: bool = False,
) -> list[str]:
    """Write the batch and mark it complete; returns what was left out (unreadable photos)."""
    # A photo voided or replaced by a retake while its batch waited (an interrupted export)
    # does not leave the machine; a rebuild (--again) hands over what was handed over before.
    captures = sorted(
        (c for c in store.captures(all_days=True, batch=batch.name)
         if (c.status != "voided" if again else c.status == "accepted")),
        key=lambda c: c.code,
    )
    check_target(target, space_needed(sum(c.images["deliverable"].bytes for c in captures)))
    final = target / batch.name
    _check_ours(final, store)
    retakes = dict(store.db.execute(
        "SELECT code, count(*) FROM captures WHERE status = 'replaced' GROUP BY code").fetchall())
    if Path(batch.target) != target:
        _remove_partials(Path(batch.target), batch.name)
    work = target / f".{batch.name}.partial"
    zip_tmp = target / f".{batch.name}.zip.partial"
    try:
        _remove_partials(target, batch.name)
        work.mkdir()
        sums, rows, left_out = [], [], {}
        for done, c in enumerate(captures, start=1):
            image = c.images["deliverable"]
            if image.purged_at:
                raise StoreError(
                    f"the photo of {c.code} was purged on {image.purged_at[:10]}: "
                    f"batch {batch.name} cannot be rebuilt from this station"
                )
            # A damaged stored photo is this station's problem, not the target's, and must
            # not hold back every other photo night after night.
            data, problem = read_verified(image.path, image.sha256)
            if problem and again:
                raise StoreError(f"the stored photo of {c.code} {problem}: batch {batch.name} cannot be "
                                 "rebuilt with the same photos; run `kiosk verify`")
            if problem:
                left_out[c.id] = (
                    f"the stored photo of {c.code} {problem}, so it was left out of the export: run "
                    f"`kiosk verify`, then retake the photo or void it (`kiosk void {c.code} --reason TEXT`)"
                )
                continue
            entry = store.roster_entry(c.code)
            name = _file_name(file_pattern, c, entry.student_number if entry else "")
            write_durably(work / name, data, sync_dir=False)
            sums.append(f"{image.sha256}  {name}\n")
            rows.append(
                {
                    "code": c.code,
                    "student_number": entry.student_number if entry else "",
                    "name": mask_name(entry.name) if entry else c.confirmed_name,
                    "file": name,
                    "sha256": image.sha256,
                    "taken_at": c.taken_at,
                    "station": c.station,
                    "operator": c.operator,
                    "overrides": "; ".join(f"{o.check}: {o.reason} ({o.operator})" for o in c.overrides),
                    # kiosk.station stores each confirmation as a passed result "confirmed_<item>";
                    # what was confirmed is its absence: "no_dyed_hair", never read as "dyed_hair".
                    "confirmations": "; ".join(f"no_{r['rule']}" for r in c.results
                                               if str(r.get("id", "")).startswith("confirmed_")),
                    "retakes": retakes.get(c.code, 0),
                    "identity_score": f"{c.identity.score:.3f}" if c.identity and c.identity.score is not None else "",
                    "identity_verdict": c.identity.verdict if c.identity else "",
                }
            )
            if progress:
                progress(done, len(captures))
        written = [c for c in captures if c.id not in left_out]
        if left_out and not written:  # no empty batch on the drive, night after night
            _remove_partials(target, batch.name)
            _drop(store, batch, operator)
            return list(left_out.values())
        seal(work, batch.name, MANIFEST_COLUMNS, rows, sums, zip_tmp)
        write_durably(work / MARKER, store.store_id.encode())
        if final.exists():  # an earlier attempt of this store got this far; this one replaces it
            shutil.rmtree(final)
        os.replace(work, final)
        os.replace(zip_tmp, target / f"{batch.name}.zip")
        fsync_dir(target)
    except OSError as e:
        _remove_partials(target, batch.name)
        raise _target_error(e, target) from e
    except BaseException:
        _remove_partials(target, batch.name)
        raise
    with store.write():
        stamp = store.stamp()
        store.db["batches"].update(
            batch.id, {"status": "complete", "completed_at": stamp, "target": str(target), "count": len(written)}
        )
        if not again:
            store.db.execute("UPDATE captures SET batch_id = NULL WHERE batch_id = ? AND status != 'accepted'",
                             [batch.id])
            store.db.conn.executemany("UPDATE captures SET batch_id = NULL WHERE id = ?", [(i,) for i in left_out])
            store.db.conn.executemany("UPDATE captures SET exported_at = ? WHERE id = ?",
                                      [(stamp, c.id) for c in written])
        store.audit(operator, "export_again" if again else "export", None, batch=batch.name, captures=len(written),
                    target=str(target), left_out=[c.code for c in captures if c.id in left_out])
    log.info("batch %s: %d photos exported to %s", batch.name, len(written), target)
    return list(left_out.values())


def seal(work: Path, name: str, columns, rows, sums: list[str], zip_tmp: Path) -> None:
    """Finish a handover folder whose photos are in `work` already: its manifest.csv (`columns`,
    `rows` through the CSV-injection guard), SHA256SUMS (`sums`: the photos' lines, the
    manifest's added) and a zip of it all at `zip_tmp`, its members under `name`/; every file
    on disk before this returns. A station's batch and the centre's upload are sealed alike."""
    manifest = io.StringIO(newline="")
    write_rows(manifest, columns, rows)
    # utf-8-sig: the BOM makes Excel read the Chinese text correctly
    manifest_bytes = manifest.getvalue().encode("utf-8-sig")
    write_durably(work / MANIFEST, manifest_bytes, sync_dir=False)
    sums.append(f"{sha256_bytes(manifest_bytes)}  {MANIFEST}\n")
    write_durably(work / SUMS, "".join(sums).encode(), sync_dir=False)
    fsync_dir(work)
    with zipfile.ZipFile(zip_tmp, "w") as z:
        for f in sorted(work.iterdir()):
            # JPEGs do not shrink; storing them keeps the zip fast
            kind = zipfile.ZIP_STORED if f.suffix.lower() == ".jpg" else zipfile.ZIP_DEFLATED
            z.write(f, f"{name}/{f.name}", compress_type=kind)
    with open(zip_tmp, "rb+") as f:
        os.fsync(f.fileno())


def _drop(store: Store, batch: Batch, operator: str) -> None:
    """Forget a batch none of whose photos could be read; its photos wait for the next export."""
    with store.write():
        store.db.execute("UPDATE captures SET batch_id = NULL WHERE batch_id = ?", [batch.id])
        store.db["batches"].delete(batch.id)
        store.audit(operator, "export_dropped", None, batch=batch.name)


def _check_ours(folder: Path, store: Store) -> None:
    """Refuse to replace a batch folder this store did not write."""
    if not folder.exists():
        return
    try:
        ours = (folder / MARKER).read_text().strip() == store.store_id
    except OSError:
        ours = False
    if not ours:
        raise StoreError(
            f"{folder} holds a batch of the same name that this station did not write (another station "
            f"with the same [station] id {store.station!r} exports to this drive?); it was left untouched. "
            "Give each station its own [station] id in its config, and export this batch to another "
            "folder with --to DIR (or move that folder away if it is this station's own)"
        )


def _remove_partials(target: Path, name: str) -> None:
    shutil.rmtree(target / f".{name}.partial", ignore_errors=True)
    try:
        (target / f".{name}.zip.partial").unlink(missing_ok=True)
    except OSError:
        pass


def _target_error(e: OSError, target: Path) -> StoreError:
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreError(
            f"the export folder {target} became full while writing: free some space and run "
            "the export again; nothing was marked exported"
        )
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StoreError(
            f"the export folder {target} is not writable ({e.strerror}): fix its permissions "
            "or use --to DIR; nothing was marked exported"
        )
    if e.errno == errno.ENOENT and not target.exists():
        return StoreError(f"the export folder {target} disappeared while writing (drive removed?): "
                          "reconnect it and run the export again")
    return StoreError(f"the export failed writing to {target}: {e}; nothing was marked exported")


def verify_batches(store: Store) -> list[str]:
    """Every finished batch checked against its SHA256SUMS and its zip; returns the problems."""
    problems = []
    for b in batches(store):
        if b.status != "complete":
            problems.append(f"batch {b.name}: interrupted, not finished: run `kiosk export`")
            continue
        problems += batch_problems(b)
    return problems


def batch_problems(b: Batch, target: Path | None = None) -> list[str]:
    """A finished batch's folder in `target` (default: where it went) checked against its
    SHA256SUMS, the store's count and its zip; returns the problems, [] when it is whole."""
    folder = b.folder(target)
    sums_file = folder / SUMS
    if not sums_file.exists():
        return [f"batch {b.name}: {sums_file} is missing (moved, or drive not connected?)"]
    problems, listed = [], {}
    for line in sums_file.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    for name, digest in listed.items():
        path = folder / name
        if not path.exists():
            problems.append(f"batch {b.name}: {name} is missing")
        elif sha256_file(path) != digest:
            problems.append(f"batch {b.name}: {name} does not match SHA256SUMS")
    photos = sum(1 for n in listed if n != MANIFEST)
    if photos != b.count:
        problems.append(f"batch {b.name}: SHA256SUMS lists {photos} photos, the store says {b.count}")
    zip_path = folder.with_name(b.name + ".zip")
    try:
        with zipfile.ZipFile(zip_path) as z:
            bad = z.testzip()
            names = {Path(n).name for n in z.namelist()}
        if bad:
            problems.append(f"batch {b.name}: {bad} is damaged inside {zip_path.name}")
        if names != set(listed) | {SUMS}:
            problems.append(f"batch {b.name}: {zip_path.name} does not hold the same files as the folder")
    except (OSError, zipfile.BadZipFile) as e:
        problems.append(f"batch {b.name}: {zip_path.name} cannot be read ({e})")
    return problems
