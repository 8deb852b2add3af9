"""`kiosk codes`: capture codes from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# Masked names and IDs the demo codes carry (they belong to nobody).
DEMO_PEOPLE = (("张*三", "3101**********1234"), ("李*", "1101**********002X"),
               ("王*明", "4403**********5678"), ("Chen *i", "3205**********9012"))


def register(sub) -> None:
    codes = sub.add_parser("codes", help="capture codes: make demo ones")
    codes_sub = codes.add_subparsers(title="commands", metavar="COMMAND", required=True)
    make = codes_sub.add_parser(
        "make", help="make demo capture codes: DIR/<code>.png each, the codes printed one per line")
    make.add_argument("--count", type=int, default=1, metavar="N", help="how many codes (default 1)")
    make.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the QR images")
    make.set_defaults(func=make_codes, needs_settings=False)


def write_code_image(text: str, path: Path) -> None:
    """The code as a phone shows it: black modules on white, with a quiet zone."""
    import cv2

    from kiosk.codec import qr_image

    cv2.imwrite(str(path), qr_image(text))


def make_codes(args: argparse.Namespace, settings) -> int:
    from kiosk.codec import DemoCodec, new_code

    if args.count < 1:
        print("--count must be 1 or more", file=sys.stderr)
        return 2
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"cannot create {args.out}: {error.strerror}; choose a writable folder", file=sys.stderr)
        return 1
    codec = DemoCodec()
    for i in range(args.count):
        code = new_code()
        name, id_masked = DEMO_PEOPLE[i % len(DEMO_PEOPLE)]
        write_code_image(codec.encode(code, name, id_masked), args.out / f"{code}.png")
        print(code)
    return 0
