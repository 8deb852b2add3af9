"""`kiosk centre`: the centre's upload from every station's batches, conflicts, the day report."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from kiosk.commands.base import day, error, operator_option, store_errors
from kiosk.messages import count


def register(sub) -> None:
    centre = sub.add_parser("centre", help="a centre of several stations: collect their batches into one upload, "
                                           "resolve conflicts, report the day")
    commands = centre.add_subparsers(title="commands", metavar="COMMAND", required=True)

    collect = commands.add_parser("collect", help="verify every station batch in the shared folder and put each "
                                                  "photo not yet uploaded into a new upload, exactly once")
    collect.add_argument("shared", type=Path, metavar="SHARED_DIR", help="the folder the stations export into")
    _centre_folder(collect)
    collect.add_argument("--date", type=day, metavar="YYYY-MM-DD",
                         help="the upload's day: batches exported that day or before (default: today)")
    operator_option(collect)
    collect.set_defaults(func=run_collect)

    resolve = commands.add_parser("resolve", help="a code accepted at two stations: keep one station's photo, "
                                                  "void the other's (audited)")
    resolve.add_argument("code", metavar="CODE", help="the capture code whose two photos collect held out")
    resolve.add_argument("--keep", required=True, metavar="STATION", help="the station whose photo is kept")
    _centre_folder(resolve)
    operator_option(resolve)
    resolve.set_defaults(func=run_resolve)

    withdrawn = commands.add_parser(
        "withdrawn", help="say that photos of withdraw.csv were withdrawn at CHSI: they leave the list (audited)",
        description="After withdrawing photos at CHSI by hand, as withdraw.csv lists them (voided or retaken "
                    "after their upload), say so here: they leave withdraw.csv and collect's reminder. Audited.")
    which = withdrawn.add_mutually_exclusive_group(required=True)
    which.add_argument("codes", nargs="*", default=[], metavar="CODE", help="capture codes listed in withdraw.csv")
    which.add_argument("--all", action="store_true", help="every photo withdraw.csv lists")
    _centre_folder(withdrawn)
    operator_option(withdrawn)
    withdrawn.set_defaults(func=run_withdrawn)

    report = commands.add_parser("report", help="the day's photos per station and hour, overrides, conflicts and "
                                                "retakes: a table and a PNG chart")
    _centre_folder(report)
    report.add_argument("--date", type=day, metavar="YYYY-MM-DD", help="the day the photos were taken (default: today)")
    report.add_argument("--png", type=Path, metavar="FILE", help="the chart (default: OUT/report-YYYY-MM-DD.png)")
    report.set_defaults(func=run_report)


def _centre_folder(p: argparse.ArgumentParser) -> None:
    p.add_argument("--to", type=Path, metavar="OUT",
                   help="the centre's folder: its state, uploads, conflicts.csv (default: [centre] folder)")


def centre_folder(args: argparse.Namespace, settings) -> Path:
    from kiosk.paths import data_dir

    if args.to:
        return args.to
    return Path(settings.centre.folder).expanduser() if settings.centre.folder else data_dir(settings) / "centre"


def open_centre(out: Path):
    """The centre's state in `out`, which an earlier `kiosk centre collect` must have made
    (so a mistyped --to never starts an empty centre)."""
    from kiosk.centre import CentreError, CentreState
    from kiosk.centre.state import DB_NAME

    if not (out / DB_NAME).exists():
        raise CentreError(f"{out} holds no centre state: run `kiosk centre collect SHARED_DIR --to {out}` first, "
                          "or give the centre's folder with --to")
    return CentreState(out)


@store_errors
def run_collect(args: argparse.Namespace, settings) -> int:
    from kiosk.centre.collect import collect

    out = centre_folder(args, settings)
    result = collect(args.shared, out, args.date or date.today(), settings.centre.file_pattern, args.operator)
    if result.recovered:
        print(f"finished interrupted upload {result.recovered.name}: {count(result.recovered.count, 'photo')}")
    for name, photos in result.collected:
        print(f"collected {name}: {count(photos, 'photo')}")
    if result.later:
        print(f"{count(len(result.later), 'batch', 'batches')} exported after {args.date or date.today()} "
              f"{'waits' if len(result.later) == 1 else 'wait'} for a later upload: {', '.join(result.later)}")
    for message in result.left_out:
        error(f"left out {message}")
    for message in result.missing:
        error(message)
    for note in result.notes:
        print(note)
    for code, photos in result.conflicts.items():
        where = "; ".join(f"{p.station} (taken {p.when()} by {p.operator}"
                          + (f", in upload {p.upload}" if p.status == "uploaded" else "") + ")" for p in photos)
        print(f"conflict {code}: accepted at {where}. Held out of the upload until a photographer chooses: "
              f"`kiosk centre resolve {code} --keep STATION`")
    if result.conflicts:
        print(f"{count(len(result.conflicts), 'open conflict')} listed in {out / 'conflicts.csv'}")
    for photos in result.same_photo:
        error(f"one photo under two capture codes: {_listed(photos)}. Held out of the upload until the wrong one is "
              "voided at its station (`kiosk void CODE --reason TEXT` there, then its export into this folder)")
    for photos in result.same_number:
        print(f"warning: one student number under two capture codes: {_listed(photos)}. If they are one person, void "
              "the wrong photo at its station (`kiosk void CODE --reason TEXT`); two colleges may number alike",
              file=sys.stderr)
    if result.withdraw:  # said at every run: a timer's run must not lose it
        print(f"{count(result.withdraw, 'photo')} in earlier uploads no longer "
              f"{'counts' if result.withdraw == 1 else 'count'} (voided or retaken): withdraw "
              f"them at CHSI, as listed in {out / 'withdraw.csv'}, then say so: `kiosk centre withdrawn CODE ...` "
              "(or --all)")
    if result.upload:
        u = result.upload
        print(f"upload {u.name}: {count(u.count, 'photo')} in {u.folder} and {u.name}.zip")
    elif not result.recovered:
        print("nothing new to upload")
    # A nightly timer sees by the exit status alone that a photographer is needed.
    return 1 if result.left_out or result.missing or result.conflicts or result.same_photo else 0


def _listed(photos) -> str:
    """Where each photo of a group is: 'C0001 at HK-01 (taken ..., in upload ...); ...'."""
    return "; ".join(f"{p.code} at {p.station} (taken {p.when()}" + (f", in upload {p.upload}" if p.upload else "")
                     + ")" for p in photos)


@store_errors
def run_resolve(args: argparse.Namespace, settings) -> int:
    from kiosk.store import check_code

    with open_centre(centre_folder(args, settings)) as state:
        kept, voided = state.resolve(check_code(args.code), args.keep, args.operator)
        state.write_conflicts()
        shared = state.share
        try:
            state.publish(shared)
            published = True
        except OSError:
            published = False
    where = f"it is in upload {kept.upload} already" if kept.status == "uploaded" else "it goes into the next upload"
    print(f"kept {kept.station}'s photo of {kept.code} (taken {kept.when()}): {where}")
    for p in voided:
        print(f"not kept: {p.station}'s photo (taken {p.when()}); {p.station} voids its copy at its next export "
              f"into {shared}" + (f". It is in upload {p.upload}: withdraw it there at CHSI" if p.upload else ""))
    if not published:
        return error(f"the shared folder {shared} cannot be written now: the resolution is recorded, and the next "
                     f"`kiosk centre collect` writes it there for {', '.join(p.station for p in voided)}")
    return 0


@store_errors
def run_withdrawn(args: argparse.Namespace, settings) -> int:
    from kiosk.store import check_code

    out = centre_folder(args, settings)
    with open_centre(out) as state:
        done = state.withdrawn_at_chsi(None if args.all else [check_code(c) for c in args.codes], args.operator)
        left = state.write_withdrawals()
    for p in done:
        print(f"withdrawn at CHSI: {p.code} ({p.station}'s photo taken {p.when()}, upload {p.upload})")
    print(f"{count(left, 'photo')} still to withdraw at CHSI" + (f", as listed in {out / 'withdraw.csv'}" if left else ""))
    return 0


@store_errors
def run_report(args: argparse.Namespace, settings) -> int:
    from kiosk.centre.report import day_report, report_png, report_table

    out = centre_folder(args, settings)
    the_day = args.date or date.today()
    with open_centre(out) as state:
        report = day_report(state, the_day)
    png = args.png or out / f"report-{the_day}.png"
    if not png.parent.is_dir():
        return error(f"the folder {png.parent} does not exist: create it or give another --png FILE")
    print(report_table(report))
    try:
        report_png(report, png)
    except OSError as e:
        return error(f"cannot write the chart {png} ({e.strerror}): give a writable --png FILE; the table above "
                     "holds the same figures")
    print(f"\nchart: {png}")
    return 0
