"""How far the appearance rules judged on a smaller live parse agree with the full 480x640 parse.

Live, the parser runs on a copy of the portrait `[checks] live_parsing_width` wide and a
rule that fails there is judged again on the full parse before the student is told
(kiosk.checks.analyser). This prints, for every rule that reads the parsing, how often it
fails on the small parse and how often its verdict differs from the full parse, on the
photos of a LABELS.tsv:

    .venv/bin/python tools/parse_agreement.py ../shared/faces/LABELS.tsv --width 288 [--int8]

--int8: the small parse by the int8 network, as live (the full parse is always the float
network that judges the saved frame and confirms a live failure).
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import sys
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk import paths  # noqa: E402
from kiosk.checks import Analyser  # noqa: E402
from kiosk.checks.analyser import LIVE_PARSING_MODEL  # noqa: E402
from kiosk.faceparsing import FaceParser  # noqa: E402
from kiosk.checks.evaluate import read_labels  # noqa: E402
from kiosk.config import load_settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("labels", type=Path, metavar="LABELS.tsv")
    parser.add_argument("--width", type=int, default=288,
                        help="width of the small parse (96, 192, 288 or 384; default 288, as live)")
    parser.add_argument("--int8", action="store_true", help="the small parse by the int8 network, as live")
    args = parser.parse_args()
    settings = load_settings()
    small_parser = FaceParser(paths.model_path(settings, LIVE_PARSING_MODEL), threads=2) if args.int8 else None
    fails, differ, photos = collections.Counter(), collections.Counter(), 0
    with Analyser(settings, mode="image") as analyser:
        for row in read_labels(args.labels):
            image = cv2.imread(str(args.labels.resolve().parent / row["file"]))
            if image is None:
                continue
            full = analyser._context(image, None, 480)
            if not full.faces:
                continue
            small = dataclasses.replace(full, parse_width=args.width, parser=small_parser or full.parser)
            photos += 1
            for check, params in analyser.checks:
                if check.reads_parsing:
                    on_small, on_full = check.judge(small, params).verdict, check.judge(full, params).verdict
                    fails[check.id] += on_small.name == "FAIL"
                    if on_small != on_full:
                        differ[check.id, on_small.name.lower(), on_full.name.lower()] += 1
    print(f"{photos} photos with a face; the small parse {args.width}x{args.width * 4 // 3}"
          f"{' (int8)' if args.int8 else ''} against the float 480x640 that judges the saved frame.\n"
          f"'differs: N fail -> pass' is N photos the small parse fails and the full one passes (live, the full "
          f"parse confirms a failure, so these are never told); 'pass -> fail', the full parse fails what the small "
          f"one passed (live guidance shows a pass, the review the failure); 'unknown' is \"cannot tell\"")
    for check_id in sorted(fails):
        changes = ", ".join(f"{n} {a} -> {b}" for (c, a, b), n in sorted(differ.items()) if c == check_id)
        print(f"{check_id:15} fails on the small parse: {fails[check_id]:3}   differs: {changes or 'never'}")


if __name__ == "__main__":
    main()
