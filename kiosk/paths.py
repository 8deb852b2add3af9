"""Where a station keeps its data: database, images, exports and model files."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from kiosk.config import APP_NAME, Settings


def data_dir(settings: Settings) -> Path:
    """KIOSK_DATA wins, so tests and several stations on one machine never share a database."""
    if os.environ.get("KIOSK_DATA"):
        return Path(os.environ["KIOSK_DATA"]).expanduser()
    if settings.store.data_dir:
        return Path(settings.store.data_dir).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME))


def models_dir(settings: Settings) -> Path:
    return data_dir(settings) / "models"


def model_path(settings: Settings, name: str) -> Path:
    return models_dir(settings) / name
