"""`kiosk verify`: the database, every image hash and every exported batch."""

from __future__ import annotations

import argparse
import sys

from kiosk.commands.base import open_store, store_errors
from kiosk.messages import count


def register(sub) -> None:
    ver = sub.add_parser("verify", help="check the database, every image hash and every exported batch")
    ver.set_defaults(func=run_verify)


@store_errors
def run_verify(args: argparse.Namespace, settings) -> int:
    from kiosk.store.export import verify_batches

    with open_store(settings) as store:
        problems = store.verify_images() + verify_batches(store)
        for p in problems:
            print(p)
        if problems:
            print(f"{count(len(problems), 'problem')} found", file=sys.stderr)
            return 1
        n = store.db.execute("SELECT count(*) FROM images WHERE purged_at IS NULL").fetchone()[0]
        b = store.db.execute("SELECT count(*) FROM batches").fetchone()[0]
        print(f"ok: database intact; {count(n, 'image')} and {count(b, 'batch', 'batches')}, "
              "each matching its recorded SHA-256")
    return 0
