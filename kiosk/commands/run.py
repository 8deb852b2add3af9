"""`kiosk run` and `kiosk demo`: the kiosk window, on the USB camera or on the demo footage."""

from __future__ import annotations

import argparse
import fcntl
import os
import sys
from pathlib import Path

DEMO_FOOTAGE = Path(__file__).resolve().parents[2] / "assets" / "demo" / "demo.mp4"


def register(sub) -> None:
    run = sub.add_parser("run", help="start the kiosk window, full screen, on the USB camera")
    run.add_argument("--camera", metavar="PATH",
                     help="play a video file, an image file or a folder of images as the camera (demo, tests)")
    run.add_argument("--windowed", action="store_true",
                     help="a normal window instead of full screen (to try it on a desktop)")
    run.set_defaults(func=run_kiosk, journal=True)

    demo = sub.add_parser("demo", help="the kiosk playing the demo footage as its camera")
    demo.add_argument("--windowed", action="store_true", help="a normal window instead of full screen")
    demo.set_defaults(func=run_demo, journal=True)


def run_kiosk(args: argparse.Namespace, settings) -> int:
    from kiosk import app, paths
    from kiosk.camera import CameraError
    from kiosk.codec import CodecError

    if args.camera and (problem := _file_camera_problem(args.camera)) is not None:
        print(f"--camera {args.camera}: {problem}", file=sys.stderr)
        return 2
    if (problem := _models_problem(settings)) is not None:
        print(problem, file=sys.stderr)
        return 1
    if (problem := _data_folder_problem(settings)) is not None:
        print(problem, file=sys.stderr)
        return 1
    if not args.camera and not _camera_present(settings):
        print(f"no camera at {settings.camera.device} ([camera] device): connect one or set another, or try "
              "`make demo` (the kiosk with demo footage) or `kiosk run --camera PATH`", file=sys.stderr)
        return 1
    if (held := _hold_station(settings)) is None:
        print(f"a kiosk is already running on the data folder {paths.data_dir(settings)}: close it first (two "
              "kiosks on one store would mix up their students)", file=sys.stderr)
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
    finally:
        os.close(held)


def _hold_station(settings) -> int | None:
    """An flock on DATA/kiosk.lock, held while this kiosk runs (the descriptor, to close on
    exit); None when another kiosk holds it. The kernel lets go when the process ends,
    however it ends."""
    from kiosk import paths

    folder = paths.data_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / "kiosk.lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _file_camera_problem(path: str) -> str | None:
    """Why PATH gives no frame (an empty folder, a file that is no video), said before any
    window opens: the kiosk would otherwise wait for it to reconnect for ever."""
    from kiosk.camera import CameraError
    from kiosk.camera.file import FileCamera
    from kiosk.clock import FakeClock

    if not Path(path).exists():
        return "no such file or folder; give a video file, an image file or a folder of images"
    probe = FileCamera(path, 30, FakeClock(), loop=False)
    try:
        probe.open()
        probe.read()
    except CameraError as error:
        return str(error)
    finally:
        probe.close()
    return None


def _models_problem(settings) -> str | None:
    """What is wrong with the model files, said before any window opens."""
    from kiosk import models, paths

    try:
        models.require(paths.models_dir(settings), face_parsing=settings.face_parsing,
                       identity=settings.identity.enabled)
    except models.ModelError as error:
        return str(error)
    return None


def _data_folder_problem(settings) -> str | None:
    """Why the store cannot live in the data folder (a network share), said before any window opens."""
    from kiosk import paths
    from kiosk.store.files import network_share
    from kiosk.store.store import network_share_problem

    folder = paths.data_dir(settings)
    share = network_share(folder)
    return network_share_problem(folder, share) if share else None


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
    import tempfile

    from kiosk import app
    from kiosk.codec import CodecError

    if not DEMO_FOOTAGE.exists():
        print(f"{DEMO_FOOTAGE} is missing: rebuild it with `python tools/make_demo.py`", file=sys.stderr)
        return 1
    if (problem := _models_problem(settings)) is not None:
        print(problem, file=sys.stderr)
        return 1
    # Demo photos must never join the station's nightly export: a store of its own, gone on
    # close, so each demo also starts with its demo code not yet photographed.
    print("demo: photos go to a store of their own, removed on close; the station's store is untouched")
    try:
        with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as folder:
            return app.run(settings, str(DEMO_FOOTAGE), args.windowed, store_folder=Path(folder))
    except (app.QtProblem, app.StartProblem) as error:
        print(error, file=sys.stderr)
        return 1
    except CodecError as error:
        print(f"{settings.source}: {error}", file=sys.stderr)
        return 1
