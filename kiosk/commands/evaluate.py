"""`kiosk eval` and `kiosk calibrate`: the checks measured on, and fitted to, labelled photos."""

from __future__ import annotations

import json
import sys
from pathlib import Path


LABELS_HELP = "labelled photos: one row per file, a 1/0 column per rule"


def register(sub) -> None:
    p = sub.add_parser("eval", help="measure the checks against labelled photos (LABELS.tsv)",
                       description="Run every check on the photos of a LABELS.tsv (paths relative to its "
                                   "folder) and print, per rule and overall, true/false accepts and rejects, "
                                   "balanced accuracy, and every photo judged differently from its label.")
    p.add_argument("labels", type=Path, metavar="LABELS.tsv", help=LABELS_HELP)
    p.add_argument("--json", action="store_true", help="print only the counts as JSON")
    p.add_argument("--folds", type=int, metavar="K",
                   help="split the photos into K groups of people (the `person` column); fit the thresholds "
                        "on K-1 groups as `kiosk calibrate` does and judge the group left out; every figure "
                        "printed is from left-out people, except for a check too few photos could fit (it says so)")
    p.set_defaults(func=eval_command)

    p = sub.add_parser("calibrate", help="fit the checks' thresholds from labelled photos",
                       description="Measure every photo of a LABELS.tsv and fit each threshold marked as fitted "
                                   "(config.toml says which) from the raw values: the best accuracy of the rule "
                                   "with compliant photos counted twice, ties to the safe side, then to the middle "
                                   "of the widest gap. Prints "
                                   "each threshold beside its configured value, with its margin; round it and "
                                   "write it into config.toml with why. Judge the procedure with "
                                   "`kiosk eval --folds`, never with the photos it was fitted on.")
    p.add_argument("labels", type=Path, metavar="LABELS.tsv", help=LABELS_HELP)
    p.set_defaults(func=calibrate_command)


def measure_labelled(args, settings):
    """(rows, measures, checks) of a LABELS.tsv; None (after saying why) when it cannot be read."""
    from kiosk.checks import Analyser
    from kiosk.checks.evaluate import read_labels
    from kiosk.imagefile import ImageFileError, read_image

    try:
        rows = read_labels(args.labels)
    except OSError as error:
        print(f"error: cannot read {args.labels} ({error.strerror}): give the labels file, a LABELS.tsv such as "
              "../shared/faces/LABELS.tsv", file=sys.stderr)
        return None
    except ValueError as error:  # says what the file lacks
        print(f"error: {error}", file=sys.stderr)
        return None
    folder, measured = args.labels.resolve().parent, []
    with Analyser(settings, mode="image") as analyser:
        for row in rows:
            try:
                measured.append(analyser.measure(read_image(folder / row["file"])))
            except ImageFileError as error:
                # A file that is not a photo says nothing of the checks: left out of every figure.
                print(f"{row['file']}: {error}; left out of the figures", file=sys.stderr)
                measured.append(None)
        checks = [check for check, _ in analyser.checks]
    return rows, measured, checks


def eval_command(args, settings) -> int:
    from kiosk.checks.calibrate import fit, judge, person_folds
    from kiosk.checks.evaluate import Evaluation, record, table

    if args.folds is not None and args.folds < 2:
        print("--folds needs at least 2 groups", file=sys.stderr)
        return 2
    loaded = measure_labelled(args, settings)
    if loaded is None:
        return 2
    rows, measured, checks = loaded
    ev, unfitted = Evaluation(), set()
    folds = person_folds(rows, args.folds) if args.folds else [0] * len(rows)
    for fold in sorted(set(folds)):
        params = settings.checks
        if args.folds:
            train = [(r, m) for r, m, f in zip(rows, measured, folds) if f != fold and m is not None]
            params, fits = fit(checks, settings.checks, [r for r, _ in train], [m for _, m in train])
            unfitted |= {f.check for f in fits if f.note}
        for row, m, f in zip(rows, measured, folds):
            if f == fold and m is not None:
                record(ev, row, judge(checks, m, params))
    if args.json:
        print(json.dumps(ev.as_dict()))
    else:
        if args.folds:
            kept = f", except {', '.join(sorted(unfitted))} (configured values: see below)" if unfitted else ""
            print(f"{len(set(folds))} person-split folds: thresholds fitted without the people judged{kept}\n")
        else:
            print(f"the configured thresholds ({settings.source}): were they fitted on these photos, these figures "
                  f"are in-sample and say nothing of other people; `kiosk eval {args.labels} --folds 5` judges "
                  "people the fit never saw\n")
        print(table(ev))
    for check in sorted(unfitted):
        # Its configured value was fitted on every photo, the judged people among them.
        print(f"{check}: too few labelled photos in a fold to fit on; the configured value was used, so its "
              "figures are not from unseen people", file=sys.stderr)
    return 0


def calibrate_command(args, settings) -> int:
    from kiosk.checks.calibrate import fit, fits_table

    loaded = measure_labelled(args, settings)
    if loaded is None:
        return 2
    rows, measured, checks = loaded
    kept = [(r, m) for r, m in zip(rows, measured) if m is not None]
    _, fits = fit(checks, settings.checks, [r for r, _ in kept], [m for _, m in kept])
    print(f"fitted on {len(kept)} photos of {args.labels}; these figures are in-sample: judge them with "
          f"`kiosk eval {args.labels} --folds 5`\n")
    print(fits_table(fits))
    return 0
