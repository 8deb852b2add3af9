"""`kiosk list`: the captures of a day, names masked."""

from __future__ import annotations

import argparse
import json

from kiosk.commands.base import day, open_store, pad, store_errors


def register(sub) -> None:
    ls = sub.add_parser("list", help="today's captures (names masked)")
    ls.add_argument("--all", action="store_true", help="every day, not only today")
    ls.add_argument("--day", type=day, metavar="YYYY-MM-DD", help="that day instead of today")
    ls.add_argument("--status", choices=("accepted", "replaced", "voided"), help="only photos in this state")
    ls.add_argument("--code", metavar="CODE", help="only this capture code's photos, its retakes and voids included")
    ls.add_argument("--batch", metavar="NAME", help="only the photos of this export batch (its folder name)")
    ls.add_argument("--json", action="store_true", help="print a JSON list of objects")
    ls.set_defaults(func=run_list)


def _row(code: str, name: str, status: str, taken: str, batch: str, operator: str, checks: str) -> str:
    return (pad(code, 21) + pad(name, 16, cut=True) + pad(status, 10) + pad(taken, 21) + pad(batch, 23)
            + pad(operator, 10) + checks).rstrip()


@store_errors
def run_list(args: argparse.Namespace, settings) -> int:
    with open_store(settings) as store:
        code = args.code and store.spelled(args.code)
        found = store.captures(args.day, all_days=args.all, status=args.status, code=code, batch=args.batch)
        if args.json:
            print(json.dumps([c.summary() for c in found], ensure_ascii=False, indent=1))
            return 0
        names = {c.code: store.roster_entry(c.code) for c in found}
        if found:
            print(_row("CODE", "NAME", "STATUS", "TAKEN", "BATCH", "OPERATOR", "OVERRIDDEN CHECKS"))
        for c in found:
            entry = names[c.code]
            name = entry.masked_name if entry else f"{c.confirmed_name} (code)" if c.confirmed_name else "(not in roster)"
            batch = f"{c.batch} unfinished" if c.batch_unfinished else c.batch or "not exported"
            print(_row(c.code, name, c.status, c.taken_at[:19].replace("T", " "), batch,
                       c.operator, ", ".join(o.check for o in c.overrides)))
        n = store.counts(args.day)
        day = "all days" if args.all else (args.day or store.today()).isoformat()
        print(
            f"{len(found)} shown ({day}); today: {n.accepted} accepted, {n.retakes} retaken, "
            f"{n.voided} voided; {n.waiting_export} waiting for export; "
            f"roster {n.roster_done}/{n.roster} done"
        )
        if any(c.batch_unfinished for c in found):
            print("an export was cut short: the next `kiosk export` finishes its batch (nothing is exported twice)")
    return 0
