"""Small helpers shared by tests: run the real `kiosk` command, write config variants, lay out
model folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kiosk.config import REPO_CONFIG
from kiosk.models import MODEL_FILES


def kiosk(*args: str, env: dict | None = None, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """Run `python -m kiosk ARGS` as a real process, as the photographer or cron would."""
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout, **kwargs)


def config_variant(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the repo config with one piece of text replaced."""
    text = REPO_CONFIG.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in config.toml"
    path = tmp_path / "station.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def model_folder_without(folder: Path, models: Path, *missing) -> Path:
    """`folder`, made, with a link to every model file of `models` but the `missing` ones
    (kiosk.models model files): a station or an offline install that lacks those."""
    folder.mkdir()
    for model in MODEL_FILES:
        if model not in missing:
            (folder / model.name).symlink_to(models / model.name)
    return folder


def paint_mask(image, face, width: float, colour: tuple[int, int, int]):
    """A copy of `image` (BGR) with a face mask painted in `colour`: from the nose's bridge to
    the chin, cheek to cheek, placed by `face` (MediaPipe's landmarks in image pixels) on a face
    `width` px wide."""
    import cv2
    import numpy as np

    (bx, by), (cx, cy) = face[168, :2], face[152, :2]  # the nose's bridge, the chin
    corners = [(bx - 0.5 * width, by + 0.08 * width), (bx + 0.5 * width, by + 0.08 * width),
               (cx + 0.38 * width, cy - 0.05 * width), (cx - 0.38 * width, cy - 0.05 * width)]
    masked = image.copy()
    cv2.fillPoly(masked, [np.array(corners, np.int32)], colour)
    return masked
