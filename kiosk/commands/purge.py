"""`kiosk purge`: delete the image files of photos exported before a date."""

from __future__ import annotations

import argparse
from datetime import date

from kiosk.commands.base import open_store, operator_option, store_errors


def register(sub) -> None:
    purge = sub.add_parser("purge", help="delete the image files of photos exported before a date")
    purge.add_argument("--exported-before", required=True, type=date.fromisoformat, metavar="YYYY-MM-DD")
    operator_option(purge)
    purge.set_defaults(func=run_purge)


@store_errors
def run_purge(args: argparse.Namespace, settings) -> int:
    with open_store(settings) as store:
        captures, freed = store.purge_exported_before(args.exported_before, args.operator)
    print(f"purged the images of {captures} captures exported before {args.exported_before} "
          f"({freed / 1e6:.1f} MB freed); their records and hashes are kept")
    return 0
