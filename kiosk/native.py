"""Native libraries (MediaPipe's C++, OpenCV's FFmpeg and V4L2 backends) write notes and
errors straight to file descriptor 2, where the operator reads our own messages, and no
setting turns them all off."""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def native_logs_silenced(active: bool = True):
    """Silence fd 2 for the block (when `active`): for calls whose failures we report
    ourselves in the operator's words. Anything another thread writes to stderr in that
    moment is lost too, so keep the block short."""
    if not active:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
