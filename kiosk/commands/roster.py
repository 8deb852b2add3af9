"""`kiosk roster import`: the college's list of students."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.commands.base import count, error, open_store, operator_option


def register(sub) -> None:
    roster = sub.add_parser("roster", help="the college's list of students")
    roster_sub = roster.add_subparsers(title="roster commands", metavar="ACTION", required=True)
    imp = roster_sub.add_parser(
        "import", help="import a roster: CSV (UTF-8 or GBK) or Excel .xlsx, with the column names offices use")
    imp.add_argument("file", type=Path, metavar="FILE", help="the roster, .csv or .xlsx")
    imp.add_argument("--skip-bad", action="store_true", help="import the good rows even if some rows are bad")
    operator_option(imp)
    imp.set_defaults(func=run_roster_import)


def run_roster_import(args: argparse.Namespace, settings) -> int:
    from kiosk.store import StoreError
    from kiosk.store.roster import RosterFileError, read_roster

    try:
        found = read_roster(args.file)
    except RosterFileError as e:
        return error(str(e))
    for line in found.warnings:
        print(f"warning: {line}", file=sys.stderr)
    for line in found.errors:
        print(line, file=sys.stderr)
    if found.errors and not args.skip_bad:
        return error(
            f"{count(len(found.errors), 'bad row')}, nothing imported: fix those lines, or run again "
            f"with --skip-bad to import the {count(len(found.entries), 'good row')}"
        )
    try:
        with open_store(settings) as store:
            imported = store.import_roster(found.entries, args.operator, args.file.name)
            total = store.roster_count()
    except StoreError as e:
        return error(str(e))
    skipped = f", skipped {count(len(found.errors), 'bad row')}" if found.errors else ""
    print(f"imported {count(imported, 'student')} from {args.file.name}{skipped}; the roster holds {total}")
    return 0
