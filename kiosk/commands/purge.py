"""`kiosk purge`: delete the image files of photos exported before a date (a dry run unless --delete)."""

from __future__ import annotations

import argparse
from kiosk.commands.base import day, open_store, operator_option, store_errors
from kiosk.messages import count


def register(sub) -> None:
    purge = sub.add_parser("purge", help="delete the image files of photos exported before a day (first a dry run)",
                           description="Say how many photos were exported before the day and how much space their "
                                       "image files take; with --delete, delete those files. Records, hashes and "
                                       "the audit stay. The day must not be after today.")
    purge.add_argument("--exported-before", required=True, type=day, metavar="YYYY-MM-DD",
                       help="photos handed over in an export before this day")
    mode = purge.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="only say what would go (the default)")
    mode.add_argument("--delete", action="store_true", help="delete those image files (audited)")
    operator_option(purge)
    purge.set_defaults(func=run_purge)


@store_errors
def run_purge(args: argparse.Namespace, settings) -> int:
    before = args.exported_before
    with open_store(settings) as store:
        captures, size = store.purge_exported_before(before, args.operator, dry_run=not args.delete)
    if not captures:
        print(f"no image files of photos exported before {before} are left: nothing to purge")
        return 0
    if not args.delete:
        print(f"would purge the images of {count(captures, 'capture')} exported "
              f"before {before} ({size / 1e6:.1f} MB); nothing was deleted: run again with --delete to do it")
        return 0
    print(f"purged the images of {count(captures, 'capture')} exported before {before} "
          f"({size / 1e6:.1f} MB freed); their records and hashes are kept")
    return 0
