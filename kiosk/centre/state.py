"""The centre's state: one SQLite file, centre.sqlite3, in the centre's folder.

It records each station batch collected (by the station's store id and batch name, with the
SHA-256 of its SHA256SUMS), each photo in it and what became of the photo:
  waiting   verified, goes into the next upload
  held      its capture code was also accepted at another station: in no upload until resolved
  uploaded  in an upload (uploads.status says whether that upload is finished)
  replaced  the same station sent a later photo of the code (a retake)
  voided    lost a conflict: the centre's photographer kept the other station's photo
Every change of a photo's fate and every resolution is in the audit table.
"""

from __future__ import annotations

import io
import json
import sqlite3
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator

import sqlite_utils

from kiosk.messages import short_time
from kiosk.store.csvsafe import write_rows
from kiosk.store.export import RESOLUTIONS
from kiosk.store.files import network_share, write_durably
from kiosk.store.schema import StoreError
from kiosk.store.store import as_stored

DB_NAME = "centre.sqlite3"
# In the shared folder: which centre state collects it (kiosk.centre.state.claim_share).
COLLECTED_BY = "centre-collected-by.json"
CONFLICTS = "conflicts.csv"
CONFLICT_COLUMNS = ("code", "station", "taken_at", "operator", "batch", "sha256", "state")
# Photos already uploaded that no longer count (voided at their station or by a resolution,
# replaced by a retake): each must be withdrawn at CHSI by hand. Rewritten at every collect.
WITHDRAW = "withdraw.csv"
WITHDRAW_COLUMNS = ("code", "station", "taken_at", "upload", "sha256", "why")

SCHEMA = """
CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- a station id belongs to the store that sent its first batch: a batch under the same id
-- from another store is another machine given the same [station] id, and is left out
CREATE TABLE stations (station TEXT PRIMARY KEY, store_id TEXT NOT NULL, first_batch TEXT NOT NULL);
CREATE TABLE uploads (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    day TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('building', 'complete')),
    created_at TEXT NOT NULL,
    completed_at TEXT,
    count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    store_id TEXT NOT NULL,
    station TEXT NOT NULL,
    sums_sha256 TEXT NOT NULL,
    photos INTEGER NOT NULL,
    collected_at TEXT NOT NULL,
    UNIQUE (store_id, name)
);
CREATE TABLE resolutions (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    kept_station TEXT NOT NULL,
    operator TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE photos (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    code TEXT NOT NULL,
    student_number TEXT NOT NULL,
    name TEXT NOT NULL,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    station TEXT NOT NULL,
    operator TEXT NOT NULL,
    overrides TEXT NOT NULL,
    confirmations TEXT NOT NULL,
    retakes INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'held', 'uploaded', 'replaced', 'voided')),
    upload_id INTEGER REFERENCES uploads(id),
    resolution_id INTEGER REFERENCES resolutions(id)
);
CREATE INDEX photos_code ON photos(code);
CREATE INDEX photos_status ON photos(status);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    operator TEXT NOT NULL,
    action TEXT NOT NULL,
    code TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
)
"""
# Version 2: the photographer's word that an uploaded photo was withdrawn at CHSI (`kiosk
# centre withdrawn`), after which withdraw.csv no longer lists it.
SCHEMA_2 = """
CREATE TABLE chsi_withdrawn (
    photo_id INTEGER PRIMARY KEY REFERENCES photos(id),
    operator TEXT NOT NULL,
    at TEXT NOT NULL
)
"""
# Photos that still count: one of them per station may reach CHSI.
LIVE = ("waiting", "held", "uploaded")


class CentreError(StoreError):
    """Something the centre's photographer must act on; the message says what and what to do."""


@dataclass(frozen=True)
class Photo:
    """One accepted photo as a station batch's manifest.csv describes it (name masked as there)."""

    id: int
    code: str
    student_number: str
    name: str
    file: str  # its name in the station batch
    sha256: str
    taken_at: str  # the station's ISO time with UTC offset
    station: str
    store_id: str
    batch: str
    operator: str
    overrides: str  # "check: reason (operator); ..." as the station wrote it
    confirmations: str  # "no_dyed_hair; no_makeup; ..." (older stations: "dyed_hair; ...")
    retakes: int  # earlier photos of the code the station replaced
    status: str
    upload: str | None

    def when(self) -> str:
        return short_time(self.taken_at)


