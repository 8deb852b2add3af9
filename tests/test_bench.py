"""`kiosk bench` prints its figures; the figures themselves are read by people, not asserted."""
from __future__ import annotations

import json

from tests.test_eval import run


def test_bench_json_has_every_figure(settings, capsys):
    assert run(settings, "bench", "--frames", "20", "--json") == 0
    figures = json.loads(capsys.readouterr().out)
    assert set(figures) == {"fps", "latency_ms_p50", "latency_ms_p95", "pipeline_ms_per_frame",
                            "mediapipe_ms_per_frame", "frames", "parsing_hz", "parsing_ms_p95"}
    assert figures["frames"] == 20
    assert figures["latency_ms_p95"] >= figures["latency_ms_p50"] > 0
    assert figures["pipeline_ms_per_frame"] >= figures["mediapipe_ms_per_frame"] > 0


def test_bench_plays_a_folder_and_explains_a_bad_path(settings, photos, tmp_path, capsys):
    assert run(settings, "bench", str(photos), "--frames", "12") == 0
    out = capsys.readouterr().out
    assert "frames per second" in out
    # Photos are no camera frames: the figures say they were scaled to the camera's size.
    assert "frames: 12 at 1280x720 (pictures of " in out and "scaled onto a 1280x720 frame" in out, out
    assert run(settings, "bench", str(tmp_path / "nothing-here")) == 2
    assert "does not exist" in capsys.readouterr().err


def test_bench_at_the_camera_rate_gives_frames_no_faster_than_the_camera(settings, capsys):
    """--camera-rate: frames come at [camera] fps, as on the station, not as fast as judged."""
    assert run(settings, "bench", "--frames", "30", "--json", "--camera-rate") == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["frames"] == 30 and figures["fps"] <= settings.camera.fps + 0.5


def test_no_frames_to_time_is_refused_as_such():
    """A trial's `--frames 0` was told to give a longer video."""
    from tests.helpers import kiosk

    for args in (["bench", "--frames", "0"], ["codes", "make", "--count", "-1", "--out", "x"]):
        done = kiosk(*args)
        assert done.returncode == 2 and "give a whole number of 1 or more" in done.stderr, args
        assert "longer video" not in done.stderr
