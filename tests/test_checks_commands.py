"""`kiosk check`: photos taken elsewhere, judged with a table or JSON, deliverables written."""
from __future__ import annotations

import json
import re

import cv2
import numpy as np

from kiosk.checks.registry import checks
from tests.test_eval import run


def test_check_json_judges_good_files_and_names_bad_ones(settings, photos, tmp_path, capsys):
    junk = tmp_path / "notes.jpg"
    junk.write_text("not a photo")
    code = run(settings, "check", str(photos / "london_synthetic__blue_005.jpg"), str(junk),
               str(tmp_path / "missing.jpg"), "--json", "--crop", str(tmp_path / "out"))
    out = json.loads(capsys.readouterr().out)
    assert code == 1  # not every file was accepted
    good, bad, missing = out
    assert good["accepted"] is True and len(good["checks"]) == len(checks())
    assert {"id", "verdict", "value", "threshold", "reason", "message_zh", "message_en"} <= set(good["checks"][0])
    assert bad["error"].startswith("not an image") and missing["error"] == "file not found"
    written = cv2.imread(good["deliverable"])
    assert written.shape == (640, 480, 3)


def test_a_picture_of_too_many_pixels_is_named_before_it_is_decoded(settings, photos, tmp_path, capsys):
    """A trial's 900-megapixel PNG of 110 KB took 5.7 GB and crashed the process in MediaPipe,
    and the other files of the run went unjudged."""
    bomb = tmp_path / "bomb.png"
    cv2.imwrite(str(bomb), np.zeros((16000, 16000), np.uint8), [cv2.IMWRITE_PNG_BILEVEL, 1])
    code = run(settings, "check", str(bomb), str(photos / "london_synthetic__blue_005.jpg"), "--json")
    too_large, good = json.loads(capsys.readouterr().out)
    assert code == 1 and good["accepted"] is True
    assert too_large["error"].startswith("too large: 16000 x 16000 pixels (256 megapixels)")
    assert "save a smaller copy" in too_large["error"]


def test_check_table_gives_reasons_what_was_measured_and_a_clear_line_without_a_face(settings, photos, tmp_path, capsys):
    backdrop = tmp_path / "backdrop.jpg"
    cv2.imwrite(str(backdrop), cv2.imread(str(photos / "london_synthetic__blue_005.jpg"))[:200, :200])
    code = run(settings, "check", str(photos / "london__smiling_009.jpg"), str(backdrop),
               str(photos / "field__greyscale_neutral_120.jpg"))
    out = capsys.readouterr().out
    assert code == 1
    assert "london__smiling_009.jpg: REJECTED" in out
    assert re.search(r"cannot tell background +-  \(", out)  # no number for what it could not measure
    assert "close your lips naturally" in out and "请自然闭合嘴唇" in out
    assert "measured: lips apart (of mouth width) 17%, limit 6.5%" in out  # which measure broke which limit
    assert "no face found" in out


def test_two_photos_of_the_same_name_never_overwrite_each_others_deliverable(settings, photos, tmp_path, capsys):
    for folder in ("monday", "tuesday"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "test3.jpg").write_bytes((photos / "london_synthetic__blue_005.jpg").read_bytes())
    out = tmp_path / "out"
    code = run(settings, "check", str(tmp_path / "monday" / "test3.jpg"), str(tmp_path / "tuesday" / "test3.jpg"),
               "--crop", str(out))
    err = capsys.readouterr().err
    assert code == 2 and "would both write test3.jpg" in err
    assert "monday" in err and "tuesday" in err
    assert not out.exists()  # refused before any file was written


def test_a_photo_cut_short_is_named_damaged_not_judged(settings, photos, tmp_path, capsys):
    """A copy that did not finish: OpenCV would decode it with grey fill, and the checks would
    judge the grey as the photo (studs found, shoulders not clear)."""
    whole = (photos / "london_synthetic__blue_005.jpg").read_bytes()
    cut = tmp_path / "unfinished_copy.jpg"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    code = run(settings, "check", str(cut), "--json")
    (entry,) = json.loads(capsys.readouterr().out)
    assert code == 1 and "checks" not in entry
    assert "damaged" in entry["error"] and "copy the photo again" in entry["error"]


def test_an_empty_file_is_named_and_the_photos_after_it_are_still_judged(settings, photos, tmp_path, capsys):
    """A save that failed leaves a 0-byte file: OpenCV asserts on it, which stopped the
    whole run with a traceback before the photos after it were judged."""
    empty = tmp_path / "a_failed_save.jpg"
    empty.write_bytes(b"")
    code = run(settings, "check", str(empty), str(photos / "london_synthetic__blue_005.jpg"), "--json")
    first, second = json.loads(capsys.readouterr().out)
    assert code == 1 and "empty" in first["error"] and "copy the photo again" in first["error"]
    assert second["accepted"] is True


def test_crop_given_a_file_instead_of_a_folder_says_so_in_one_line(settings, photos, tmp_path, capsys):
    photo = str(photos / "london_synthetic__blue_005.jpg")
    code = run(settings, "check", "--crop", photo, photo)  # the folder forgotten: the photo taken for it
    err = capsys.readouterr().err
    assert code == 2 and "cannot make the folder" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_deliverable_that_cannot_be_written_is_said_beside_the_verdict(settings, photos, tmp_path, capsys):
    """A read-only or full folder gave a traceback part-way; a folder in the file's place stands in for it."""
    (tmp_path / "london_synthetic__blue_005.jpg").mkdir()
    code = run(settings, "check", "--json", "--crop", str(tmp_path), str(photos / "london_synthetic__blue_005.jpg"))
    [entry] = json.loads(capsys.readouterr().out)
    assert code == 0 and entry["accepted"] and "cannot write" in entry["deliverable_error"]
