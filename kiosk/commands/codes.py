"""`kiosk codes`: capture codes from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.commands.base import positive

# Masked names and IDs the demo codes carry (they belong to nobody).
DEMO_PEOPLE = (("张*三", "3101**********1234"), ("李*", "1101**********002X"),
               ("王*明", "4403**********5678"), ("Chen *i", "3205**********9012"))
# `kiosk codes read --time` times the reader over a second of a 30 fps camera.
TIMED_FRAMES = 30


def register(sub) -> None:
    codes = sub.add_parser("codes", help="capture codes: make demo ones, read pictures of codes")
    codes_sub = codes.add_subparsers(title="commands", metavar="COMMAND", required=True)
    make = codes_sub.add_parser(
        "make", help="make demo capture codes: DIR/<code>.png each, the codes printed one per line")
    make.add_argument("--count", type=positive, default=1, metavar="N", help="how many codes, 1 or more (default 1)")
    make.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the QR images")
    make.set_defaults(func=make_codes, needs_settings=False)
    read = codes_sub.add_parser(
        "read", help="read capture codes from pictures as the kiosk's camera does, and decode them",
        description="For each picture: the bytes the station reads from it, exactly as the kiosk's camera "
                    "does (as text where they are UTF-8, control characters escaped; else as hex), and what "
                    "the station's codec makes of them. Exit 0 only when every picture gave a code the "
                    "codec accepts.")
    read.add_argument("images", nargs="+", type=Path, metavar="IMAGE",
                      help="pictures holding a capture code (a camera frame, a screenshot of the QR)")
    read.add_argument("--time", action="store_true",
                      help=f"also time the reader: milliseconds per frame over {TIMED_FRAMES} frames of each picture")
    read.set_defaults(func=read_codes)


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


def shown(data: bytes) -> str:
    """Bytes for people: the text where they are UTF-8, with control characters and the
    backslash escaped (\\n, \\t, \\x00, \\\\); else "hex: " and the bytes in hex."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "hex: " + data.hex(" ")
    return "".join(c if c.isprintable() and c != "\\" else repr(c)[1:-1] for c in text)


def frame_times(read, image, frames: int = TIMED_FRAMES) -> list[float]:
    """Milliseconds read(image) takes, for each of `frames` calls after one to warm up
    (the detector is made on first use)."""
    import time

    read(image)
    times = []
    for _ in range(frames):
        start = time.perf_counter()
        read(image)
        times.append((time.perf_counter() - start) * 1000)
    return times


def read_codes(args: argparse.Namespace, settings) -> int:
    from kiosk.codec import CodecError, CodeProblem, code_rank, load_codec
    from kiosk.codereader import CodeReader
    from kiosk.imagefile import ImageFileError, read_image
    from kiosk.messages import text

    try:
        codec = load_codec(settings.kiosk.codec)
    except CodecError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    accepted = 0
    for path in args.images:
        try:
            image = read_image(path)
        except ImageFileError as error:
            print(f"{path}: {error}")
            continue
        reader = CodeReader(settings.kiosk.qr_scan_width, code_rank(codec))
        codes, seen = reader.read_still_all(image)
        data = codes[0] if codes else None
        if data is None:
            # What the kiosk's waiting screen tells the student in the same case.
            print(f"{path}: no code read" + (f" (a QR code is there, but cannot be read): {text('waiting.unreadable', 'en')}"
                                              if seen else ""))
        else:
            print(f"{path}: {len(data)} bytes: {shown(data)}")
            try:
                info = codec.decode(data)
            except CodeProblem as problem:
                print(f"  not accepted ({problem.kind}): {text('error.code_' + problem.kind, 'en', **problem.params)}")
            else:
                if others := reader.capture_codes(codes[1:]):
                    # The kiosk reads none of them: which student is meant cannot be told.
                    print(f"  {len(others) + 1} capture codes in one picture (this one: {info.code}): the kiosk "
                          f"reads none of them and asks \"{text('error.code_several', 'en')}\"")
                else:
                    accepted += 1
                    print(f"  accepted: code {info.code}, name {info.name_masked or '-'}, "
                          f"ID {info.id_masked or '-'}")
        if args.time:
            times = sorted(frame_times(CodeReader(settings.kiosk.qr_scan_width, code_rank(codec)).read, image))
            print(f"  {sum(times) / len(times):.1f} ms a frame on average, {times[len(times) // 2]:.1f} median, "
                  f"{times[-1]:.1f} at most ({len(times)} frames of {image.shape[1]}x{image.shape[0]})")
    return 0 if accepted == len(args.images) else 1
