"""The station's store: one SQLite file (WAL) plus an image folder under the data folder.

A capture is saved in this order, so that a crash at any instant leaves either the whole
capture or nothing visible:
  1. an intent file in incoming/ lists the image paths about to be written (and is locked
     while the save runs);
  2. each image is written to a temporary name, fsynced and renamed into place;
  3. one transaction inserts the capture, its images and the audit rows;
  4. the intent file is removed.
On open, an intent whose capture never reached the database has its images deleted.
"""

import dataclasses
import errno
import fcntl
import json
import logging
import math
import os
import re
import sqlite3
import threading
import unicodedata
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import sqlite_utils

from kiosk.masking import mask_id_number, mask_name
from kiosk.messages import short_time
from kiosk.store.files import fsync_dir, network_share, read_verified, sha256_bytes, sha256_file, write_durably
from kiosk.store.schema import StoreError, migrate

log = logging.getLogger(__name__)

DB_NAME = "store.sqlite3"
# Capture codes become file names in the export, so only these characters are allowed.
CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Roster fields an empty cell leaves as they are (a file without the column does not erase them).
KEPT_WHEN_EMPTY = ("id_number", "college", "major")
SAVE_AGAIN = " and save the photo again; nothing of this photo was saved"


class AlreadyAccepted(StoreError):
    pass


class SamePicture(StoreError):
    """The very picture (the same bytes) is already another code's accepted photo: one photo
    is one student's. `other` is that code."""

    def __init__(self, other: str, message: str) -> None:
        super().__init__(message)
        self.other = other


class NoAcceptedCapture(StoreError):
    pass


