"""`kiosk models fetch`: MediaPipe's model files, the face parser and, with `[identity] enabled`,
the face-recognition network, fetched and verified."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub) -> None:
    models = sub.add_parser("models", help="the model files: MediaPipe's, the face parser, the face "
                                           "recognition of [identity]")
    models_sub = models.add_subparsers(title="models commands", metavar="ACTION", required=True)
    fetch = models_sub.add_parser("fetch", help="fetch the model files into the data folder and verify them")
    fetch.add_argument("--from", dest="source", type=Path, metavar="DIR",
                       help="take the files from this folder first (offline install)")
    fetch.add_argument("--offline", action="store_true", help="use only the --from folder, no network")
    fetch.set_defaults(func=run_models_fetch)


def run_models_fetch(args: argparse.Namespace, settings) -> int:
    from kiosk import models, paths

    if args.source is not None and not args.source.is_dir():
        what = "is not a folder" if args.source.exists() else "does not exist"
        print(f"error: {args.source} {what}: give the folder that holds the model files; nothing was fetched",
              file=sys.stderr)
        return 1
    try:
        models.fetch(paths.models_dir(settings), args.source, offline=args.offline, face_parsing=settings.face_parsing,
                     identity=settings.identity.enabled)
    except models.ModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: cannot write the model files to {paths.models_dir(settings)}: {error.strerror}; "
              f"free some space or set KIOSK_DATA to a writable folder", file=sys.stderr)
        return 1
    return 0
