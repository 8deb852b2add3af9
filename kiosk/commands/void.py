"""`kiosk void`: withdraw a code's accepted photo (kept, never exported, audited)."""

from __future__ import annotations

import argparse

from kiosk.commands.base import open_store, operator_option, store_errors


def register(sub) -> None:
    void = sub.add_parser("void", help="withdraw a code's accepted photo: kept, never exported (audited)")
    void.add_argument("code")
    void.add_argument("--reason", required=True, help="why the photo is withdrawn")
    operator_option(void)
    void.set_defaults(func=run_void)


@store_errors
def run_void(args: argparse.Namespace, settings) -> int:
    from kiosk.store import check_code

    with open_store(settings) as store:
        capture = store.void(check_code(args.code), args.operator, args.reason)
    if capture.batch:
        print(f"voided {capture.code}: this photo was already exported in batch {capture.batch} "
              f"({capture.exported_at[:16].replace('T', ' ')}); it has left the station, so withdraw it from "
              "that upload to CHSI as well. Take a new photo for this code; the next export carries it")
    else:
        print(f"voided {capture.code}: the photo is kept but will not be exported; take a new one for this code")
    return 0
