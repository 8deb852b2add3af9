import pytest

from kiosk import paths
from kiosk.config import REPO_CONFIG, ConfigError, load_settings
from tests.helpers import config_variant, kiosk


def test_default_config_carries_the_spec_numbers(settings):
    capture = settings.capture
    assert (capture.width, capture.height, capture.dpi) == (480, 640, 300)
    assert capture.crown_px == (50, 110) and capture.eyes_px == (200, 300)
    assert capture.face_width_px == (180, 300)
    assert settings.station.language == "zh"
    assert settings.source == REPO_CONFIG


@pytest.mark.parametrize("old, new, says", [
    ('fps = 30', 'fps = 30\nframerate = 25', "camera.framerate is not a known key"),
    ('width = 1280', 'width = "1280"', "camera.width must be a whole number, got str '1280'"),
    ('dpi = 300', 'dpi = 5', "capture.dpi = 5 is out of range; allowed 72 to 1200"),
    ('language = "zh"', 'language = "fr"', "station.language = 'fr' is not allowed; choose one of zh, en"),
    ('eyes_px = [200, 300]', 'eyes_px = [300, 200]', "capture.eyes_px: the first number (300) must not exceed"),
    ('[kiosk]', '[kiosks]', "[kiosks] is not a known section"),
    ('device = "0"', 'device = "0', "not valid TOML"),
    ('height = 720', 'height = 480', "camera 1280x480 cannot make the 480x640 deliverable: its picture must be at "
                                     "least 458x610"),
    # It names batch folders: a trial's "HK/07" left a batch that could never be written.
    ('id = "HK-01"', 'id = "HK/07"', "station.id = 'HK/07': give 1-32 characters without"),
    ('id = "HK-01"', 'id = ""', "station.id = '': give 1-32 characters without"),
    ('id = "HK-01"', 'id = "HK:07"', "station.id = 'HK:07': give 1-32 characters without"),  # a USB drive's FAT
    ('id = "HK-01"', 'id = “HK-03”', "write values in straight quotes"),  # a Chinese input method's quotes
])
def test_a_broken_config_names_the_file_the_key_and_what_is_allowed(tmp_path, old, new, says):
    path = config_variant(tmp_path, old, new)
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert str(path) in str(error.value)
    assert says in str(error.value)


def test_the_command_stops_on_a_broken_config_without_a_traceback(tmp_path, data_dir):
    path = config_variant(tmp_path, 'dpi = 300', 'dpi = "high"')
    done = kiosk("--config", str(path), "models", "fetch", "--offline")
    assert done.returncode == 2
    assert "capture.dpi must be a whole number" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_config_saved_by_a_windows_editor_loads_or_says_to_save_it_as_utf8(tmp_path):
    """A trial's file with a byte-order mark was 'not valid TOML at line 1, column 1'; a
    UTF-16 one gave Python's codec error."""
    path = config_variant(tmp_path, 'id = "HK-01"', 'id = "HK-07"')
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # Notepad's UTF-8
    assert load_settings(path).station.id == "HK-07"
    path.write_text(text, encoding="utf-16")
    with pytest.raises(ConfigError, match="not UTF-8 text .*: save it again as UTF-8"):
        load_settings(path)


def test_missing_config_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nowhere.toml")


def test_data_folder_comes_from_kiosk_data_then_the_config(tmp_path, monkeypatch):
    monkeypatch.delenv("KIOSK_DATA", raising=False)
    configured = load_settings(config_variant(tmp_path, 'data_dir = ""', f'data_dir = "{tmp_path / "station"}"'))
    assert paths.data_dir(configured) == tmp_path / "station"
    monkeypatch.setenv("KIOSK_DATA", str(tmp_path / "override"))
    assert paths.data_dir(configured) == tmp_path / "override"
    assert paths.models_dir(configured) == tmp_path / "override" / "models"


