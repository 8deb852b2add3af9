"""`kiosk show`: one capture code's student, reference photo (whether there is one, never
the photo), photos, checks, identity pre-check and history (`--full` is audited)."""

from __future__ import annotations

import argparse

from kiosk.commands.base import error, open_store, operator_option, store_errors
from kiosk.messages import short_time


def register(sub) -> None:
    show = sub.add_parser("show", help="one capture code: student, reference photo, photos, checks, history")
    show.add_argument("code", metavar="CODE", help="the capture code to show")
    show.add_argument("--full", action="store_true", help="show name and ID number unmasked (audited)")
    operator_option(show)
    show.set_defaults(func=run_show)


@store_errors
def run_show(args: argparse.Namespace, settings) -> int:
    with open_store(settings) as store:
        code = store.spelled(args.code)
        entry = store.roster_entry(code)
        if args.full and entry:
            with store.write():
                store.audit(args.operator, "show_full", entry.code)
        history = store.history(code)
        if entry is None and not history:
            return error(f"{code} is neither in the roster nor in the store")
        if entry:
            for key, value in entry.shown(full=args.full).items():
                print(f"{key:>15}: {value}")
            reference = store.reference(entry.code)
            print(f"{'reference':>15}: " + ("none" if reference is None else
                  f"{'from the college' if reference.source == 'folder' else 'taken at the station'}, "
                  f"added {short_time(reference.added_at)} by {reference.operator} "
                  f"(sha256 {reference.sha256})"))
        else:
            print(f"{code}: not in the roster")
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
            print(f"  identity: {c.identity.text() if c.identity else 'not compared'}")
        print("\naudit:")
        for a in store.audit_log(code):
            print(f"  {a['at']} {a['operator']} {a['action']} {a['detail']}")
    return 0
