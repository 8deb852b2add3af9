"""Shared fixtures: a private data folder per test, the verified models, a fake clock."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk import models as model_files
from kiosk import paths
from kiosk.clock import FakeClock
from kiosk.config import REPO_CONFIG, load_settings

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = ROOT / "tests" / "photos"


@pytest.fixture(scope="session")
def models() -> Path:
    """The station's model folder, the face-parsing and face-recognition networks included
    (filled by `make test`, which leaves the face-recognition network out while the shipped
    config has `[identity] enabled = false`: fetched here)."""
    folder = paths.models_dir(load_settings(REPO_CONFIG))
    if any(model_files.check(folder, m) for m in model_files.MODEL_FILES):
        model_files.fetch(folder, report=lambda _line: None, identity=True)
    return folder


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, models: Path) -> Path:
    folder = tmp_path / "station-data"
    (folder).mkdir()
    os.symlink(models, folder / "models", target_is_directory=True)
    monkeypatch.setenv("KIOSK_DATA", str(folder))
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    return folder


@pytest.fixture
def settings(data_dir: Path):
    return load_settings(REPO_CONFIG)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def photos() -> Path:
    """Licensed real photos copied into the project (see tests/photos/ATTRIBUTION.md)."""
    return PHOTOS
