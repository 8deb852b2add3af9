"""`kiosk`: the station's one command, one module per command group (pip's layout).

Each module has register(subparsers) and its handlers; a handler imports its heavy parts
(Qt, cv2, MediaPipe) itself, so `kiosk --help` answers at once.
"""

from kiosk.commands.cli import COMMAND_MODULES, main, parser

__all__ = ["COMMAND_MODULES", "main", "parser"]
