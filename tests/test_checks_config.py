"""The [checks.<id>] sections: every check has one, and a mistake names the section."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import config_variant
from kiosk.checks.registry import checks
from kiosk.config import ConfigError, load_settings


def test_every_check_reads_its_own_section(settings):
    assert set(settings.checks) == set(checks())
    assert settings.checks["yaw"].max_deg == 5.0
    assert (100, 197, 255) in settings.checks["background"].colours


def test_unknown_check_section_is_named(tmp_path):
    path = config_variant(tmp_path, "[checks.yaw]", "[checks.yaww]")
    with pytest.raises(ConfigError, match=r"\[checks\.yaww\]"):
        load_settings(path)


def test_missing_check_section_is_named(tmp_path):
    path = config_variant(tmp_path, "[checks.sharpness]\n", "[other_table_for_test]\n")
    text = path.read_text(encoding="utf-8").replace("[other_table_for_test]\n", "").replace(
        "min_laplacian_var = 22.0\n", "")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[checks\.sharpness\] is missing"):
        load_settings(path)


def test_out_of_range_threshold_is_refused(tmp_path):
    path = config_variant(tmp_path, "max_deg = 5.0", "max_deg = 90.0")
    with pytest.raises(ConfigError, match=r"checks\.yaw\.max_deg"):
        load_settings(path)


def test_loading_settings_does_not_load_mediapipe_or_opencv():
    code = ("import sys; from kiosk.config import load_settings; load_settings(); "
            "print('cv2' in sys.modules, 'mediapipe' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
