"""`kiosk doctor` and `kiosk models`: is this station able to take photos?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    doctor = sub.add_parser("doctor", help="check the station: config, models, the face-parsing licence, zbar, camera, data folder, PIN, codec")
    doctor.add_argument("--camera", metavar="PATH", help="check this video or image folder instead of the USB camera")
    doctor.set_defaults(func=run_doctor, needs_settings=False)

    models = sub.add_parser("models", help="the model files: MediaPipe's and the face parser")
    models_sub = models.add_subparsers(title="models commands", metavar="ACTION", required=True)
    fetch = models_sub.add_parser("fetch", help="fetch the model files into the data folder and verify them")
    fetch.add_argument("--from", dest="source", type=Path, metavar="DIR",
                       help="take the files from this folder first (offline install)")
    fetch.add_argument("--offline", action="store_true", help="use only the --from folder, no network")
    fetch.set_defaults(func=run_models_fetch)


def run_doctor(args: argparse.Namespace, _settings: None) -> int:
    from kiosk.doctor import diagnose

    ok = True
    for item in diagnose(args.config, args.camera):
        ok &= item.ok
        mark = "FAIL" if not item.ok else "WARN" if item.warning else "OK  "
        print(f"{mark}  {item.name}: {item.detail}")
    print("the station can take photos" if ok else "the station cannot take photos yet: fix the FAIL lines above")
    return 0 if ok else 1


def run_models_fetch(args: argparse.Namespace, settings) -> int:
    from kiosk import models, paths

    try:
        models.fetch(paths.models_dir(settings), args.source, offline=args.offline, face_parsing=settings.face_parsing)
    except models.ModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: cannot write the model files to {paths.models_dir(settings)}: {error.strerror}; "
              f"free some space or set KIOSK_DATA to a writable folder", file=sys.stderr)
        return 1
    return 0
