"""`kiosk pin`: set the photographer PIN."""

from __future__ import annotations

import argparse
import getpass
import sys


def register(sub) -> None:
    pin = sub.add_parser("pin", help="set the photographer PIN: prints the pin_hash line for [operator]")
    pin.set_defaults(func=make_pin, needs_settings=False)


def make_pin(args: argparse.Namespace, settings) -> int:
    from kiosk.session import hash_pin

    try:
        pin = getpass.getpass("new photographer PIN (4 or more digits): ")
        if len(pin) < 4 or not pin.isdigit():
            print("the PIN must be 4 or more digits", file=sys.stderr)
            return 2
        again = getpass.getpass("the same PIN again: ")
    except EOFError:  # Ctrl-D, or a pipe that ran dry
        print("\nno PIN given; nothing was changed", file=sys.stderr)
        return 2
    if again != pin:
        print("the two PINs differ; nothing was changed", file=sys.stderr)
        return 2
    print("put this line into the [operator] section of the station's config.toml:")
    print(f'pin_hash = "{hash_pin(pin)}"')
    return 0
