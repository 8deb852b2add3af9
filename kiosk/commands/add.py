"""`kiosk add`: check a photo taken elsewhere and store it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.commands.base import error, open_store, operator_option


def register(sub) -> None:
    add = sub.add_parser("add", help="check a photo taken elsewhere and store it")
    add.add_argument("image", type=Path, metavar="IMAGE")
    add.add_argument("--code", required=True, help="the student's capture code")
    add.add_argument("--override", metavar="REASON", help="store it even though checks fail, for this reason")
    add.add_argument("--retake", metavar="REASON", help="replace the code's accepted photo, for this reason")
    operator_option(add)
    add.set_defaults(func=run_add)


def run_add(args: argparse.Namespace, settings) -> int:
    from kiosk.store import AlreadyAccepted, StoreError, check_code
    from kiosk.store.intake import Refused, add_photo

    try:
        code = check_code(args.code)
        with open_store(settings) as store:
            capture = add_photo(store, settings, args.image, code, args.operator, args.override, args.retake)
    except Refused as refused:
        print(refused.explain(settings.station.language), file=sys.stderr)
        return 1
    except (StoreError, AlreadyAccepted) as e:
        return error(str(e))
    # Only now is the capture committed and its images fsynced.
    print(f"saved {capture.code}")
    return 0