def test_station_file_in_user_config_folder_is_found(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    own = config_variant(tmp_path, 'id = "HK-01"', 'id = "HK-07"')
    target = tmp_path / "xdg" / "graduation-photo-station" / "config.toml"
    target.parent.mkdir(parents=True)
    own.rename(target)
    assert load_settings().station.id == "HK-07"
    assert load_settings().source == target


def test_a_station_file_holds_only_what_differs(tmp_path):
    own = tmp_path / "station.toml"
    own.write_text('[station]\nid = "HK-07"\n\n[checks.yaw]\nmax_deg = 4.0\n', encoding="utf-8")
    settings = load_settings(own)
    shipped = load_settings(REPO_CONFIG)
    assert settings.station.id == "HK-07" and settings.checks["yaw"].max_deg == 4.0
    # Everything else is the shipped default, the yaw check's other keys included.
    assert settings.camera == shipped.camera and settings.capture == shipped.capture
    assert settings.checks["roll"] == shipped.checks["roll"]
    assert settings.overrides == (("station.id", "HK-07"), ("checks.yaw.max_deg", 4.0))
    assert shipped.overrides == ()


def test_a_station_named_in_its_own_file_is_not_given_the_shipped_english_name(tmp_path):
    own = tmp_path / "station.toml"
    own.write_text('[station]\nid = "HK-02"\nname = "虹口采集中心 2号机"\n', encoding="utf-8")
    assert load_settings(own).station.name_en == ""  # its own name on the English screens too
    own.write_text('[station]\nid = "HK-02"\nname = "虹口采集中心 2号机"\nname_en = "Hongkou, station 2"\n',
                   encoding="utf-8")
    assert load_settings(own).station.name_en == "Hongkou, station 2"


def test_a_value_equal_to_the_default_is_not_called_a_change(tmp_path):
    own = tmp_path / "station.toml"
    own.write_text('[camera]\nwidth = 1280\ndevice = "/dev/video2"\n', encoding="utf-8")
    assert load_settings(own).overrides == (("camera.device", "/dev/video2"),)


@pytest.mark.parametrize("text, says", [
    ('[camera]\nframerate = 25\n', "camera.framerate is not a known key"),
    ('[capture]\ndpi = 5\n', "capture.dpi = 5 is out of range; allowed 72 to 1200"),
    ('[checks.yaw]\nmax_deg = "5"\n', "checks.yaw.max_deg must be a number"),
    ('[checks.yawn]\nmax_deg = 5\n', "[checks.yawn]: no such check"),
])
def test_a_partial_station_file_is_validated_the_same_way(tmp_path, text, says):
    own = tmp_path / "station.toml"
    own.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(own)
    assert str(error.value).startswith(f"{own}: ")
    assert says in str(error.value)


@pytest.mark.parametrize("where", ["before", "after", "inside a group"])
def test_config_is_taken_before_or_after_the_command_name(tmp_path, data_dir, where):
    """`kiosk list --config FILE` and `kiosk roster --config FILE list` were refused: the file counts anywhere."""
    path = tmp_path / "station.toml"
    path.write_text('[station]\nid = "HK-09"\n', encoding="utf-8")
    if where == "inside a group":  # the file is read: its mistake is named
        path.write_text('[station]\nid = "HK:09"\n', encoding="utf-8")
        done = kiosk("roster", "--config", str(path), "list")
        assert done.returncode == 2 and f"config error: {path}: station.id = 'HK:09'" in done.stderr, done.stderr
        return
    args = ["--config", str(path), "doctor"] if where == "before" else ["doctor", "--config", str(path)]
    done = kiosk(*args)
    assert f"config: {path} sets, apart from the shipped defaults: station.id = 'HK-09'" in done.stdout, done.stderr


def test_a_mistyped_option_is_named_with_the_one_it_may_mean(data_dir):
    """`kiosk add PHOTO --confirmd` gave the top level's usage and no hint (a trial)."""
    run = kiosk("add", "photo.jpg", "--code", "A0001", "--confirmd")
    assert run.returncode == 2 and "usage: kiosk add " in run.stderr
    assert "unrecognized arguments: --confirmd (did you mean --confirmed?)" in run.stderr
    stray = kiosk("roster", "list", "extra")
    assert stray.returncode == 2 and "kiosk roster list: error: unrecognized arguments: extra" in stray.stderr
    # A required option mistyped: argparse says only that it is missing, and now which word meant it.
    required = kiosk("add", "photo.jpg", "--kode", "A0001", "--confirmed")
    assert required.returncode == 2 and "the following arguments are required: --code" in required.stderr
    assert "--kode (did you mean --code?)" in required.stderr
    # A value is no option: only the option is hinted (`--date today` hinted at "today" too).
    dated = kiosk("list", "--date", "today")
    assert "--date (did you mean --day?) today" in dated.stderr and "today (did" not in dated.stderr


def test_a_station_id_in_chinese_names_its_batches(tmp_path):
    """Ids such as 虹口1号 name folders on any drive: only what file systems refuse is refused."""
    assert load_settings(config_variant(tmp_path, 'id = "HK-01"', 'id = "虹口1号"')).station.id == "虹口1号"