class DiskProblem(StoreError):
    """The data folder's disk refused a write: `kind` is "full" or "read_only", `folder` the
    data folder. The kiosk says it in the screen's language; nothing of the step was kept."""

    def __init__(self, kind: str, folder: Path, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.folder = folder


def check_code(code: str) -> str:
    """`code` without spaces around it, full-width letters and digits (a Chinese input method's
    ＨＫ３００１) folded to ASCII; a StoreError when it is no valid capture code."""
    code = unicodedata.normalize("NFKC", code).strip()
    if not CODE_PATTERN.fullmatch(code):
        raise StoreError(
            f"capture code {code!r} is not valid: use 1-64 letters, digits, '-' or '_'"
        )
    return code


def as_stored(code: str, spellings: set[str]) -> str:
    """`code` (or a station id) as stored, given the stored ones that equal it but for case:
    the one there is, unless `code` itself is stored or two are (then they stay apart, as they
    were)."""
    return next(iter(spellings)) if len(spellings) == 1 and code not in spellings else code


def _masks_agree(a: str, b: str) -> bool:
    """Whether two masked names (mask_name: first and last character kept) may be one person's:
    no first or last character shown in both differs. The capture code's own masking may hide
    other characters than ours (*四 for 李四), which is no disagreement."""
    return all(x == y or "*" in (x, y) for x, y in ((a[:1], b[:1]), (a[-1:], b[-1:])))


@dataclass(frozen=True)
class Removal:
    """A student a photographer took off the roster (`kiosk roster remove`), from its audit row."""

    code: str
    at: str
    operator: str
    reason: str

    def text(self) -> str:
        return f"taken off the roster {short_time(self.at)} by {self.operator} ({self.reason})"


@dataclass(frozen=True)
class RosterEntry:
    code: str
    student_number: str
    # Kept out of repr, so a traceback or a debug log never carries them.
    name: str = field(repr=False)
    id_number: str = field(default="", repr=False)
    college: str = ""
    major: str = ""

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def shown(self, full: bool = False) -> dict[str, str]:
        """The entry as shown to a person: name and ID number masked unless `full`."""
        row = dataclasses.asdict(self)
        if not full:
            row["name"] = self.masked_name
            row["id_number"] = self.masked_id_number
        return row


@dataclass(frozen=True)
class Override:
    check: str
    reason: str
    operator: str


@dataclass(frozen=True)
class StoredImage:
    kind: str  # "master" or "deliverable"
    path: Path
    sha256: str
    bytes: int
    purged_at: str | None


# What the identity pre-check can say of a capture: the three verdicts of kiosk.identity.verdict,
# which come with a score, and the three reasons there is no score.
SCORED_VERDICTS = ("likely", "unsure", "unlikely")
UNSCORED_VERDICTS = (
    "no_face_reference",  # the stored reference photo shows no face the station can find
    "no_face_photo",  # the new photo shows none (possible only for an overridden photo)
    "reference_unreadable",  # the reference file is missing or no longer matches its SHA-256
)


@dataclass(frozen=True)
class IdentityResult:
    """The identity pre-check of one photo against the student's reference photo.

    `score`: cosine similarity of the two faces' embeddings, -1 to 1 (about 0.9 for one
    person photographed twice on one day, under 0.4 for two people); None when there is no
    score, and then `verdict` says why. `verdict`: one of SCORED_VERDICTS (by [identity]
    likely_min and unlikely_below) or UNSCORED_VERDICTS."""

    score: float | None
    verdict: str

    def __post_init__(self) -> None:
        scored = self.verdict in SCORED_VERDICTS
        if not scored and self.verdict not in UNSCORED_VERDICTS:
            raise ValueError(f"unknown identity verdict {self.verdict!r}")
        if scored != (self.score is not None) or (scored and not -1.0001 <= self.score <= 1.0001):
            raise ValueError(f"identity verdict {self.verdict!r} with score {self.score!r}")

    def text(self) -> str:
        """What a command prints: "likely the same person as the reference photo (similarity 0.91)"."""
        if self.score is None:
            return {"no_face_reference": "not compared: no face found in the reference photo",
                    "no_face_photo": "not compared: no face found in the photo",
                    "reference_unreadable": "not compared: the reference photo is missing or damaged "
                                            "(`kiosk verify`)"}[self.verdict]
        # Cut, not rounded (as `kiosk compare`): 0.698 shown as 0.70 beside "likely at 0.70" would contradict "unsure".
        shown = math.floor(self.score * 100) / 100
        return f"{self.verdict} the same person as the reference photo (similarity {shown:.2f})"


@dataclass(frozen=True)
class Reference:
    """A student's reference photo for the identity pre-check (the image itself stays in its file)."""

    code: str
    path: Path  # under the data folder's references/
    sha256: str
    bytes: int
    source: str  # "folder" (the college's, from `kiosk roster import --references`) or "camera"
    operator: str
    added_at: str


@dataclass(frozen=True)
class Capture:
    id: str
    code: str
    station: str
    operator: str
    taken_at: str
    status: str  # "accepted", "replaced" or "voided"
    results: tuple[dict[str, Any], ...]
    overrides: tuple[Override, ...]
    crop_box: tuple[int, int, int, int] | None
    batch: str | None
    exported_at: str | None
    ended_at: str | None
    end_reason: str | None
    images: dict[str, StoredImage]
    identity: IdentityResult | None = None  # None: not compared (the pre-check off, no reference)
    confirmed_name: str = ""  # the masked name the student confirmed, or the code carried (kiosk add); "": not known
    batch_unfinished: bool = False  # its batch was cut short (building): the next export finishes it

    def summary(self) -> dict[str, Any]:
        """What `kiosk list --json` prints: no personal data."""
        return {
            "code": self.code,
            "status": self.status,
            "taken_at": self.taken_at,
            "batch": self.batch,
            "station": self.station,
            "operator": self.operator,
            "overrides": [o.check for o in self.overrides],
        }


@dataclass(frozen=True)
class Counts:
    accepted: int  # accepted photos taken that day
    retakes: int  # photos replaced by a retake that day
    voided: int
    waiting_export: int  # accepted photos (any day) not in a finished batch yet
    roster: int  # students in the roster
    roster_done: int  # roster students with an accepted photo (any day)


def _result_dict(result: Any) -> dict[str, Any]:
    """A checks.CheckResult (or a dict shaped like one) as plain JSON-able data."""
    row = dataclasses.asdict(result) if dataclasses.is_dataclass(result) else dict(result)
    if hasattr(row.get("verdict"), "value"):  # the Verdict enum
        row["verdict"] = row["verdict"].value
    return row


def confirmation_results(items, who: str) -> list[dict[str, Any]]:
    """What no check can tell (kiosk.session.APPEARANCE: dyed hair, make-up, jewellery), as
    confirmed by `who` ("the photographer (wang)", "the student"): one passed result per
    item, id "confirmed_<item>", stored beside the checks' results (the export's
    confirmations column lists them)."""
    return [{"id": f"confirmed_{item}", "rule": item, "verdict": "pass", "value": None,
             "threshold": f"confirmed by {who}", "message_zh": "", "message_en": "", "priority": 1000}
            for item in items]


def image_format(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    raise StoreError("an image to store is neither JPEG nor PNG: nothing was saved")


def network_share_problem(folder: Path, kind: str) -> str:
    """What to tell the operator whose data folder is on a network share of type `kind`."""
    return (f"the data folder {folder} is on a network share ({kind}): the station's SQLite database "
            "can be corrupted there (its locking does not work across machines). Keep the data folder on "
            "this machine's own disk ([store] data_dir or KIOSK_DATA) and put the share in [export] folder: "
            "the nightly export is what goes to the share")


class Store:
    """Open with Store.from_settings(settings) (or Store(data_dir, station)); close() when done."""

    def __init__(self, data_dir: Path, station: str, clock: Any = None):
        self.data_dir = Path(data_dir)
        self.station = station
        self.clock = clock
        self.images_dir = self.data_dir / "images"
        self.incoming_dir = self.data_dir / "incoming"
        self.references_dir = self.data_dir / "references"
        if share := network_share(self.data_dir):
            raise StoreError(network_share_problem(self.data_dir, share))
        try:
            self.images_dir.mkdir(parents=True, exist_ok=True)
            self.incoming_dir.mkdir(parents=True, exist_ok=True)
            self.references_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(
                f"cannot create the data folder {self.data_dir}: {e.strerror}; "
                "set [store] data_dir or KIOSK_DATA to a writable folder"
            ) from e
        self.path = self.data_dir / DB_NAME
        # The kiosk may save from a worker thread and list from the window's thread;
        # write() serialises transactions between them.
        self._lock = threading.RLock()
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA busy_timeout = 30000")
            self.db.enable_wal()
            # FULL: a commit is on disk (WAL fsynced) before `saved` is reported
            self.db.execute("PRAGMA synchronous = FULL")
            self.db.execute("PRAGMA foreign_keys = ON")
            # Deleted rows (a purged roster's names and ID numbers) are overwritten, not left
            # readable in free pages of the file.
            self.db.execute("PRAGMA secure_delete = ON")
            migrate(self.db)
        except sqlite3.DatabaseError as e:
            if not os.access(self.data_dir, os.W_OK) or (self.path.exists() and not os.access(self.path, os.W_OK)):
                # Opening in WAL mode writes beside the file, even to read: the file itself is whole.
                raise StoreError(
                    f"cannot open the station database {self.path}: the data folder cannot be written to (read-only "
                    "disk or no permission); mount it writable, or give this user the folder. The database is "
                    "unharmed: do not restore it from a backup") from e
            raise StoreError(
                f"cannot open the station database {self.path} ({e}): if the disk is full, free space; "
                "if the file is damaged, restore it from the backup (nothing was changed)"
            ) from e
        self.store_id = self.db.execute("SELECT value FROM store_info WHERE key = 'store_id'").fetchone()[0]
        self._recover()
        self._sweep_references()

    @classmethod
    def from_settings(cls, settings: Any, clock: Any = None) -> "Store":
        from kiosk.paths import data_dir

        return cls(data_dir(settings), settings.station.id, clock)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- time -------------------------------------------------------------------
    def now(self) -> datetime:
        wall = self.clock.wall() if self.clock is not None else datetime.now()
        return wall if wall.tzinfo else wall.astimezone()  # naive means local time

    def stamp(self) -> str:
        return self.now().isoformat(timespec="milliseconds")

    def today(self) -> date:
        return self.now().date()

    # ---- transactions and audit -----------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction; IMMEDIATE so a second process waits instead of failing. A
        disk that refuses it (full, read-only) is a StoreError saying so: nothing of it is kept."""
        with self._lock:
            try:
                self.db.execute("BEGIN IMMEDIATE")
                try:
                    yield self.db
                except BaseException:
                    if self.db.conn.in_transaction:  # SQLite has already rolled back e.g. on a full disk
                        self.db.conn.execute("ROLLBACK")
                    raise
                self.db.conn.execute("COMMIT")
            except sqlite3.OperationalError as e:
                if (problem := self._disk_problem(e, "; nothing of this step was saved, run it again then")) is None:
                    raise
                if self.db.conn.in_transaction:
                    self.db.conn.execute("ROLLBACK")
                raise problem from e

    def _disk_problem(self, e: BaseException, then: str) -> DiskProblem | None:
        """The DiskProblem (its message saying what the operator must fix, then `then`) when
        the data folder's disk refused a write, else None."""
        code = getattr(e, "sqlite_errorcode", None)
        if code == sqlite3.SQLITE_FULL or getattr(e, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
            return DiskProblem("full", self.data_dir,
                               f"the data folder {self.data_dir} is full: free some space on that disk{then}")
        if code == sqlite3.SQLITE_READONLY or getattr(e, "errno", None) in (errno.EROFS, errno.EACCES):
            return DiskProblem("read_only", self.data_dir,
                               f"the data folder {self.data_dir} cannot be written to (read-only disk or no "
                               f"permission): mount it writable, or give this user the folder; the database is "
                               f"unharmed{then}")
        return None

    def audit(self, operator: str, action: str, code: str | None = None, **detail: Any) -> None:
        """Record who did what; callers pass no names or ID numbers in `detail`."""
        self.db["audit"].insert(
            {
                "at": self.stamp(),
                "station": self.station,
                "operator": operator,
                "action": action,
                "code": code,
                "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True),
            }
        )

    def audit_log(self, code: str | None = None) -> list[dict[str, Any]]:
        where, params = ("WHERE code = ?", [code]) if code else ("", [])
        return list(self.db.query(f"SELECT * FROM audit {where} ORDER BY id", params))

    # ---- roster -----------------------------------------------------------------------
    def spelled(self, code: str) -> str:
        """`code` (checked by check_code) as the roster or a stored photo spells it: a code typed
        in another case (hk3002 for HK3002: Caps Lock, a code read aloud) is that student's when
        exactly one stored code matches it so; otherwise `code` as given. A StoreError when it is
        no valid code."""
        code = check_code(code)
        rows = self.db.execute("SELECT code FROM roster WHERE code = ? COLLATE NOCASE UNION "
                               "SELECT code FROM captures WHERE code = ? COLLATE NOCASE", [code, code]).fetchall()
        return as_stored(code, {row[0] for row in rows})

    def knows(self, code: str) -> bool:
        """Whether `code`, in any case of its letters (spelled), is on the roster or has a
        stored photo: a bare code typed or scanned is taken then."""
        code = self.spelled(code)
        return self.roster_entry(code) is not None or bool(self.history(code))

    def respelled(self, entries: Sequence[RosterEntry]) -> list[RosterEntry]:
        """`entries` with each capture code as the roster or a stored photo already spells it
        (Store.spelled): a file that writes hk3002 for the HK3002 on record updates that
        student, never adds a second one, whose export file would overwrite the first's on a
        drive that ignores case."""
        stored: dict[str, set[str]] = {}  # read once: a query per row scanned the roster for each
        for (code,) in self.db.execute("SELECT code FROM roster UNION SELECT code FROM captures"):
            stored.setdefault(code.upper(), set()).add(code)
        return [dataclasses.replace(e, code=as_stored(e.code, stored.get(e.code.upper(), set()))) for e in entries]

    def roster_entry(self, code: str) -> RosterEntry | None:
        entries = self._roster("WHERE code = ?", [code.strip()])
        return entries[0] if entries else None

    def _roster(self, clause: str, params: list[Any]) -> list[RosterEntry]:
        rows = self.db.query(f"SELECT * FROM roster {clause}", params)
        return [RosterEntry(**{k: v for k, v in row.items() if k != "imported_at"}) for row in rows]

    def photographed(self) -> set[str]:
        """The capture codes with an accepted photo (any day)."""
        return {row["code"] for row in self.db.query("SELECT DISTINCT code FROM captures WHERE status = 'accepted'")}

    def roster_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM roster").fetchone()[0]

    def photographed_as_another(self, entries: Sequence[RosterEntry]) -> list[tuple[RosterEntry, RosterEntry]]:
        """(the roster's entry, the new one) for each of `entries` whose capture code already has
        an accepted photo taken as another person: another ID number (or, where either has none,
        another name). Importing it would put that photo, and its export, under the other
        person's name. A new name with the same ID number (a typo put right) is not in the list.
        A code photographed off the roster (its QR carried the student) is compared by the masked
        name the student confirmed; the old entry then holds only that name, masked."""
        photographed = self.photographed()
        clashes = []
        for new in entries:
            if new.code not in photographed:
                continue
            old = self.roster_entry(new.code)
            if old is None:
                confirmed = self.accepted(new.code).confirmed_name
                if confirmed and not _masks_agree(confirmed, new.masked_name):
                    clashes.append((RosterEntry(new.code, "", confirmed), new))
            elif old.id_number != new.id_number if old.id_number and new.id_number else old.name != new.name:
                clashes.append((old, new))
        return clashes

    def held_by_another_code(self, entries: Sequence[RosterEntry]) -> list[tuple[RosterEntry, RosterEntry]]:
        """(the roster's entry, the new one) for each of `entries` whose ID number the roster
        already holds under another capture code: one person with two codes (a code issued
        again, or a row copied and its code changed), who could be photographed under both."""
        # The roster read once: a query per entry scanned the whole table for each (no index on ID numbers).
        by_id: dict[str, list[RosterEntry]] = {}
        for old in self.roster():
            if old.id_number:
                by_id.setdefault(old.id_number, []).append(old)
        return [(old, entry) for entry in entries if entry.id_number
                for old in by_id.get(entry.id_number, ()) if old.code != entry.code]

    def taken_off(self, entries: Sequence[RosterEntry]) -> list[tuple[RosterEntry, Removal]]:
        """(entry, its last removal) for each of `entries` not on the roster now
        because a photographer took it off (`kiosk roster remove`): an import of the college's
        older file would bring it back."""
        on_roster = {e.code.upper() for e in self.roster()}
        removed = self._removals()
        return [(e, removed[e.code.upper()]) for e in entries
                if e.code.upper() in removed and e.code.upper() not in on_roster]

    def removal(self, code: str) -> Removal | None:
        """The last removal of `code` (in any case of its letters) while it is off the roster;
        None when it is on it or was never taken off."""
        code = self.spelled(code)
        return None if self.roster_entry(code) is not None else self._removals().get(code.upper())

    def _removals(self) -> dict[str, Removal]:
        """Capture code in capitals -> its last removal, from the `roster_remove` audit rows."""
        return {row["code"].upper(): Removal(row["code"], row["at"], row["operator"],
                                             json.loads(row["detail"]).get("reason", ""))
                for row in self.db.query("SELECT * FROM audit WHERE action = 'roster_remove' ORDER BY id")}

    def roster_changes(self, entries: Sequence[RosterEntry]) -> tuple[int, int]:
        """(new students, students whose record `import_roster` would change) among `entries`;
        the rest are on the roster as they are."""
        new = changed = 0
        roster = {old.code: old for old in self.roster()}
        for entry in entries:
            old = roster.get(entry.code)
            if old is None:
                new += 1
            elif any(getattr(entry, f) not in ("", getattr(old, f)) if f in KEPT_WHEN_EMPTY
                     else getattr(entry, f) != getattr(old, f) for f in ("student_number", "name", *KEPT_WHEN_EMPTY)):
                changed += 1
        return new, changed

    def import_roster(self, entries: Sequence[RosterEntry], operator: str, source: str) -> int:
        """Add or update students (by capture code) in one transaction. An empty ID number,
        college or major keeps what the roster holds (a file without those columns, or a cell
        left empty, erased them)."""
        stamp = self.stamp()
        rows = [dict(dataclasses.asdict(e), imported_at=stamp) for e in self.respelled(entries)]
        keep = ", ".join(f"{c} = CASE WHEN excluded.{c} = '' THEN roster.{c} ELSE excluded.{c} END"
                         for c in KEPT_WHEN_EMPTY)
        with self.write():
            self.db.conn.executemany(
                "INSERT INTO roster (code, student_number, name, id_number, college, major, imported_at) "
                "VALUES (:code, :student_number, :name, :id_number, :college, :major, :imported_at) "
                "ON CONFLICT (code) DO UPDATE SET student_number = excluded.student_number, name = excluded.name, "
                f"{keep}, imported_at = excluded.imported_at", rows)
            self.audit(operator, "roster_import", None, file=source, students=len(rows))
        return len(rows)

    def roster(self) -> list[RosterEntry]:
        """Every student on the roster, by capture code."""
        return self._roster("ORDER BY code", [])

    def purge_roster(self, operator: str, dry_run: bool = False) -> tuple[int, int]:
        """Delete the whole roster and the reference photos with it (records, then files),
        audited; with dry_run only count them. Returns (students, reference photos). Captures
        and their photos stay. A StoreError, with nothing deleted, while an accepted photo of
        a roster student waits for the export: the export takes its student number and name
        from the roster."""
        waiting = ("SELECT count(*) FROM captures c JOIN roster r ON r.code = c.code "
                   "LEFT JOIN batches b ON b.id = c.batch_id "
                   "WHERE c.status = 'accepted' AND (b.id IS NULL OR b.status = 'building')")

        def check_and_count() -> tuple[int, list[str]]:
            if unexported := self.db.execute(waiting).fetchone()[0]:
                photos = ("1 accepted photo of a student on the roster is" if unexported == 1
                          else f"{unexported} accepted photos of students on the roster are")
                raise StoreError(f"{photos} not exported yet, and the export takes student numbers and names "
                                 "from the roster: run `kiosk export` first; nothing was purged")
            return self.roster_count(), [r[0] for r in self.db.execute("SELECT path FROM reference_photos")]

        if dry_run:
            students, files = check_and_count()
            return students, len(files)
        with self.write():
            students, files = check_and_count()
            self.db.execute("DELETE FROM reference_photos")
            self.db.execute("DELETE FROM roster")
            self.audit(operator, "roster_purge", None, students=students, references=len(files))
        # Files go after the commit: a crash in between leaves files the next open sweeps away.
        for path in files:
            (self.data_dir / path).unlink(missing_ok=True)
        fsync_dir(self.references_dir)
        # The write-ahead log still holds the deleted rows' old pages until a checkpoint copies
        # the overwritten ones back; best effort (a reader elsewhere delays it to a later one).
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return students, len(files)

    def remove_student(self, code: str, operator: str, reason: str) -> RosterEntry:
        """Take one student off the roster (a code the college issued by mistake), with the
        reference photo, audited with `reason`; returns the entry removed. A StoreError, with
        nothing removed, when `code` is not on the roster or has an accepted photo (its export
        takes the student number and name from the roster: void the photo first)."""
        code = self.spelled(code)
        if not reason.strip():
            raise StoreError("say why the student is taken off the roster: --reason TEXT")
        with self.write():
            entry = self.roster_entry(code)
            if entry is None:
                raise StoreError(f"{code} is not on the roster: `kiosk roster list` shows who is; nothing was removed")
            if (accepted := self.accepted(code)) is not None:
                raise StoreError(f"{code} has an accepted photo (taken {short_time(accepted.taken_at)}), "
                                 "whose export takes the student number and name from the roster: if it is of the "
                                 f"wrong code, void it first (`kiosk void {code} --reason TEXT`); nothing was removed")
            reference = self.db.execute("SELECT path FROM reference_photos WHERE code = ?", [code]).fetchone()
            self.db.execute("DELETE FROM reference_photos WHERE code = ?", [code])
            self.db.execute("DELETE FROM roster WHERE code = ?", [code])
            self.audit(operator, "roster_remove", code, reason=reason, reference=reference is not None)
        if reference is not None:  # after the commit, as purge_roster does
            (self.data_dir / reference[0]).unlink(missing_ok=True)
            fsync_dir(self.references_dir)
        return entry

    # ---- reference photos (the identity pre-check) ------------------------------------
    def reference(self, code: str) -> Reference | None:
        """The reference photo of `code`, or None when it has none."""
        row = self.db.execute("SELECT code, path, sha256, bytes, source, operator, added_at FROM reference_photos "
                              "WHERE code = ?", [code.strip()]).fetchone()
        if row is None:
            return None
        return Reference(row[0], self.data_dir / row[1], *row[2:])

    def read_reference(self, reference: Reference) -> bytes:
        """The stored bytes (JPEG or PNG) of `reference`. A StoreError when its file is missing
        or no longer matches its SHA-256."""
        fix = (f"run `kiosk verify`, then add the reference photo of {reference.code} again (the college's folder "
               "with `kiosk roster import FILE --references DIR`, or from the camera)")
        data, problem = read_verified(reference.path, reference.sha256)
        if problem:
            raise StoreError(f"the reference photo of {reference.code} {problem}: {fix}")
        return data

    def set_reference(self, code: str, image: bytes, source: str, operator: str) -> Reference:
        """Keep `image` (JPEG or PNG bytes, stored unchanged, with its SHA-256) as the reference
        photo of roster student `code`, replacing an earlier one (whose file is deleted); audited.
        `source`: "folder" (the college's) or "camera" (taken at the station). Returns it once
        it is durably stored. A StoreError, with nothing stored, when the code is not on the
        roster (a reference is kept only as long as the student's roster entry), the bytes are
        neither JPEG nor PNG, or the disk fails."""
        code = check_code(code)
        if source not in ("folder", "camera"):
            raise ValueError(f"reference source {source!r}: 'folder' or 'camera'")
        if self.roster_entry(code) is None:
            raise StoreError(f"{code} is not on the roster: a reference photo is kept only for a student on it "
                             "(and purged with it); import the college's list first (`kiosk roster import FILE`)")
        path = self.references_dir / f"{uuid.uuid4().hex}.{image_format(image)}"
        with self._save_errors(), self._references_locked():
            try:
                write_durably(path, image)
                with self.write():
                    old = self.reference(code)
                    self.db.execute("DELETE FROM reference_photos WHERE code = ?", [code])
                    self.db["reference_photos"].insert({
                        "code": code, "path": path.relative_to(self.data_dir).as_posix(),
                        "sha256": sha256_bytes(image), "bytes": len(image), "source": source,
                        "operator": operator, "added_at": self.stamp()})
                    self.audit(operator, "reference", code, source=source, replaced=old is not None)
            except BaseException:
                path.unlink(missing_ok=True)
                raise
        if old is not None:  # after the commit: a crash before this leaves it to the next sweep
            old.path.unlink(missing_ok=True)
        return self.reference(code)

    @contextmanager
    def _references_locked(self) -> Iterator[None]:
        """Hold the lock on references/ (an flock on the folder, shared by every program and
        thread that writes or sweeps it), so a sweep never deletes a file whose record is
        about to be committed."""
        fd = os.open(self.references_dir, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _sweep_references(self) -> None:
        """Delete the files in references/ that no record names: reference photos replaced or
        purged by a program stopped before it deleted the file, or written by one stopped
        before it recorded them. Personal data stays only as long as its record."""
        with self._references_locked():
            known = {Path(row[0]).name for row in self.db.execute("SELECT path FROM reference_photos")}
            stray = [p for p in self.references_dir.iterdir() if p.name not in known and p.is_file()]
            for path in stray:
                path.unlink(missing_ok=True)
        if stray:
            log.warning("removed %d reference photo files without a record", len(stray))

    # ---- captures ---------------------------------------------------------------------
    def save_capture(
        self,
        code: str,
        master: bytes,
        deliverable: bytes,
        results: Iterable[Any],
        *,
        operator: str,
        overrides: Sequence[Override] = (),
        crop_box: Sequence[int] | None = None,
        retake_reason: str | None = None,
        identity: IdentityResult | None = None,
        confirmed_name: str = "",
    ) -> Capture:
        """Store an accepted photo durably; returns only once it is on disk.

        `master` is the camera frame (JPEG or PNG bytes), `deliverable` the 480x640 JPEG.
        A code that already has an accepted photo raises AlreadyAccepted unless
        `retake_reason` is given: then the old photo is marked replaced, audited.
        `identity`: the identity pre-check of this deliverable, stored with it (score and
        verdict only); None when it was not compared. `confirmed_name`: the masked name the
        student confirmed on screen (masked again here: never a name in clear).
        """
        code = check_code(code)
        if retake_reason is not None and not retake_reason.strip():
            raise StoreError("a retake needs a reason: say why the photo is replaced")
        if image_format(deliverable) != "jpg":
            raise StoreError("the deliverable must be a JPEG: nothing was saved")
        images = {"master": master, "deliverable": deliverable}
        digests = {kind: sha256_bytes(data) for kind, data in images.items()}  # once: checked, then stored
        capture_id = uuid.uuid4().hex
        folder = self.images_dir / capture_id[:2]
        paths = {k: folder / f"{capture_id}.{k}.{image_format(v)}" for k, v in images.items()}
        result_rows = [_result_dict(r) for r in results]

        with self._save_errors(), self._intent(capture_id, list(paths.values())):
            try:
                folder.mkdir()
                fsync_dir(self.images_dir)  # the new folder itself must survive a power cut
            except FileExistsError:
                pass
            for kind, data in images.items():
                write_durably(paths[kind], data, sync_dir=False)
            fsync_dir(folder)
            stamp = self.stamp()
            with self.write():
                for kind, digest in digests.items():
                    if others := [c for c in self.accepted_with_image(digest) if c.code != code]:
                        raise SamePicture(others[0].code, f"this {kind} is already the photo of {others[0].code}: "
                                          "one photo is one student's; nothing was saved")
                old = self._accepted_id(code)
                if old is not None and retake_reason is None:
                    raise AlreadyAccepted(
                        f"{code} already has an accepted photo; a retake must be asked "
                        "for explicitly (with a reason)"
                    )
                if old is not None:
                    if not confirmed_name:  # a retake given by its bare code: the name its capture code carried
                        confirmed_name = self.db["captures"].get(old)["confirmed_name"]
                    self.db["captures"].update(
                        old, {"status": "replaced", "ended_at": stamp, "end_reason": retake_reason}
                    )
                    self.audit(operator, "retake", code, replaced=old, reason=retake_reason)
                self.db["captures"].insert(
                    {
                        "id": capture_id,
                        "code": code,
                        "station": self.station,
                        "operator": operator,
                        "taken_at": stamp,
                        "taken_day": stamp[:10],
                        "status": "accepted",
                        "results": json.dumps(result_rows, ensure_ascii=False),
                        "overrides": json.dumps(
                            [dataclasses.asdict(o) for o in overrides], ensure_ascii=False
                        ),
                        "crop_box": json.dumps(list(crop_box)) if crop_box else None,
                        "identity_score": identity.score if identity else None,
                        "identity_verdict": identity.verdict if identity else None,
                        "confirmed_name": mask_name(confirmed_name) if confirmed_name else "",
                    }
                )
                self.db["images"].insert_all(
                    {
                        "capture_id": capture_id,
                        "kind": kind,
                        "path": paths[kind].relative_to(self.data_dir).as_posix(),
                        "sha256": digests[kind],
                        "bytes": len(data),
                    }
                    for kind, data in images.items()
                )
                self.audit(operator, "capture", code, capture=capture_id)
                for o in overrides:
                    self.audit(o.operator, "override", code, capture=capture_id, check=o.check, reason=o.reason)
        log.info("capture %s stored as %s", code, capture_id)
        return self.capture(capture_id)

    @contextmanager
    def _save_errors(self) -> Iterator[None]:
        """A disk or database failure while saving, as a StoreError saying what to do (the
        intent has already removed whatever was written of the photo)."""
        try:
            yield
        except StoreError as e:
            cause = e.__cause__
            if cause is None or (problem := self._disk_problem(cause, SAVE_AGAIN)) is None:
                raise
            raise problem from cause
        except (OSError, sqlite3.OperationalError) as e:
            if (problem := self._disk_problem(e, SAVE_AGAIN)) is not None:
                raise problem from e
            raise StoreError(f"the photo could not be saved in {self.data_dir} ({e}): nothing of it was "
                             "saved; check the disk with `kiosk verify` and save the photo again") from e

    def void(self, code: str, operator: str, reason: str) -> Capture:
        """Withdraw the accepted photo of `code` (kept on disk, marked voided), audited; when it
        was already exported the audit names the batch that holds it. Returns the voided
        Capture (its .batch says whether the upload must be withdrawn)."""
        if not reason.strip():
            raise StoreError("voiding a photo needs a reason")
        with self.write():
            old = self._accepted_id(code)
            if old is None:
                last = self.history(code)[-1:]
                if last and last[0].status == "voided":
                    raise NoAcceptedCapture(f"{code}'s photo was already voided ({short_time(last[0].ended_at)}): "
                                            "nothing left to void; take a new photo for this code")
                raise NoAcceptedCapture(f"{code} has no accepted photo to void")
            exported = self.capture(old).batch
            self.db["captures"].update(
                old, {"status": "voided", "ended_at": self.stamp(), "end_reason": reason}
            )
            self.audit(operator, "void", code, capture=old, reason=reason,
                       **({"exported_in": exported} if exported else {}))
        return self.capture(old)

    def record_print(self, capture: Capture, copies: int, *, paper: str, output: str, operator: str) -> int:
        """Record `copies` prints of `capture`'s deliverable on `paper` (a [print] paper name),
        sent to `output` (the PDF file or the printer's name), audited. Returns the copies of
        this capture printed so far, this print included. A StoreError when `capture` is no
        longer the code's accepted photo (voided or retaken since it was shown)."""
        if copies < 1:
            raise StoreError(f"{copies} copies: print at least 1")
        with self.write():
            if self._accepted_id(capture.code) != capture.id:
                raise NoAcceptedCapture(f"the photo of {capture.code} was voided or retaken meanwhile: "
                                        "nothing was recorded; print the code's accepted photo again")
            self.db["prints"].insert({"capture_id": capture.id, "copies": copies, "paper": paper,
                                      "output": output, "operator": operator, "at": self.stamp()})
            self.audit(operator, "print", capture.code, capture=capture.id, copies=copies, paper=paper,
                       output=output)
            return self.printed(capture)

    def printed(self, capture: Capture) -> int:
        """Copies of `capture`'s deliverable printed so far (0 when none)."""
        return self.db.execute("SELECT coalesce(sum(copies), 0) FROM prints WHERE capture_id = ?",
                               [capture.id]).fetchone()[0]

    def _accepted_id(self, code: str) -> str | None:
        row = self.db.execute(
            "SELECT id FROM captures WHERE code = ? AND status = 'accepted'", [code]
        ).fetchone()
        return row[0] if row else None

    def accepted(self, code: str) -> Capture | None:
        found = self._captures("c.code = ? AND c.status = 'accepted'", [code.strip()])
        return found[0] if found else None

    def capture(self, capture_id: str) -> Capture:
        return self._captures("c.id = ?", [capture_id])[0]

    def accepted_with_image(self, sha256: str) -> list[Capture]:
        """The accepted captures whose original file (master) or deliverable has this SHA-256 (hex)."""
        return self._captures("c.status = 'accepted' AND c.id IN (SELECT capture_id FROM images "
                              "WHERE kind IN ('master', 'deliverable') AND sha256 = ?)", [sha256])

    def accepted_of_person(self, entry: RosterEntry) -> Capture | None:
        """The accepted photo of another capture code that the roster gives the same ID number
        as `entry`: one person under two codes, who would go to CHSI twice. None when there is
        none or `entry` has no ID number."""
        if not entry.id_number:
            return None
        found = self._captures("c.status = 'accepted' AND c.code != ? AND c.code IN "
                               "(SELECT code FROM roster WHERE id_number = ?)", [entry.code, entry.id_number])
        return found[0] if found else None

    def history(self, code: str) -> list[Capture]:
        """Every photo ever stored for `code`, oldest first."""
        return self._captures("c.code = ?", [code.strip()])

    def captures(
        self,
        day: date | None = None,
        *,
        all_days: bool = False,
        status: str | None = None,
        code: str | None = None,
        batch: str | None = None,
    ) -> list[Capture]:
        """Captures of `day` (default today) or of all days, oldest first, filtered."""
        where, params = [], []
        if not all_days:
            where.append("c.taken_day = ?")
            params.append((day or self.today()).isoformat())
        if status:
            where.append("c.status = ?")
            params.append(status)
        if code:
            where.append("c.code = ?")
            params.append(code.strip())
        if batch:
            where.append("b.name = ?")
            params.append(batch)
        return self._captures(" AND ".join(where) or "1", params)

    def _captures(self, where: str, params: list[Any]) -> list[Capture]:
        rows = list(
            self.db.query(
                "SELECT c.*, b.name AS batch_name, b.status AS batch_status FROM captures c "
                f"LEFT JOIN batches b ON b.id = c.batch_id WHERE {where} "
                "ORDER BY c.taken_at, c.rowid",
                params,
            )
        )
        images: dict[str, dict[str, StoredImage]] = {r["id"]: {} for r in rows}
        ids = list(images)
        for start in range(0, len(ids), 500):  # SQLite caps the number of ? per query
            chunk = ids[start : start + 500]
            for img in self.db.query(
                f"SELECT * FROM images WHERE capture_id IN ({','.join('?' * len(chunk))})", chunk
            ):
                images[img["capture_id"]][img["kind"]] = StoredImage(
                    img["kind"], self.data_dir / img["path"], img["sha256"], img["bytes"], img["purged_at"]
                )
        return [
            Capture(
                id=r["id"],
                code=r["code"],
                station=r["station"],
                operator=r["operator"],
                taken_at=r["taken_at"],
                status=r["status"],
                results=tuple(json.loads(r["results"])),
                overrides=tuple(Override(**o) for o in json.loads(r["overrides"])),
                crop_box=tuple(json.loads(r["crop_box"])) if r["crop_box"] else None,
                batch=r["batch_name"],
                exported_at=r["exported_at"],
                ended_at=r["ended_at"],
                end_reason=r["end_reason"],
                images=images[r["id"]],
                identity=IdentityResult(r["identity_score"], r["identity_verdict"]) if r["identity_verdict"] else None,
                confirmed_name=r["confirmed_name"],
                batch_unfinished=r["batch_status"] == "building",
            )
            for r in rows
        ]

    def counts(self, day: date | None = None) -> Counts:
        day_s = (day or self.today()).isoformat()
        by_status = dict(
            self.db.execute(
                "SELECT status, count(*) FROM captures WHERE taken_day = ? GROUP BY status", [day_s]
            ).fetchall()
        )
        one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        return Counts(
            accepted=by_status.get("accepted", 0),
            retakes=by_status.get("replaced", 0),
            voided=by_status.get("voided", 0),
            waiting_export=one(  # a batch cut short holds its photos until the next export finishes it
                "SELECT count(*) FROM captures c LEFT JOIN batches b ON b.id = c.batch_id "
                "WHERE c.status = 'accepted' AND (b.id IS NULL OR b.status = 'building')"
            ),
            roster=one("SELECT count(*) FROM roster"),
            roster_done=one(
                "SELECT count(*) FROM roster r JOIN captures c "
                "ON c.code = r.code AND c.status = 'accepted'"
            ),
        )

    # ---- integrity --------------------------------------------------------------------
    def verify_images(self) -> list[str]:
        """SQLite integrity check and every stored image (photos and reference photos)
        re-hashed; returns the problems."""
        problems = [
            f"database: {row[0]}"
            for row in self.db.execute("PRAGMA integrity_check").fetchall()
            if row[0] != "ok"
        ]
        for img in self.db.query(
            "SELECT i.*, c.code FROM images i JOIN captures c ON c.id = i.capture_id "
            "WHERE i.purged_at IS NULL ORDER BY c.code"
        ):
            path = self.data_dir / img["path"]
            if not path.exists():
                problems.append(f"{img['code']}: {img['kind']} image missing ({img['path']})")
            elif sha256_file(path) != img["sha256"]:
                problems.append(f"{img['code']}: {img['kind']} image changed on disk ({img['path']})")
        for ref in self.db.query("SELECT code, path, sha256 FROM reference_photos ORDER BY code"):
            path = self.data_dir / ref["path"]
            if not path.exists():
                problems.append(f"{ref['code']}: reference photo missing ({ref['path']})")
            elif sha256_file(path) != ref["sha256"]:
                problems.append(f"{ref['code']}: reference photo changed on disk ({ref['path']})")
        return problems

    def purge_exported_before(self, day: date, operator: str, dry_run: bool = False) -> tuple[int, int]:
        """Delete the image files of captures exported before `day`, keeping records and
        hashes; with dry_run only count them. Returns (captures, bytes freed or to free).
        A StoreError for a day after today: nothing can have been exported then."""
        if day > self.today():
            raise StoreError(f"{day} is in the future: give a day up to today ({self.today()})")
        query = ("SELECT i.capture_id, i.kind, i.path, i.bytes, c.code FROM images i "
                 "JOIN captures c ON c.id = i.capture_id JOIN batches b ON b.id = c.batch_id "
                 "WHERE b.status = 'complete' AND c.exported_at < ? AND i.purged_at IS NULL")
        if dry_run:
            rows = list(self.db.query(query, [day.isoformat()]))
            return len({r["capture_id"] for r in rows}), sum(r["bytes"] for r in rows)
        with self.write():
            rows = list(self.db.query(query, [day.isoformat()]))
            stamp = self.stamp()
            for r in rows:
                self.db["images"].update((r["capture_id"], r["kind"]), {"purged_at": stamp})
            captures = {r["capture_id"] for r in rows}
            freed = sum(r["bytes"] for r in rows)
            self.audit(operator, "purge", None, exported_before=day.isoformat(), captures=len(captures), bytes=freed)
        # Files go after the commit: a crash in between leaves files the next purge removes.
        for r in self.db.query("SELECT path FROM images WHERE purged_at IS NOT NULL"):
            (self.data_dir / r["path"]).unlink(missing_ok=True)
        return len(captures), freed

    # ---- crash safety -----------------------------------------------------------------
    @contextmanager
    def _intent(self, capture_id: str, paths: list[Path]) -> Iterator[None]:
        """Hold a locked intent file while a capture's images are written and recorded;
        if anything fails, the images written so far are removed."""
        intent = self.incoming_dir / f"{capture_id}.intent"
        tmp = intent.with_name(intent.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            rel = [p.relative_to(self.data_dir).as_posix() for p in paths]
            os.write(fd, json.dumps({"capture": capture_id, "paths": rel}).encode())
            os.fsync(fd)
            os.replace(tmp, intent)
            fsync_dir(self.incoming_dir)
            try:
                yield
            except BaseException:
                self._remove_images(paths)
                intent.unlink(missing_ok=True)
                raise
            intent.unlink()
        finally:
            os.close(fd)

    @staticmethod
    def _remove_images(paths: Iterable[Path]) -> None:
        for p in paths:
            p.unlink(missing_ok=True)
            p.with_name(p.name + ".tmp").unlink(missing_ok=True)

    def _recover(self) -> None:
        """Finish or undo saves that a crash interrupted (skipping saves still running)."""
        for entry in self.incoming_dir.iterdir():
            try:
                fd = os.open(entry, os.O_RDONLY)
            except FileNotFoundError:
                continue  # its save just finished
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # another process is saving right now
                if entry.suffix == ".intent":
                    intent = json.loads(Path(entry).read_text())
                    if self.db.execute(
                        "SELECT 1 FROM captures WHERE id = ?", [intent["capture"]]
                    ).fetchone() is None:
                        self._remove_images(self.data_dir / p for p in intent["paths"])
                        log.warning("removed the images of an unfinished capture %s", intent["capture"])
                entry.unlink(missing_ok=True)
            finally:
                os.close(fd)