def share_claim(shared: Path) -> dict | None:
    """What SHARED/COLLECTED_BY says (the centre folder that collects the share, and its state
    id); None when no centre has collected from it. A CentreError when it cannot be read."""
    marker = shared / COLLECTED_BY
    try:
        return json.loads(marker.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise CentreError(f"{marker} cannot be read ({e}): it says which centre folder collects this share; "
                          "remove it only if no other centre folder has collected from here") from e


def claimed_elsewhere(shared: Path, claim: dict, folder: Path) -> CentreError:
    return CentreError(f"{shared} is collected into {claim.get('folder')}, not {folder}: give --to "
                       f"{claim.get('folder')} (or set [centre] folder to it); a second centre folder would "
                       "upload every photo again")


class CentreState:
    """Open with CentreState(folder); close() when done. `folder` is created if missing."""

    def __init__(self, folder: Path, clock: Any = None) -> None:
        self.folder = Path(folder)
        self.clock = clock
        if kind := network_share(self.folder):
            raise CentreError(f"the centre folder {self.folder} is on a network share ({kind}): its SQLite state "
                              "can be corrupted there. Give a folder on this machine's own disk with --to "
                              "(or [centre] folder); the share is the SHARED_DIR the stations export into")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.folder / DB_NAME, isolation_level=None, timeout=30)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA busy_timeout = 30000")
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous = FULL")
            self.db.execute("PRAGMA foreign_keys = ON")
            with self.write():
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                if version == 0:
                    for statement in SCHEMA.split(";"):
                        self.db.execute(statement)
                if version < 2:
                    self.db.execute(SCHEMA_2)
                    self.db.execute("PRAGMA user_version = 2")
        except OSError as e:
            raise CentreError(f"cannot create the centre folder {self.folder} ({e.strerror}): "
                              "give a writable folder with --to or [centre] folder") from e
        except sqlite3.DatabaseError as e:
            raise CentreError(f"cannot open the centre's state {self.folder / DB_NAME} ({e}): restore it from "
                              "the backup; nothing was changed") from e

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "CentreState":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stamp(self) -> str:
        wall = self.clock.wall() if self.clock is not None else datetime.now()
        return (wall if wall.tzinfo else wall.astimezone()).isoformat(timespec="milliseconds")

    def today(self) -> date:
        return date.fromisoformat(self.stamp()[:10])

    @contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction; IMMEDIATE so a second `kiosk centre` waits instead of failing."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self.db.conn.in_transaction:
                self.db.conn.execute("ROLLBACK")
            raise
        self.db.conn.execute("COMMIT")

    def audit(self, operator: str, action: str, code: str | None = None, **detail: Any) -> None:
        """Record who did what at the centre; callers pass no names or ID numbers in `detail`."""
        self.db["audit"].insert({"at": self.stamp(), "operator": operator, "action": action, "code": code,
                                 "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True)})

    def audit_log(self, code: str | None = None) -> list[dict[str, Any]]:
        where, params = ("WHERE code = ?", [code]) if code else ("", [])
        return list(self.db.query(f"SELECT * FROM audit {where} ORDER BY id", params))

    # ---- the shared folder the resolutions go to ------------------------------------------
    @property
    def share(self) -> Path | None:
        row = self.db.execute("SELECT value FROM info WHERE key = 'share'").fetchone()
        return Path(row[0]) if row else None

    def remember_share(self, shared: Path) -> None:
        self.db["info"].upsert({"key": "share", "value": str(shared.resolve())}, pk="key")

    def claim_share(self, shared: Path) -> None:
        """Mark `shared` as collected by this state (SHARED/COLLECTED_BY: this state's folder
        and id), so that a second state never uploads its photos again. A CentreError when
        another state has claimed it; OSError when the share cannot be written."""
        row = self.db.execute("SELECT value FROM info WHERE key = 'state_id'").fetchone()
        if row is None:
            row = (uuid.uuid4().hex,)
            with self.write():
                self.db["info"].insert({"key": "state_id", "value": row[0]})
        mine, marker = row[0], shared / COLLECTED_BY
        claim = share_claim(shared)
        if claim is not None and claim.get("state_id") != mine:
            raise claimed_elsewhere(shared, claim, self.folder)
        if claim is None:
            write_durably(marker, json.dumps({"state_id": mine, "folder": str(self.folder.resolve())}).encode())

    # ---- photos -----------------------------------------------------------------------------
    def photos(self, where: str = "1", params: list[Any] | tuple = ()) -> list[Photo]:
        rows = self.db.query(
            "SELECT p.*, b.name AS batch, b.store_id, u.name AS upload FROM photos p "
            "JOIN batches b ON b.id = p.batch_id LEFT JOIN uploads u ON u.id = p.upload_id "
            f"WHERE {where} ORDER BY p.taken_at, p.id", list(params))
        return [Photo(**{k: r[k] for k in Photo.__dataclass_fields__}) for r in rows]

    def settle(self, code: str, operator: str) -> list[str]:
        """Decide the fate of `code`'s live photos after new ones arrived: per station only the
        latest counts (a retake replaces the earlier photo); photos from two stations are a
        conflict and the waiting ones are held. A code is one student in any case of its letters
        (two stations' rosters may spell it hk3001 and HK3001). Returns what the photographer must know."""
        messages = []
        live = self.photos(f"p.code = ? COLLATE NOCASE AND p.status IN {LIVE}", [code])
        latest: dict[str, Photo] = {}
        for p in live:  # oldest first
            if p.store_id in latest:
                old = latest[p.store_id]
                self._set(old, "replaced", operator, by=p.id)
                if old.status == "uploaded":
                    messages.append(f"{code}: {p.station} sent a retake taken {p.when()}; the earlier photo "
                                    f"({old.when()}) is in upload {old.upload}: withdraw it there")
            latest[p.store_id] = p
        if len(latest) > 1:
            for p in latest.values():
                if p.status == "waiting":
                    self._set(p, "held", operator)
        return messages

    def withdraw(self, store_id: str, code: str, sha256: str, operator: str, batch: str | None = None) -> list[str]:
        """Void the photo of `code` with `sha256` in the station batch `batch` (any of the
        station's batches when None: a withdrawal file of an older station) that the station
        of `store_id` voided after exporting it (inside the caller's transaction): never
        uploaded, or, when it was, the message says which upload to withdraw it from. A
        conflict it leaves with one station is over: that photo waits for the upload. Returns
        what the photographer must know; nothing when it was withdrawn already."""
        messages = []
        in_batch = " AND b.name = ?" if batch is not None else ""
        for p in self.photos(f"b.store_id = ? AND p.code = ? AND p.sha256 = ? AND p.status IN {LIVE}{in_batch}",
                             [store_id, code, sha256, *([batch] if batch is not None else [])]):
            self._set(p, "voided", operator, withdrawn_by=p.station)
            where = f"it is in upload {p.upload}: withdraw it there" if p.status == "uploaded" else \
                "left out of the upload"
            messages.append(f"{code}: {p.station} voided its photo taken {p.when()} after exporting it; {where}")
            live = self.photos(f"p.code = ? COLLATE NOCASE AND p.status IN {LIVE}", [code])
            if len({q.store_id for q in live}) == 1:
                for q in live:
                    if q.status == "held":
                        self._set(q, "waiting", operator, conflict_ended_by="withdrawal")
        return messages

    def _set(self, photo: Photo, status: str, operator: str, **detail: Any) -> None:
        self.db["photos"].update(photo.id, {"status": status})
        self.audit(operator, status, photo.code, station=photo.station, batch=photo.batch, sha256=photo.sha256,
                   **detail)

    def conflicts(self) -> dict[str, list[Photo]]:
        """The open conflicts: code -> its live photos (one per station), oldest first."""
        held = [r[0] for r in self.db.execute(
            "SELECT min(code) FROM photos WHERE status = 'held' GROUP BY upper(code) ORDER BY upper(code)").fetchall()]
        live = {code: self.photos(f"p.code = ? COLLATE NOCASE AND p.status IN {LIVE}", [code]) for code in held}
        return {code: photos for code, photos in live.items() if len({p.store_id for p in photos}) > 1}

    def hold_duplicates(self, operator: str) -> tuple[list[list[Photo]], list[list[Photo]]]:
        """One photo under two capture codes (one SHA-256): a mix-up no station can see when
        the codes were taken at two stations. Their photos not yet uploaded are held out of the
        upload, and released once the group is gone (a station voided the wrong one) and no
        conflict of their code holds them (inside the caller's transaction). Returns (those
        groups, the groups of codes sharing a student number among which a photo waits for
        this upload): maybe one person under two codes, said but not held, for colleges may
        number their students alike. Each group: its live photos, oldest first."""
        live = self.photos(f"p.status IN {LIVE}")
        by_photo: dict[str, list[Photo]] = {}
        by_number: dict[str, list[Photo]] = {}
        for p in live:
            by_photo.setdefault(p.sha256, []).append(p)
            if p.student_number:
                by_number.setdefault(p.student_number, []).append(p)
        # Both uploaded already (before the centre looked for this): withdrawing one is a void at
        # its station, which the next collect turns into a line of withdraw.csv.
        same = [photos for photos in by_photo.values() if len({p.code.upper() for p in photos}) > 1
                and any(p.status != "uploaded" for p in photos)]
        held = {p.id for photos in same for p in photos}
        stations: dict[str, set[str]] = {}
        for p in live:
            stations.setdefault(p.code.upper(), set()).add(p.store_id)
        for p in live:
            if p.status == "waiting" and p.id in held:
                self._set(p, "held", operator, same_photo_as_another_code=True)
            elif p.status == "held" and p.id not in held and len(stations[p.code.upper()]) == 1:
                self._set(p, "waiting", operator, conflict_ended_by="the other code's photo voided")
        alike = [photos for photos in by_number.values() if len({p.code.upper() for p in photos}) > 1
                 and any(p.status == "waiting" for p in photos)]
        return same, alike

    def resolve(self, code: str, keep: str, operator: str) -> tuple[Photo, list[Photo]]:
        """Keep `keep`'s photo of `code` and void the other stations' (audited). Returns
        (the kept photo, the voided ones). A CentreError when `code` has no open conflict or
        `keep` sent no photo of it. A code is one student in any case of its letters; a station
        may be typed so too (hk-02 for HK-02) where only one matches."""
        with self.write():
            live = self.photos(f"p.code = ? COLLATE NOCASE AND p.status IN {LIVE}", [code])
            code = live[0].code if live else code
            keep = as_stored(keep, {p.station for p in live if p.station.upper() == keep.upper()})
            if not any(p.status == "held" for p in live):
                raise CentreError(f"{code} has no open conflict: {CONFLICTS} in {self.folder} lists the open ones")
            kept = [p for p in live if p.station == keep]
            if not kept:
                raise CentreError(f"{keep} sent no photo of {code}: keep one of "
                                  f"{', '.join(sorted({p.station for p in live}))}")
            resolution = self.db["resolutions"].insert(
                {"code": code, "kept_station": keep, "operator": operator, "at": self.stamp()}).last_pk
            if kept[0].status == "held":
                self._set(kept[0], "waiting", operator, resolution=resolution)
            voided = [p for p in live if p.station != keep]
            for p in voided:
                self.db["photos"].update(p.id, {"resolution_id": resolution})
                self._set(p, "voided", operator, resolution=resolution)
            self.audit(operator, "resolve", code, kept=keep, kept_sha256=kept[0].sha256,
                       voided=[p.station for p in voided])
        return kept[0], voided

    # ---- what the centre writes for people and stations ---------------------------------------
    def write_conflicts(self) -> Path:
        """Rewrite FOLDER/conflicts.csv: one row per live photo of each open conflict (UTF-8
        with BOM for Excel, every cell through csvsafe)."""
        rows = [{"code": p.code, "station": p.station, "taken_at": p.taken_at, "operator": p.operator,
                 "batch": p.batch, "sha256": p.sha256,
                 "state": f"in upload {p.upload}" if p.status == "uploaded" else "held"}
                for photos in self.conflicts().values() for p in photos]
        out = io.StringIO(newline="")
        write_rows(out, CONFLICT_COLUMNS, rows)
        path = self.folder / CONFLICTS
        write_durably(path, out.getvalue().encode("utf-8-sig"))
        return path

    def to_withdraw(self) -> list[Photo]:
        """Photos in an upload that no longer count (status voided or replaced) and are not yet
        withdrawn at CHSI (withdrawn_at_chsi), oldest first."""
        return self.photos("p.upload_id IS NOT NULL AND p.status IN ('voided', 'replaced') "
                           "AND p.id NOT IN (SELECT photo_id FROM chsi_withdrawn)")

    def withdrawn_at_chsi(self, codes: list[str] | None, operator: str) -> list[Photo]:
        """Record that the photographer withdrew at CHSI the photos of to_withdraw() with these
        capture codes (None: all of them), audited; returns them. A CentreError, with nothing
        recorded, for a code that to_withdraw() does not hold. A code typed in another case is
        the one listed when only one listed code matches it so (hk3002 for HK3002)."""
        with self.write():
            waiting = self.to_withdraw()
            if codes is not None:
                spellings: dict[str, set[str]] = {}
                for p in waiting:
                    spellings.setdefault(p.code.upper(), set()).add(p.code)
                codes = [as_stored(c, spellings.get(c.upper(), set())) for c in codes]
                if unknown := sorted(set(codes) - {p.code for p in waiting}):
                    done = {r[0]: r[1] for r in self.db.execute(
                        "SELECT p.code, w.at FROM chsi_withdrawn w JOIN photos p ON p.id = w.photo_id")}
                    said = [f"{c} (recorded as withdrawn at {short_time(done[c])})" if c in done else c
                            for c in unknown]
                    raise CentreError(f"not in withdraw.csv: {', '.join(said)}; nothing was recorded. Only "
                                      "photos listed there (already uploaded, no longer counting) are withdrawn at CHSI")
                waiting = [p for p in waiting if p.code in codes]
            for p in waiting:
                self.db["chsi_withdrawn"].insert({"photo_id": p.id, "operator": operator, "at": self.stamp()})
                self.audit(operator, "withdrawn_at_chsi", p.code, station=p.station, upload=p.upload, sha256=p.sha256)
        return waiting

    def write_withdrawals(self) -> int:
        """Rewrite FOLDER/withdraw.csv (WITHDRAW): one row per photo of to_withdraw(), with its
        upload, for the photographer to withdraw at CHSI (UTF-8 with BOM, cells through csvsafe).
        Returns how many rows it holds."""
        rows = [{"code": p.code, "station": p.station, "taken_at": p.taken_at, "upload": p.upload, "sha256": p.sha256,
                 "why": "replaced by a retake" if p.status == "replaced" else "voided"} for p in self.to_withdraw()]
        out = io.StringIO(newline="")
        write_rows(out, WITHDRAW_COLUMNS, rows)
        write_durably(self.folder / WITHDRAW, out.getvalue().encode("utf-8-sig"))
        return len(rows)

    def publish(self, shared: Path) -> Path:
        """Rewrite SHARED/centre-resolutions.json (kiosk.store.export.RESOLUTIONS): every copy a
        resolution voided, so its station voids it at its next export into that folder."""
        voids = [{"code": r["code"], "store_id": r["store_id"], "station": r["station"], "sha256": r["sha256"],
                  "kept_station": r["kept_station"], "operator": r["operator"], "resolved_at": r["at"]}
                 for r in self.db.query(
                     "SELECT p.code, b.store_id, p.station, p.sha256, r.kept_station, r.operator, r.at "
                     "FROM photos p JOIN batches b ON b.id = p.batch_id JOIN resolutions r ON r.id = p.resolution_id "
                     "WHERE p.status = 'voided' ORDER BY r.id, p.id")]
        path = shared / RESOLUTIONS
        write_durably(path, json.dumps({"voids": voids}, ensure_ascii=False, indent=1).encode())
        return path
