"""Durable file writes: temporary name, flush, fsync, rename, fsync the folder.

A reader (or a restart after a crash) sees either the old state or the whole new file,
never a half-written one.
"""

import hashlib
import os
import re
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink inside `folder` survive a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: Path, data: bytes, sync_dir: bool = True) -> None:
    """Write `data` to `path` atomically; `sync_dir=False` lets a caller writing many
    files into one folder sync it once at the end."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    if sync_dir:
        fsync_dir(path.parent)


def sha256_file(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_verified(path: Path, sha256: str) -> tuple[bytes | None, str | None]:
    """(the file's bytes, None) when it reads and matches `sha256` (hex); else (None, what is
    wrong: "cannot be read (reason)" or "no longer matches its SHA-256"), for the caller's
    message about the photo the file holds."""
    try:
        data = path.read_bytes()
    except OSError as e:
        return None, f"cannot be read ({e.strerror})"
    if sha256_bytes(data) != sha256:
        return None, "no longer matches its SHA-256"
    return data, None


# File systems on another machine: SQLite's WAL needs shared memory and POSIX locks that
# these do not give reliably, so a database there can be corrupted or lose commits.
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "ceph", "glusterfs", "lustre", "gpfs",
    "beegfs", "9p", "fuse.sshfs", "fuse.davfs2", "davfs", "fuse.rclone", "fuse.s3fs", "fuse.gvfsd-fuse",
})


MOUNTINFO = Path("/proc/self/mountinfo")


def filesystem_type(path: Path, mountinfo: str | None = None) -> str:
    """The type of the file system that holds (or would hold) `path`, as Linux names it
    ("ext4", "nfs4", "cifs"...), from the MOUNTINFO table (or the `mountinfo` text given);
    "" when unknown (not Linux)."""
    if mountinfo is None:
        try:
            mountinfo = MOUNTINFO.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
    target = Path(os.path.realpath(path))
    best, kind = -1, ""
    for line in mountinfo.splitlines():
        fields, _, rest = line.partition(" - ")
        parts = fields.split()
        if len(parts) < 5 or not rest:
            continue
        # Spaces and other specials in mount points are written as octal escapes (\040).
        point = Path(re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), parts[4]))
        if (target == point or point in target.parents) and len(point.parts) > best:
            best, kind = len(point.parts), rest.split()[0]
    return kind


def network_share(path: Path, mountinfo: str | None = None) -> str | None:
    """The file-system type when `path` lies on a network share (NFS, SMB/CIFS, ...), else None."""
    kind = filesystem_type(path, mountinfo)
    return kind if kind in NETWORK_FILESYSTEMS else None
