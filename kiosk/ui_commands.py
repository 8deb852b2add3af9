"""`kiosk run`, `kiosk demo`, `kiosk codes make`, `kiosk pin`: the kiosk's commands.

Nothing heavy is imported here (Qt, cv2 and mediapipe load inside the handlers), so
`kiosk --help` stays instant.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

DEMO_FOOTAGE = Path(__file__).resolve().parent.parent / "assets" / "demo" / "demo.mp4"
# Masked names and IDs the demo codes carry (they belong to nobody).
DEMO_PEOPLE = (("张*三", "3101**********1234"), ("李*", "1101**********002X"),
               ("王*明", "4403**********5678"), ("Chen *i", "3205**********9012"))


def register(sub) -> None:
    run = sub.add_parser("run", help="start the kiosk window, full screen, on the USB camera")
    run.add_argument("--camera", metavar="PATH",
                     help="play a video file or a folder of images as the camera (demo, tests)")
    run.add_argument("--windowed", action="store_true",
                     help="a normal window instead of full screen (to try it on a desktop)")
    run.set_defaults(func=run_kiosk)

    demo = sub.add_parser("demo", help="the kiosk playing the demo footage as its camera")
    demo.add_argument("--windowed", action="store_true", help="a normal window instead of full screen")
    demo.set_defaults(func=run_demo)

    codes = sub.add_parser("codes", help="demo capture codes")
    codes_sub = codes.add_subparsers(title="commands", metavar="COMMAND", required=True)
    make = codes_sub.add_parser(
        "make", help="make demo capture codes: DIR/<code>.png each, the codes printed one per line")
    make.add_argument("--count", type=int, default=1, metavar="N", help="how many codes (default 1)")
    make.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the QR images")
    make.set_defaults(func=make_codes, needs_settings=False)

    pin = sub.add_parser("pin", help="set the photographer PIN: prints the pin_hash line for [operator]")
    pin.set_defaults(func=make_pin, needs_settings=False)


def run_kiosk(args: argparse.Namespace, settings) -> int:
    from kiosk import app
    from kiosk.camera import CameraError
    from kiosk.codec import CodecError

    if args.camera and not Path(args.camera).exists():
        print(f"--camera {args.camera}: no such file or folder; give a video file or a folder of images",
              file=sys.stderr)
        return 2
    if (problem := _models_problem(settings)) is not None:
        print(problem, file=sys.stderr)
        return 1
    if not args.camera and not _camera_present(settings):
        print(f"no camera at {settings.camera.device}: connect one, or try `make demo` "
              "(the kiosk with demo footage) or `kiosk run --camera PATH`", file=sys.stderr)
        return 1
    try:
        return app.run(settings, args.camera, args.windowed)
    except CameraError as error:
        print(f"camera: {error}", file=sys.stderr)
        return 1
    except CodecError as error:
        print(f"{settings.source}: {error}", file=sys.stderr)
        return 1
    except (app.QtProblem, app.StartProblem) as error:
        print(error, file=sys.stderr)
        return 1


def _models_problem(settings) -> str | None:
    """What is wrong with the model files, said before any window opens."""
    from kiosk import models, paths

    try:
        models.require(paths.models_dir(settings), face_parsing=settings.face_parsing)
    except models.ModelError as error:
        return str(error)
    return None


def _camera_present(settings) -> bool:
    from kiosk.camera import CameraError, UsbCamera

    camera = settings.camera
    probe = UsbCamera(camera.device, camera.width, camera.height, camera.fps)
    try:
        probe.open()
    except CameraError:
        return False
    probe.close()
    return True


def run_demo(args: argparse.Namespace, settings) -> int:
    from kiosk import app
    from kiosk.codec import CodecError

    if not DEMO_FOOTAGE.exists():
        print(f"{DEMO_FOOTAGE} is missing: rebuild it with `python tools/make_demo.py`", file=sys.stderr)
        return 1
    if (problem := _models_problem(settings)) is not None:
        print(problem, file=sys.stderr)
        return 1
    try:
        return app.run(settings, str(DEMO_FOOTAGE), args.windowed)
    except (app.QtProblem, app.StartProblem) as error:
        print(error, file=sys.stderr)
        return 1
    except CodecError as error:
        print(f"{settings.source}: {error}", file=sys.stderr)
        return 1


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


def make_pin(args: argparse.Namespace, settings) -> int:
    from kiosk.session import hash_pin

    pin = getpass.getpass("new photographer PIN (4 or more digits): ")
    if len(pin) < 4 or not pin.isdigit():
        print("the PIN must be 4 or more digits", file=sys.stderr)
        return 2
    if getpass.getpass("the same PIN again: ") != pin:
        print("the two PINs differ; nothing was changed", file=sys.stderr)
        return 2
    print("put this line into the [operator] section of the station's config.toml:")
    print(f'pin_hash = "{hash_pin(pin)}"')
    return 0
