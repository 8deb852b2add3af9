"""`kiosk export`: every accepted, not yet exported photo into a new batch, exactly once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.commands.base import error, open_store, operator_option, store_errors
from kiosk.messages import count


def register(sub) -> None:
    exp = sub.add_parser("export", help="put every accepted, not yet exported photo into a new batch")
    exp.add_argument("--to", type=Path, metavar="DIR", help="target folder (default: [export] folder)")
    exp.add_argument("--batch", metavar="NAME", help="with --again: the batch to rebuild")
    exp.add_argument("--again", action="store_true", help="rebuild the --batch given, with the same photos")
    exp.add_argument("--emptied", action="store_true",
                     help="the export folder was emptied on purpose: export into it although earlier batches are gone")
    operator_option(exp)
    exp.set_defaults(func=run_export)


@store_errors
def run_export(args: argparse.Namespace, settings) -> int:
    from kiosk.store import StoreError
    from kiosk.store.export import default_target, export, export_again, find_batch

    if args.again != bool(args.batch):
        return error("--again and --batch NAME go together: `kiosk export --batch NAME --again`")
    target = args.to or default_target(settings)
    with open_store(settings) as store, _progress() as progress:
        if args.again:
            try:
                batch = find_batch(store, args.batch)
                # Where it went, unless told: a trial's share batch was rebuilt on the station's own disk.
                target = args.to or Path(batch.target)
                batch = export_again(store, batch, target, settings.export.file_pattern, args.operator, progress)
            except StoreError as e:
                return error(str(e))
            print(f"batch {batch.name} rebuilt: {count(batch.count, 'photo')} in {batch.folder(target)}")
            return 0
        if args.to is None and not settings.export.folder:
            try:
                target.mkdir(parents=True, exist_ok=True)  # the station's own default folder
            except OSError as e:
                return error(f"cannot create the export folder {target}: {e.strerror}; "
                             "set [export] folder or give one with --to DIR")
        try:
            result = export(store, target, settings.export.file_pattern, args.operator, progress,
                            emptied=args.emptied)
        except StoreError as e:
            return error(str(e))
    for message in result.voided:
        print(message)  # the centre's word: this station's copy of a conflicting code is withdrawn
    if result.recovered:
        b = result.recovered
        print(f"finished interrupted batch {b.name}: {count(b.count, 'photo')} in {b.folder()}")
    if result.batch:
        b = result.batch
        print(f"batch {b.name}: {count(b.count, 'photo')} in {b.folder()} and {b.name}.zip")
    elif not result.recovered and not result.left_out:
        print("nothing new to export")
    for message in result.left_out:
        error(message)
    return 1 if result.left_out else 0


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
            print(f"export: {done} of {count(total, 'photo')}", file=sys.stderr, flush=True)
        if done == total and self.bar is not None:
            self.bar.close()
            self.bar = None

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
