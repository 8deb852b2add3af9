"""Durable file writes: temporary name, flush, fsync, rename, fsync the folder.

A reader (or a restart after a crash) sees either the old state or the whole new file,
never a half-written one.
"""

import hashlib
import os
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
