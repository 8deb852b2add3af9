"""What several commands share: how they report an error, open the store, name the operator."""

from __future__ import annotations

import argparse
import contextlib
import functools
import getpass
import os
import sys
import unicodedata
from datetime import date


def error(message: str) -> int:
    """Print `error: message` on stderr; returns the exit status 1."""
    print(f"error: {message}", file=sys.stderr)
    return 1


def operator_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--operator", default=getpass.getuser(), help="who does this (default: the login name)")


def open_store(settings, create: bool = False):
    """The station's store. Unless `create` (commands that store something new: add, roster
    import), a data folder without one is a StoreError: a mistyped KIOSK_DATA or [store]
    data_dir made a new empty store, and the nightly export said "nothing new" for ever."""
    from kiosk.paths import data_dir
    from kiosk.store import Store, StoreError
    from kiosk.store.store import DB_NAME

    folder = data_dir(settings)
    if not (folder / DB_NAME).exists():
        if not create:
            where = "KIOSK_DATA" if os.environ.get("KIOSK_DATA") else (
                f"[store] data_dir in {settings.source}" if settings.store.data_dir else "the default data folder")
            raise StoreError(f"no station store in {folder} (from {where}): check that setting, `kiosk doctor` "
                             "prints the data folder in use; a station's store is made by its first `kiosk run`, "
                             "`kiosk add` or `kiosk roster import`")
        # Said, so that a mistyped folder shows at once.
        print(f"note: a new station store is made in {folder}; if this station has one elsewhere, check "
              "KIOSK_DATA or [store] data_dir", file=sys.stderr)
    return Store.from_settings(settings)


@contextlib.contextmanager
def adding_store(settings):
    """open_store(create=True) for a command that stores something new (add, roster import),
    closed at the end. When the command fails inside it on a store it made, that store is
    taken away again: a mistyped data folder keeps no empty store for `kiosk run` or the
    nightly export to take for the station's own."""
    from kiosk.paths import data_dir
    from kiosk.store.store import DB_NAME

    folder = data_dir(settings)
    made = [p for p in (folder, *folder.parents) if not p.exists()]
    new = not (folder / DB_NAME).exists()
    store = open_store(settings, create=True)
    try:
        yield store
    except BaseException:
        store.close()
        if new:
            _take_away(folder, made)
        raise
    store.close()


def _take_away(folder, made) -> None:
    """Remove a store nothing was stored in: its database files, then its folders and the
    ones made for it while they are empty (rmdir keeps anything else that came)."""
    from kiosk.store.store import DB_NAME

    for name in (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm"):
        (folder / name).unlink(missing_ok=True)
    for path in [folder / "images", folder / "incoming", folder / "references", *made]:
        with contextlib.suppress(OSError):
            path.rmdir()
    print(f"note: nothing was stored, so the new station store in {folder} was removed again", file=sys.stderr)


def store_errors(handler):
    """A StoreError is a message for the operator (exit 1), not a traceback."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace, settings) -> int:
        from kiosk.store import StoreError

        try:
            return handler(args, settings)
        except StoreError as e:
            return error(str(e))

    return run


def day(text: str) -> date:
    """An argparse type: a calendar day written YYYY-MM-DD (2026-11-30)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a day: write it as YYYY-MM-DD, for example 2026-06-30") from None


def positive(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of 1 or more")
    return number


def pad(text: str, width: int, cut: bool = False) -> str:
    """`text` padded to `width` terminal columns; a Chinese character takes two. With `cut`, a
    longer text ends in "…" one column short of `width`, so the next column stays in line."""
    def columns(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)

    if cut and columns(text) > width - 1:
        while columns(text) > width - 2:
            text = text[:-1]
        text += "…"
    return text + " " * max(width - columns(text), 1)
