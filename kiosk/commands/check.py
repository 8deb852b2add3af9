"""`kiosk check`: judge photos taken elsewhere against every rule."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("check", help="judge photos taken elsewhere against every rule",
                       description="Judge photos (e.g. a photographer's DSLR files) against every rule "
                                   "of the graduation photo. Exit code 0 when every photo is accepted, "
                                   "1 when any is rejected or unreadable.")
    p.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help="photo files to judge; nothing is stored")
    p.add_argument("--json", action="store_true", help="print JSON for machines instead of a table")
    p.add_argument("--crop", type=Path, metavar="DIR", help="write each photo's 480x640 deliverable here")
    p.set_defaults(func=check_command)


def result_dict(report) -> dict:
    return {"accepted": report.accepted, "crop_box": list(report.crop_box) if report.crop_box else None,
            "checks": [{"id": r.id, "rule": r.rule, "verdict": r.verdict.value, "value": r.value,
                        "threshold": r.threshold, "reason": r.reason, "message_zh": r.message_zh,
                        "message_en": r.message_en}
                       for r in report.results]}


def check_command(args, settings) -> int:
    from kiosk.checks import Analyser, render_deliverable
    from kiosk.imagefile import ImageFileError, read_image

    if args.crop:
        if (clash := _same_deliverable_name(args.images)) is not None:
            print(f"--crop: {clash}; nothing was judged", file=sys.stderr)
            return 2
        try:
            args.crop.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            print(f"--crop {args.crop}: cannot make the folder for the deliverables "
                  f"({'a file of that name is there' if isinstance(error, FileExistsError) else error.strerror}): "
                  "give a folder after --crop, before the photos; nothing was judged", file=sys.stderr)
            return 2
        if not os.access(args.crop, os.W_OK | os.X_OK):
            print(f"--crop {args.crop}: the folder cannot be written (read-only, or not yours): give another "
                  "folder; nothing was judged", file=sys.stderr)
            return 2
    everything_accepted, out = True, []
    with Analyser(settings, mode="image") as analyser:
        for path in args.images:
            try:
                image = read_image(path)
            except ImageFileError as error:
                problem = str(error)
                everything_accepted = False
                out.append({"file": str(path), "error": problem})
                if not args.json:
                    print(f"{path}: {problem}; skipped\n")
                continue
            report = analyser.analyse(image)
            everything_accepted &= report.accepted
            entry = {"file": str(path), **result_dict(report)}
            if args.crop and report.crop_box is not None:
                target = args.crop / f"{path.stem}.jpg"
                try:
                    target.write_bytes(render_deliverable(image, report, settings.capture))
                    entry["deliverable"] = str(target)
                except ValueError as error:
                    entry["deliverable_error"] = str(error)
                except OSError as error:  # the disk filled or went away part-way
                    entry["deliverable_error"] = f"cannot write {target}: {error.strerror}"
            out.append(entry)
            if not args.json:
                print(report_text(path, report, entry, settings))
    if args.json:
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        print()
    return 0 if everything_accepted else 1


def _same_deliverable_name(images: list[Path]) -> str | None:
    """Why two inputs would write the same DIR/<name>.jpg (one would overwrite the other), or None."""
    seen: dict[str, Path] = {}
    for path in images:
        name = f"{path.stem}.jpg"
        first = seen.setdefault(name, path)
        if first.resolve() != path.resolve():
            return (f"{first} and {path} would both write {name}, one over the other: "
                    "give them in separate runs with separate folders, or rename one")
    return None


def report_text(path: Path, report, entry: dict, settings) -> str:
    """The table of one photo: every check's verdict, value and limit, its instruction, and
    for a failure what was measured against which limit (the review screen's words)."""
    from kiosk.checks.result import Verdict
    from kiosk.messages import measured

    verdict = "ACCEPTED" if report.accepted else "REJECTED"
    lines = [f"{path}: {verdict}"]
    results = report.results
    if report.crop_box is None:
        lines.append("  no face found: the photo needs one person facing the camera")
        results = [r for r in results if r.verdict is not Verdict.UNKNOWN]  # each would only say "no face"
    for r in results:
        value = "-" if r.value is None or r.verdict is Verdict.UNKNOWN else f"{r.value:g}"  # it could not measure
        lines.append(f"  {r.verdict.value:11} {r.id:15} {value:>9}  ({r.threshold})"
                     + (f"  {r.message_zh} / {r.message_en}" if r.message_en else ""))
        if r.verdict is Verdict.FAIL:
            lines.append(f"  {'':11} {'':15} {'':>9}  measured: {measured(r, settings.checks.get(r.id), 'en')}")
    if "deliverable" in entry:
        lines.append(f"  deliverable written: {entry['deliverable']}")
    if "deliverable_error" in entry:
        lines.append(f"  no deliverable: {entry['deliverable_error']}")
    return "\n".join(lines) + "\n"
