"""The `kiosk` parser and entry point, kept out of the package's __init__: importing the
command modules binds `print` and `list` there, over the builtins."""

from __future__ import annotations

import argparse
import difflib
import importlib
import logging
import os
import sys
from pathlib import Path

from kiosk.config import ConfigError, load_settings
from kiosk.models import ModelError

# In the order `kiosk --help` lists them: the kiosk, the station, the checks, the store.
COMMAND_MODULES = (
    "run", "codes", "pin", "doctor", "models",
    "check", "evaluate", "bench", "compare",
    "roster", "add", "list", "show", "export", "void", "verify", "purge", "print", "centre",
)


class Parser(argparse.ArgumentParser):
    """argparse's parser (each command's is one too) that names the option a mistyped one
    may mean, also when the one it meant is required (`kiosk add PHOTO --kode X` said only
    that --code is required)."""

    def parse_known_args(self, args=None, namespace=None):
        self.words = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str):
        if message.startswith("the following arguments are required"):
            options = _options(self)
            hints = [f"{word} (did you mean {close}?)" for word in getattr(self, "words", [])
                     if not any(o.startswith(word.split("=")[0]) for o in options)
                     and (close := _closest(word, options))]
            if hints:
                message += f"; unrecognized: {', '.join(hints)}"
        super().error(message)


def parser() -> argparse.ArgumentParser:
    top = Parser(
        prog="kiosk",
        description="Graduation photo station: scan the capture code, check every rule live, "
                    "store the accepted photo, export the day's batch.")
    top.add_argument("--config", type=Path, metavar="FILE",
                     help="station config file (default: KIOSK_CONFIG, the user config folder, "
                          "then the project's config.toml)")
    top.add_argument("-v", "--verbose", action="store_true", help="log every detail to stderr")
    sub = top.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"kiosk.commands.{name}").register(sub)
    _describe(top)
    return top


def _unrecognized(command: argparse.ArgumentParser, unknown: list[str]) -> None:
    """Exit 2 with the command's own usage and, for a mistyped option, the one it may mean
    (argparse gave the top level's usage and no hint: `kiosk add PHOTO --confirmd`)."""
    command.error(f"unrecognized arguments: {' '.join(_hints(command, unknown))}")


def _options(command: argparse.ArgumentParser) -> list[str]:
    return [o for action in command._actions for o in action.option_strings]


def _closest(word: str, options: list[str]) -> str | None:
    """The option a mistyped `word` (an option, with or without its =value) may mean (difflib);
    None for a word that is no option, or is like none."""
    close = difflib.get_close_matches(word.split("=")[0], options, 1) if word.startswith("-") else []
    return close[0] if close else None


def _hints(command: argparse.ArgumentParser, words: list[str]) -> list[str]:
    """Each word, with the option of the command it may mean, if any."""
    options = _options(command)
    return [f"{word} (did you mean {close}?)" if (close := _closest(word, options)) else word for word in words]


def _describe(command: argparse.ArgumentParser) -> None:
    """Give each subcommand's --help the one line the command list shows for it, unless it
    has a longer description of its own, and take --config after the command's name too, and
    after a group's (`kiosk list --config FILE` and `kiosk roster --config FILE list` were refused)."""
    subcommands = [action for action in command._actions if isinstance(action, argparse._SubParsersAction)]
    for action in subcommands:
        lines = {choice.dest: choice.help for choice in action._choices_actions}
        for name, sub in action.choices.items():
            sub.description = sub.description or lines.get(name)
            _describe(sub)
    if not subcommands:  # a command's own parser, to name its options when one is mistyped
        command.set_defaults(command_parser=command)
    if command.prog != "kiosk":
        # SUPPRESS: absent here, the --config given before the command's name stands.
        command.add_argument("--config", type=Path, metavar="FILE", default=argparse.SUPPRESS,
                             help="station config file (as before the command's name)")


def main(argv: list[str] | None = None) -> int:
    try:
        return _run(argv)
    except KeyboardInterrupt:
        # Ctrl-C, even while the modules and settings load: each store write is one
        # transaction, and an export or upload cut short is finished by the next run.
        print("interrupted: what was left unfinished was not saved; run the command again to finish it",
              file=sys.stderr)
        return 130


def _run(argv: list[str] | None) -> int:
    args, unknown = parser().parse_known_args(argv)
    if unknown:
        _unrecognized(getattr(args, "command_parser", parser()), unknown)
    # A command prints what it means to say; its log lines show only with -v, except the
    # kiosk's own (`run`, `demo`), which keep a station's day in the journal.
    level = logging.DEBUG if args.verbose else logging.INFO if getattr(args, "journal", False) else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not hasattr(args, "func"):
        parser().print_help()
        return 2
    if getattr(args, "needs_settings", True):
        try:
            settings = load_settings(args.config)
        except ConfigError as error:
            print(f"config error: {error}", file=sys.stderr)
            return 2
    else:
        settings = None
    try:
        return args.func(args, settings)
    except ModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `kiosk list | head` closed the pipe: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
