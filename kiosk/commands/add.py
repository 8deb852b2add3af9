"""`kiosk add`: check a photo taken elsewhere and store it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.commands.base import adding_store, error, operator_option


def register(sub) -> None:
    add = sub.add_parser("add", help="check a photo taken elsewhere and store it")
    add.add_argument("image", type=Path, metavar="IMAGE", help="the photo file (JPEG, PNG, WebP, BMP or TIFF)")
    add.add_argument("--code", required=True, metavar="CODE",
                     help="the capture code: as the roster lists it, or the text its QR holds (kiosk codes read)")
    add.add_argument("--override", metavar="REASON", help="store it even though checks fail, for this reason")
    add.add_argument("--retake", metavar="REASON", help="replace the code's accepted photo, for this reason")
    add.add_argument("--consented", action="store_true",
                     help="the student agreed to the identity pre-check: compare with the reference photo (audited)")
    add.add_argument("--confirmed", action="store_true",
                     help="you looked at the photo: hair not dyed, no make-up, no earrings, necklace or piercing "
                          "(what no check can tell; needed, and recorded as the review screen records it)")
    operator_option(add)
    add.set_defaults(func=run_add)


def run_add(args: argparse.Namespace, settings) -> int:
    from kiosk.codec import CodecError, load_codec
    from kiosk.messages import text
    from kiosk.session import APPEARANCE
    from kiosk.store import AlreadyAccepted, StoreError
    from kiosk.store.intake import Refused, add_photo, resolve_code

    if not args.confirmed:
        # The review screen accepts no photo before these are ticked; nor does this command.
        items = "; ".join(f"{text(f'review.confirm_{item}', 'zh')} / {text(f'review.confirm_{item}', 'en')}"
                          for item in APPEARANCE)
        return error(f"nothing was saved: look at the photo for what no check can tell ({items}), "
                     "then add --confirmed")
    try:
        codec = load_codec(settings.kiosk.codec)
    except CodecError as e:
        return error(f"{settings.source}: {e}")
    try:
        with adding_store(settings) as store:
            code = resolve_code(store, codec, args.code)
            capture = add_photo(store, settings, args.image, code.code, args.operator, args.override, args.retake,
                                args.consented, APPEARANCE, code.name_masked or "")
    except Refused as refused:
        print(refused.explain(), file=sys.stderr)
        return 1
    except (StoreError, AlreadyAccepted) as e:
        return error(str(e))
    # Only now is the capture committed and its images fsynced.
    print(f"saved {capture.code}")
    if capture.overrides:  # one --override waives every failed check: each is named, as the list shows them
        print(f"overridden ({len(capture.overrides)}): {', '.join(o.check for o in capture.overrides)}; "
              f"reason: {capture.overrides[0].reason}")
    if capture.identity is not None:
        print(f"identity: {capture.identity.text()}")
    return 0
