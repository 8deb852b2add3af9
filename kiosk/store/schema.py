"""Numbered schema migrations, run in order at start.

PRAGMA user_version holds the number of the last migration applied; a new schema change
is a new entry at the end of MIGRATIONS, never an edit of an old one.
"""

import sqlite_utils


class StoreError(Exception):
    """Something the operator must act on; the message says what and what to do."""


MIGRATIONS: tuple[str, ...] = (
    # 1: roster, captures, images, export batches, audit log
    """
    CREATE TABLE roster (
        code TEXT PRIMARY KEY,
        student_number TEXT NOT NULL,
        name TEXT NOT NULL,
        id_number TEXT NOT NULL DEFAULT '',
        college TEXT NOT NULL DEFAULT '',
        major TEXT NOT NULL DEFAULT '',
        imported_at TEXT NOT NULL
    );
    CREATE TABLE batches (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        target TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('building', 'complete')),
        created_at TEXT NOT NULL,
        completed_at TEXT,
        count INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE captures (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL,
        station TEXT NOT NULL,
        operator TEXT NOT NULL,
        taken_at TEXT NOT NULL,
        taken_day TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('accepted', 'replaced', 'voided')),
        results TEXT NOT NULL,
        overrides TEXT NOT NULL,
        crop_box TEXT,
        batch_id INTEGER REFERENCES batches(id),
        exported_at TEXT,
        ended_at TEXT,
        end_reason TEXT
    );
    -- the rule "one accepted photo per capture code", kept by SQLite itself
    CREATE UNIQUE INDEX captures_one_accepted ON captures(code) WHERE status = 'accepted';
    CREATE INDEX captures_day ON captures(taken_day);
    CREATE INDEX captures_code ON captures(code);
    CREATE INDEX captures_batch ON captures(batch_id);
    CREATE TABLE images (
        capture_id TEXT NOT NULL REFERENCES captures(id),
        kind TEXT NOT NULL CHECK (kind IN ('master', 'deliverable')),
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        purged_at TEXT,
        PRIMARY KEY (capture_id, kind)
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        station TEXT NOT NULL,
        operator TEXT NOT NULL,
        action TEXT NOT NULL,
        code TEXT,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_code ON audit(code);
    """,
    # 2: this store's own id, written into each batch folder it exports, so an export never
    # replaces a folder another station (given the same [station] id) wrote on the same drive
    """
    CREATE TABLE store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO store_info VALUES ('store_id', lower(hex(randomblob(16))))
    """,
    # 3: the prints of a capture handed to the student (加印): how many copies, on what
    # paper, by whom, to which PDF file or printer; the audit log has a row for each too
    """
    CREATE TABLE prints (
        id INTEGER PRIMARY KEY,
        capture_id TEXT NOT NULL REFERENCES captures(id),
        copies INTEGER NOT NULL CHECK (copies > 0),
        paper TEXT NOT NULL,
        output TEXT NOT NULL,
        operator TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX prints_capture ON prints(capture_id)
    """,
    # 4: the identity pre-check. A reference photo of a roster student (from the college's
    # folder or taken at the station), as a file under references/ with its SHA-256, kept only
    # while the student is on the roster (hence the foreign key); and the score and verdict
    # stored with a capture (never the embedding)
    """
    CREATE TABLE reference_photos (
        code TEXT PRIMARY KEY REFERENCES roster(code),
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('folder', 'camera')),
        operator TEXT NOT NULL,
        added_at TEXT NOT NULL
    );
    ALTER TABLE captures ADD COLUMN identity_score REAL;
    ALTER TABLE captures ADD COLUMN identity_verdict TEXT
    """,
    # 5: the masked name the student confirmed at the capture (the roster's, else the one the
    # capture code carries, masked by CHSI: 王*明), so a photo of a student not on the roster
    # still shows whose it is in lists and manifests.
    """
    ALTER TABLE captures ADD COLUMN confirmed_name TEXT NOT NULL DEFAULT ''
    """,
    # 6: every save looks up its images' SHA-256 among the accepted photos (one picture is one
    # student's): an index, so a season's store is not read through at each save
    """
    CREATE INDEX images_sha256 ON images(sha256)
    """,
)


def migrate(db: sqlite_utils.Database) -> int:
    """Apply the migrations this file has not seen yet; returns the schema version."""
    for number, sql in enumerate(MIGRATIONS, start=1):
        # IMMEDIATE, and the version read inside: two programs starting on a new store
        # (the kiosk and the nightly export) apply each migration once between them.
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            version = db.conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise StoreError(
                    f"the store has schema version {version}, newer than this program knows "
                    f"({len(MIGRATIONS)}): update the station software"
                )
            if version < number:
                for statement in sql.split(";"):  # no ';' inside the statements themselves
                    db.conn.execute(statement)
                db.conn.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            db.conn.execute("ROLLBACK")
            raise
        db.conn.execute("COMMIT")
    return len(MIGRATIONS)
