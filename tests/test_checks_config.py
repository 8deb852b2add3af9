"""The [checks.<id>] sections: every check has one, and a mistake names the section."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.helpers import config_variant
from kiosk.checks.registry import checks
from kiosk.config import REPO_CONFIG, ConfigError, load_settings


def yaw_line() -> str:
    """The [checks.yaw] max_deg line as config.toml has it (its value is fitted)."""
    return re.search(r"\[checks\.yaw\][^\[]*?(max_deg = [0-9.]+)", REPO_CONFIG.read_text(encoding="utf-8")).group(1)


def test_every_check_reads_its_own_section(settings, tmp_path):
    assert set(settings.checks) == set(checks())
    assert (100, 197, 255) in settings.checks["background"].colours
    assert load_settings(config_variant(tmp_path, yaw_line(), "max_deg = 6.5")).checks["yaw"].max_deg == 6.5


def test_unknown_check_section_is_named(tmp_path):
    path = config_variant(tmp_path, "[checks.yaw]", "[checks.yaww]")
    with pytest.raises(ConfigError, match=r"\[checks\.yaww\]"):
        load_settings(path)


def test_a_station_file_from_before_a_check_existed_still_loads(tmp_path):
    # A full copy of an older config.toml, without a section a newer release added.
    path = config_variant(tmp_path, "[checks.sharpness]\n", "[other_table_for_test]\n")
    text = re.sub(r"\[other_table_for_test\]\n[^\[]*", "", path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    assert load_settings(path).checks["sharpness"] == load_settings(REPO_CONFIG).checks["sharpness"]


def test_out_of_range_threshold_is_refused(tmp_path):
    path = config_variant(tmp_path, yaw_line(), "max_deg = 90.0")
    with pytest.raises(ConfigError, match=r"checks\.yaw\.max_deg"):
        load_settings(path)


def test_loading_settings_does_not_load_mediapipe_or_opencv():
    code = ("import sys; from kiosk.config import load_settings; load_settings(); "
            "print('cv2' in sys.modules, 'mediapipe' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_a_live_parsing_width_the_parser_cannot_take_is_refused(tmp_path):
    # 256 x 341: the height is no multiple of 32, the parser would refuse every live frame.
    path = config_variant(tmp_path, "live_parsing_width = 288", "live_parsing_width = 256")
    with pytest.raises(ConfigError, match=r"live_parsing_width = 256 must be a multiple of 96"):
        load_settings(path)
