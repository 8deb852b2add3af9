"""`kiosk void`: withdraw a code's accepted photo (kept, never exported, audited)."""

from __future__ import annotations

import argparse

from kiosk.commands.base import open_store, operator_option, store_errors
from kiosk.messages import short_time


def register(sub) -> None:
    void = sub.add_parser("void", help="withdraw a code's accepted photo: kept, never exported (audited)")
    void.add_argument("code", metavar="CODE", help="the capture code whose accepted photo is withdrawn")
    void.add_argument("--reason", required=True, help="why the photo is withdrawn")
    operator_option(void)
    void.set_defaults(func=run_void)


@store_errors
def run_void(args: argparse.Namespace, settings) -> int:
    from kiosk.store.export import void_and_tell

    with open_store(settings) as store:
        capture, told = void_and_tell(store, store.spelled(args.code), args.operator, args.reason)
    if capture.batch:
        exported = (f"{capture.code}: this photo was already exported in batch {capture.batch} "
                    f"({short_time(capture.exported_at)})")
        if told:
            print(f"voided {exported}; the centre's next collection from {told} leaves it out of the upload, "
                  "or says which upload to withdraw it from. Take a new photo for this code; the next export "
                  "carries it")
        else:
            print(f"voided {exported}; its export folder cannot be written now, so the next `kiosk export` tells "
                  "the centre to leave it out. Take a new photo for this code; that export carries it too")
    else:
        print(f"voided {capture.code}: the photo is kept but will not be exported; take a new one for this code")
    return 0
