"""`kiosk roster import` and `kiosk roster purge`: the college's list of students and their
reference photos."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.commands.base import adding_store, error, open_store, operator_option, pad, store_errors
from kiosk.messages import count


def register(sub) -> None:
    roster = sub.add_parser("roster", help="the college's list of students")
    roster_sub = roster.add_subparsers(title="roster commands", metavar="ACTION", required=True)
    imp = roster_sub.add_parser(
        "import",
        help="import a roster: CSV (UTF-8, UTF-16 or GBK) or Excel .xlsx, with the column names offices use")
    imp.add_argument("file", type=Path, metavar="FILE", help="the roster, .csv or .xlsx")
    imp.add_argument("--skip-bad", action="store_true", help="import the good rows even if some rows are bad")
    imp.add_argument("--restore", action="store_true",
                     help="import again the students of this file taken off with `kiosk roster remove` (by default "
                          "they are left off, each named with when and why)")
    imp.add_argument("--references", type=Path, metavar="DIR",
                     help="the college's reference photos for the identity pre-check: a folder of JPEG or PNG "
                          "files, each named by the student's capture code or student number (HK3000.png, "
                          "2023001.jpg); matched against the whole roster, this file's students and earlier "
                          "ones. Every file not stored is named with why, and the exit status is then 1")
    operator_option(imp)
    imp.set_defaults(func=run_roster_import)
    listing = roster_sub.add_parser(
        "list", help="every student of the roster, names and ID numbers masked",
        description="Every student of the roster, by capture code, as it was read: student number, masked "
                    "name and ID number, college and major, and whether an accepted photo is kept. "
                    "`kiosk show CODE --full` shows one student unmasked (audited).")
    listing.set_defaults(func=run_roster_list)
    remove = roster_sub.add_parser(
        "remove", help="take one student off the roster (a code issued by mistake), audited",
        description="Take one student off the roster, with their reference photo: a code the college issued by "
                    "mistake, or a second code of one person (the import warns of those). Refused while the code has "
                    "an accepted photo. Audited with the reason.")
    remove.add_argument("code", metavar="CODE", help="the capture code to take off the roster")
    remove.add_argument("--reason", required=True, help="why, for the audit log (the college's word, a typo...)")
    operator_option(remove)
    remove.set_defaults(func=run_roster_remove)
    purge = roster_sub.add_parser(
        "purge", help="delete the roster and its reference photos (first a dry run)",
        description="Say how many students and reference photos the roster holds; with --delete, delete them "
                    "(audited). The photos taken and their records stay. Refused while an accepted photo of a "
                    "student on the roster waits for the export, which names photos from the roster.")
    mode = purge.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="only say what would go (the default)")
    mode.add_argument("--delete", action="store_true", help="delete the roster and its reference photos (audited)")
    operator_option(purge)
    purge.set_defaults(func=run_roster_purge)


def run_roster_import(args: argparse.Namespace, settings) -> int:
    from kiosk.store import StoreError
    from kiosk.store.roster import RosterFileError, read_roster

    if args.references is not None and not args.references.is_dir():
        return error(f"the reference folder {args.references} " + (
            "is not a folder: give the folder that holds the photos" if args.references.exists()
            else "does not exist: give the folder that holds the photos") + "; nothing was imported")
    try:
        found = read_roster(args.file)
    except RosterFileError as e:
        return error(str(e))
    for line in found.warnings:
        print(f"warning: {line}", file=sys.stderr)
    for line in found.errors:
        print(line, file=sys.stderr)
    if found.errors and not args.skip_bad:
        rest = (f", or run again with --skip-bad to import the {count(len(found.entries), 'good row')}"
                if found.entries else "")
        return error(f"{count(len(found.errors), 'bad row')}, nothing imported: fix those lines{rest}")
    if not found.entries and not found.errors:
        # "imported 0 students" with success read as done (a trial's file held its header only).
        return error(f"{args.file} holds no students, only its header: nothing imported; give the college's "
                     "list with one row per student")
    try:
        with adding_store(settings) as store:
            entries, bad = store.respelled(found.entries), len(found.errors)
            if clashes := store.photographed_as_another(entries):
                for old, new in clashes:
                    taken = f"{old.masked_name} (ID {old.masked_id_number})" if old.id_number else old.masked_name
                    print(f"{new.code}: its photo was taken of {taken}; this file gives the code to "
                          f"{new.masked_name} (ID {new.masked_id_number})", file=sys.stderr)
                if not args.skip_bad:
                    return error(f"{count(len(clashes), 'capture code')} already photographed would pass to another "
                                 "person, with the photo: nothing imported. If the file is right, withdraw that "
                                 "photo first (kiosk void CODE --reason ...), then import again; or run with "
                                 "--skip-bad to import the other rows and leave those students as they are")
                kept = {new.code for _, new in clashes}
                entries, bad = [e for e in entries if e.code not in kept], bad + len(clashes)
            # Taken off by a photographer (a code issued by mistake): the college's older file still has it.
            removed = [] if args.restore else store.taken_off(entries)
            for entry, removal in removed:
                print(f"{entry.code} ({entry.masked_name}) was {removal.text()}: left off; if the college means it, "
                      "import with --restore", file=sys.stderr)
            gone = {entry.code for entry, _ in removed}
            entries = [e for e in entries if e.code not in gone]
            for old, new in store.held_by_another_code(entries):
                print(f"warning: {new.code}: ID {new.masked_id_number} ({new.masked_name}) is already on the roster "
                      f"under capture code {old.code} ({old.masked_name}): one person with two codes could be "
                      "photographed twice; ask the college which code is right, then take the other off the "
                      "roster: `kiosk roster remove CODE --reason TEXT`",
                      file=sys.stderr)
            new, changed = store.roster_changes(entries)
            imported = store.import_roster(entries, args.operator, args.file.name)
            total = store.roster_count()
            skipped = f", skipped {count(bad, 'bad row')}" if bad else ""
            if removed:
                skipped += f", left off {count(len(removed), 'student')} taken off the roster earlier"
            if new == imported:
                what = ""
            else:
                what = f" ({new} new, {changed} updated, {imported - new - changed} already on the roster as they are)"
            print(f"imported {count(imported, 'student')} from {args.file.name}{what}{skipped}; "
                  f"the roster holds {total}")
            if args.references is not None:
                return _import_references(store, settings, args.references, args.operator)
    except (StoreError, RosterFileError) as e:
        return error(str(e))
    return 0


def _import_references(store, settings, folder: Path, operator: str) -> int:
    from kiosk.identity import PhotoEmbedder
    from kiosk.models import ModelError
    from kiosk.store.roster import import_references

    embedder = None
    if not settings.identity.enabled:
        print("note: the identity pre-check is off ([identity] enabled = false): the reference photos are kept, "
              "not compared, and their faces are not checked", file=sys.stderr)
    else:
        try:
            embedder = PhotoEmbedder(settings)
        except ModelError as e:
            print(f"warning: the faces in the reference photos are not checked: {e}", file=sys.stderr)
    try:
        done = import_references(store, folder, operator, embedder.faces if embedder is not None else None)
    finally:
        if embedder is not None:
            embedder.close()
    for line in done.problems:
        print(f"not stored: {line}", file=sys.stderr)
    for line in done.doubtful:
        print(f"warning: {line}", file=sys.stderr)
    replaced = f" ({done.replaced} replacing an earlier one)" if done.replaced else ""
    left = f"; {count(len(done.problems), 'file')} not stored, named above" if done.problems else ""
    print(f"stored {count(len(done.stored), 'reference photo')} from {folder}{replaced}{left}")
    return 1 if done.problems else 0


@store_errors
def run_roster_remove(args: argparse.Namespace, settings) -> int:
    with open_store(settings) as store:
        entry = store.remove_student(args.code, args.operator, args.reason)
        left = store.roster_count()
    print(f"removed {entry.code} ({entry.masked_name}, ID {entry.masked_id_number or '-'}) from the roster; "
          f"it holds {left}")
    return 0


@store_errors
def run_roster_purge(args: argparse.Namespace, settings) -> int:
    with open_store(settings) as store:
        students, references = store.purge_roster(args.operator, dry_run=not args.delete)
    if not students:
        print("the roster is empty: nothing to purge")
        return 0
    what = f"the roster ({count(students, 'student')}) and its {count(references, 'reference photo')}"
    if not args.delete:
        print(f"would delete {what}; nothing was deleted: run again with --delete to do it")
        return 0
    print(f"deleted {what}; the photos taken and their records stay")
    return 0


@store_errors
def run_roster_list(args: argparse.Namespace, settings) -> int:
    with open_store(settings) as store:
        entries = store.roster()
        photographed = store.photographed()
    if not entries:
        print("the roster is empty: import the college's list with `kiosk roster import FILE`")
        return 0
    # Names and ID numbers masked: this is for checking an import, not for reading them out.
    print(pad("CODE", 21) + pad("STUDENT NO.", 15) + pad("NAME", 12) + pad("ID NUMBER", 21) + pad("COLLEGE", 20)
          + pad("MAJOR", 20) + "PHOTO")
    for e in entries:
        print(pad(e.code, 21) + pad(e.student_number, 15) + pad(e.masked_name, 12, cut=True)
              + pad(e.masked_id_number or "-", 21) + pad(e.college or "-", 20, cut=True)
              + pad(e.major or "-", 20, cut=True) + ("accepted" if e.code in photographed else "-"))
    done = sum(e.code in photographed for e in entries)
    print(f"{count(len(entries), 'student')} in the roster, {done} with an accepted photo")
    return 0
