"""`kiosk pin`: set the photographer PIN, the station's or one photographer's."""

from __future__ import annotations

import argparse
import getpass
import json
import sys


def register(sub) -> None:
    pin = sub.add_parser("pin", help="set the photographer PIN: prints the pin_hash line for [operator], or with "
                                     "--name a photographer's line for [operator.photographers]")
    pin.add_argument("--name", help="the photographer's own PIN: the audit and the screen's badge name them (such as "
                                    "wang or 王伟)")
    pin.set_defaults(func=make_pin, needs_settings=False)


def make_pin(args: argparse.Namespace, settings) -> int:
    from kiosk.config import photographer_name_ok
    from kiosk.session import hash_pin

    name = args.name
    if name is not None and not photographer_name_ok(name):
        print("the name must be 1-32 printable characters without spaces at either end", file=sys.stderr)
        return 2
    try:
        pin = getpass.getpass("new photographer PIN (4 or more digits): ")
        if len(pin) < 4 or not pin.isdigit():
            print("the PIN must be 4 or more digits", file=sys.stderr)
            return 2
        if guessable(pin):
            print("that PIN is among the first anyone tries (one digit repeated, a run such as 1234 or 9876, "
                  "or the demo PIN): choose another; nothing was changed", file=sys.stderr)
            return 2
        again = getpass.getpass("the same PIN again: ")
    except EOFError:  # Ctrl-D, or a pipe that ran dry
        print("\nno PIN given; nothing was changed", file=sys.stderr)
        return 2
    if again != pin:
        print("the two PINs differ; nothing was changed", file=sys.stderr)
        return 2
    if (taken := _taken_by(args, pin)) is not None:
        # At the PIN dialog a PIN that two hashes match opens nothing: both would be locked out.
        print(f"this PIN is already {taken}: choose another; "
              "nothing was changed", file=sys.stderr)
        return 2
    if name is None:
        print("put this line into the [operator] section of the station's config.toml:")
        print(f'pin_hash = "{hash_pin(pin)}"')
    else:
        # Quoted, as TOML wants a name in Chinese characters; JSON's quoting is TOML's.
        print("put this line under [operator.photographers] in the station's config.toml (add that heading once, "
              "at the end of the file; each photographer's PIN must differ):")
        print(f'{json.dumps(name, ensure_ascii=False)} = "{hash_pin(pin)}"')
    return 0


def guessable(pin: str) -> bool:
    """Whether a PIN of digits is one digit repeated, a run up or down by one (1234, 9876,
    wrapping 8901 included), or the demo PIN the shipped config holds."""
    from kiosk.session import DEMO_PIN

    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:])}
    return pin == DEMO_PIN or steps in ({0}, {1}, {9})


def _taken_by(args: argparse.Namespace, pin: str) -> str | None:
    """Whose PIN, in words, the new one already is in the station's config (the entry being
    replaced aside); None when nobody's or when the config cannot be read."""
    from kiosk.config import ConfigError, load_settings
    from kiosk.session import photographer_pins, pin_matches

    try:
        settings = load_settings(args.config)
    except ConfigError:  # `kiosk doctor` says what is wrong with it; the PIN line is still wanted
        return None
    station = f"{settings.station.id} photographer"
    for name, pin_hash in photographer_pins(settings).items():
        replaced = name == (station if args.name is None else args.name)
        if not replaced and pin_matches(pin, pin_hash):
            whose = "the station's shared PIN" if name == station else "another photographer's PIN"
            return f"{whose} in {settings.source}"
    return None
