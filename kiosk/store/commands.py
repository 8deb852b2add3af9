"""`kiosk roster | add | list | show | export | void | verify | purge`: the store from the command line.

Names and ID numbers are printed masked unless `show --full` is asked for (and audited).
"""

import argparse
import functools
import getpass
import json
import sys
from datetime import date
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    def operator_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--operator", default=getpass.getuser(), help="who does this (default: the login name)")

    roster = sub.add_parser("roster", help="the college's list of students")
    roster_sub = roster.add_subparsers(title="roster commands", metavar="ACTION", required=True)
    imp = roster_sub.add_parser("import", help="import a roster CSV (UTF-8 or GBK, English or Chinese headers)")
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    imp.add_argument("--skip-bad", action="store_true", help="import the good rows even if some rows are bad")
    operator_option(imp)
    imp.set_defaults(func=run_roster_import)

    add = sub.add_parser("add", help="check a photo taken elsewhere and store it")
    add.add_argument("image", type=Path, metavar="IMAGE")
    add.add_argument("--code", required=True, help="the student's capture code")
    add.add_argument("--override", metavar="REASON", help="store it even though checks fail, for this reason")
    add.add_argument("--retake", metavar="REASON", help="replace the code's accepted photo, for this reason")
    operator_option(add)
    add.set_defaults(func=run_add)

    ls = sub.add_parser("list", help="today's captures (names masked)")
    ls.add_argument("--all", action="store_true", help="every day, not only today")
    ls.add_argument("--day", type=date.fromisoformat, metavar="YYYY-MM-DD", help="that day instead of today")
    ls.add_argument("--status", choices=("accepted", "replaced", "voided"))
    ls.add_argument("--code")
    ls.add_argument("--batch", metavar="NAME")
    ls.add_argument("--json", action="store_true", help="print a JSON list of objects")
    ls.set_defaults(func=run_list)

    show = sub.add_parser("show", help="one capture code: student, photos, checks, history")
    show.add_argument("code")
    show.add_argument("--full", action="store_true", help="show name and ID number unmasked (audited)")
    operator_option(show)
    show.set_defaults(func=run_show)

    exp = sub.add_parser("export", help="put every accepted, not yet exported photo into a new batch")
    exp.add_argument("--to", type=Path, metavar="DIR", help="target folder (default: [export] folder)")
    exp.add_argument("--batch", metavar="NAME", help="with --again: the batch to rebuild")
    exp.add_argument("--again", action="store_true", help="rebuild the --batch given, with the same photos")
    operator_option(exp)
    exp.set_defaults(func=run_export)

    void = sub.add_parser("void", help="withdraw a code's accepted photo: kept, never exported (audited)")
    void.add_argument("code")
    void.add_argument("--reason", required=True, help="why the photo is withdrawn")
    operator_option(void)
    void.set_defaults(func=run_void)

    ver = sub.add_parser("verify", help="check the database, every image hash and every exported batch")
    ver.set_defaults(func=run_verify)

    purge = sub.add_parser("purge", help="delete the image files of photos exported before a date")
    purge.add_argument("--exported-before", required=True, type=date.fromisoformat, metavar="YYYY-MM-DD")
    operator_option(purge)
    purge.set_defaults(func=run_purge)


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _store_errors(handler):
    """A StoreError is a message for the operator (exit 1), not a traceback."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace, settings) -> int:
        from kiosk.store import StoreError

        try:
            return handler(args, settings)
        except StoreError as e:
            return _error(str(e))

    return run


def _open(settings):
    from kiosk.store import Store

    return Store.from_settings(settings)


def run_roster_import(args: argparse.Namespace, settings) -> int:
    from kiosk.store import StoreError
    from kiosk.store.roster import RosterFileError, read_roster

    try:
        found = read_roster(args.file)
    except RosterFileError as e:
        return _error(str(e))
    for line in found.errors:
        print(line, file=sys.stderr)
    if found.errors and not args.skip_bad:
        return _error(
            f"{len(found.errors)} bad rows, nothing imported: fix those lines, or run again "
            f"with --skip-bad to import the {len(found.entries)} good rows"
        )
    try:
        with _open(settings) as store:
            count = store.import_roster(found.entries, args.operator, args.file.name)
            total = store.roster_count()
    except StoreError as e:
        return _error(str(e))
    skipped = f", skipped {len(found.errors)} bad rows" if found.errors else ""
    print(f"imported {count} students from {args.file.name}{skipped}; the roster holds {total}")
    return 0


def run_add(args: argparse.Namespace, settings) -> int:
    from kiosk.store import AlreadyAccepted, StoreError, check_code
    from kiosk.store.intake import Refused, add_photo

    try:
        code = check_code(args.code)
        with _open(settings) as store:
            capture = add_photo(store, settings, args.image, code, args.operator, args.override, args.retake)
    except Refused as refused:
        print(refused.explain(settings.station.language), file=sys.stderr)
        return 1
    except (StoreError, AlreadyAccepted) as e:
        return _error(str(e))
    # Only now is the capture committed and its images fsynced.
    print(f"saved {capture.code}")
    return 0


@_store_errors
def run_list(args: argparse.Namespace, settings) -> int:
    with _open(settings) as store:
        found = store.captures(args.day, all_days=args.all, status=args.status, code=args.code, batch=args.batch)
        if args.json:
            print(json.dumps([c.summary() for c in found], ensure_ascii=False, indent=1))
            return 0
        names = {c.code: store.roster_entry(c.code) for c in found}
        for c in found:
            entry = names[c.code]
            print(
                f"{c.code:<20} {entry.masked_name if entry else '(not in roster)':<10} {c.status:<9} "
                f"{c.taken_at[:19].replace('T', ' ')}  {c.batch or 'not exported':<22} {c.operator}"
                + ("  overridden: " + ", ".join(o.check for o in c.overrides) if c.overrides else "")
            )
        n = store.counts(args.day)
        day = "all days" if args.all else (args.day or store.today()).isoformat()
        print(
            f"{len(found)} shown ({day}); today: {n.accepted} accepted, {n.retakes} retaken, "
            f"{n.voided} voided; {n.waiting_export} waiting for export; "
            f"roster {n.roster_done}/{n.roster} done"
        )
    return 0


@_store_errors
def run_show(args: argparse.Namespace, settings) -> int:
    with _open(settings) as store:
        entry = store.roster_entry(args.code)
        if args.full and entry:
            with store.write():
                store.audit(args.operator, "show_full", entry.code)
        history = store.history(args.code)
        if entry is None and not history:
            return _error(f"{args.code} is neither in the roster nor in the store")
        if entry:
            for key, value in entry.shown(full=args.full).items():
                print(f"{key:>15}: {value}")
        else:
            print(f"{args.code}: not in the roster")
        for c in history:
            print(f"\nphoto {c.id}  {c.status}  taken {c.taken_at} at {c.station} by {c.operator}")
            if c.end_reason:
                print(f"  {c.status} {c.ended_at}: {c.end_reason}")
            print(f"  batch: {c.batch or 'not exported'}" + (f", exported {c.exported_at}" if c.exported_at else ""))
            for img in c.images.values():
                state = f"purged {img.purged_at}" if img.purged_at else str(img.path)
                print(f"  {img.kind}: sha256 {img.sha256}  {img.bytes} bytes  {state}")
            for r in c.results:
                print(f"  check {r.get('id')}: {r.get('verdict')} (value {r.get('value')}, {r.get('threshold')})")
            for o in c.overrides:
                print(f"  override {o.check} by {o.operator}: {o.reason}")
        print("\naudit:")
        for a in store.audit_log(args.code):
            print(f"  {a['at']} {a['operator']} {a['action']} {a['detail']}")
    return 0


@_store_errors
def run_export(args: argparse.Namespace, settings) -> int:
    from kiosk.store import StoreError
    from kiosk.store.export import default_target, export, export_again, find_batch

    if args.again != bool(args.batch):
        return _error("--again and --batch NAME go together: `kiosk export --batch NAME --again`")
    target = args.to or default_target(settings)
    if args.to is None and not settings.export.folder:
        try:
            target.mkdir(parents=True, exist_ok=True)  # the station's own default folder
        except OSError as e:
            return _error(f"cannot create the export folder {target}: {e.strerror}; "
                          "set [export] folder or give one with --to DIR")
    with _open(settings) as store, _progress() as progress:
        try:
            if args.again:
                batch = export_again(store, find_batch(store, args.batch), target, settings.export.file_pattern,
                                     args.operator, progress)
                print(f"batch {batch.name} rebuilt: {batch.count} photos in {batch.folder(target)}")
                return 0
            result = export(store, target, settings.export.file_pattern, args.operator, progress)
        except StoreError as e:
            return _error(str(e))
    if result.recovered:
        b = result.recovered
        print(f"finished interrupted batch {b.name}: {b.count} photos in {b.folder()}")
    if result.batch:
        b = result.batch
        print(f"batch {b.name}: {b.count} photos in {b.folder()} and {b.name}.zip")
    elif not result.recovered and not result.left_out:
        print("nothing new to export")
    for message in result.left_out:
        _error(message)
    return 1 if result.left_out else 0


@_store_errors
def run_void(args: argparse.Namespace, settings) -> int:
    from kiosk.store import check_code

    with _open(settings) as store:
        capture = store.void(check_code(args.code), args.operator, args.reason)
    print(f"voided {capture.code}: the photo is kept but never exported; take a new one for this code")
    return 0


class _progress:
    """A progress bar for a person at a terminal; plain log lines for cron/systemd."""

    def __enter__(self):
        self.bar = None
        return self.update

    def update(self, done: int, total: int) -> None:
        if sys.stderr.isatty():
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(total=total, unit="photo", desc="export")
            self.bar.update(done - self.bar.n)
        elif done == total or done % 100 == 0:
            print(f"export: {done}/{total} photos", file=sys.stderr, flush=True)
        if done == total and self.bar is not None:
            self.bar.close()
            self.bar = None

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


@_store_errors
def run_verify(args: argparse.Namespace, settings) -> int:
    from kiosk.store.export import verify_batches

    with _open(settings) as store:
        problems = store.verify_images() + verify_batches(store)
        for p in problems:
            print(p)
        if problems:
            print(f"{len(problems)} problems found", file=sys.stderr)
            return 1
        n = store.db.execute("SELECT count(*) FROM images WHERE purged_at IS NULL").fetchone()[0]
        b = store.db.execute("SELECT count(*) FROM batches").fetchone()[0]
        print(f"ok: database intact, {n} images match their hashes, {b} batches match their SHA256SUMS")
    return 0


@_store_errors
def run_purge(args: argparse.Namespace, settings) -> int:
    with _open(settings) as store:
        captures, freed = store.purge_exported_before(args.exported_before, args.operator)
    print(f"purged the images of {captures} captures exported before {args.exported_before} "
          f"({freed / 1e6:.1f} MB freed); their records and hashes are kept")
    return 0
