"""`kiosk roster import`: the college's CSV in UTF-8, UTF-8 with BOM or GBK, English or
Chinese headers; every bad row named by line; nothing imported from a bad file unless asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import kiosk

from kiosk.store import Store

CHINESE = (
    "采集码,学号,姓名,身份证号,学院,专业\n"
    "C0001,2023010001,张三丰,310101199001011234,物理学院,物理学\n"
    "C0002,2023010002,欧阳娜娜,11010119950202567X,化学学院,化学\n"
    "C0003,2023010003,李四,,外国语学院,日语\n"
)
ENGLISH = (
    "capture_code,student_number,name,id_number,college,major\n"
    "E0001,2023020001,王小明,440301200001011234,Law,Law\n"
)
BAD = (
    "capture_code,student_number,name,id_number\n"
    "B0001,1,赵一,440301200001011234\n"
    ",2,钱二,440301200001011235\n"  # line 3: no capture code
    "B0001,3,孙三,440301200001011236\n"  # line 4: repeated code
    "B0004,4,,440301200001011237\n"  # line 5: no name
    "B0005,5,周五,44030120000101123\n"  # line 6: a resident ID number one digit short
    "B0006,6,吴六,440301200001011238\n"
)


def stored(settings, code: str):
    with Store.from_settings(settings) as store:
        return store.roster_entry(code), store.roster_count()


@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_chinese_roster_in_each_encoding_imports_with_names_intact(settings, tmp_path, encoding):
    path = tmp_path / "名单.csv"
    path.write_bytes(CHINESE.encode(encoding))
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 0, run.stderr
    assert "imported 3 students" in run.stdout
    entry, count = stored(settings, "C0002")
    assert count == 3
    assert (entry.name, entry.id_number, entry.college) == ("欧阳娜娜", "11010119950202567X", "化学学院")
    for secret in ("张三丰", "欧阳娜娜", "310101199001011234"):
        assert secret not in run.stdout + run.stderr


def test_english_headers_with_bom_and_reimport_updates(settings, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(ENGLISH.encode("utf-8-sig"))
    assert kiosk("roster", "import", str(path)).returncode == 0
    path.write_bytes(ENGLISH.replace("Law,Law", "Law,Civil Law").encode("utf-8-sig"))
    assert kiosk("roster", "import", str(path)).returncode == 0
    entry, count = stored(settings, "E0001")
    assert (entry.name, entry.major, count) == ("王小明", "Civil Law", 1)


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(settings, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD.encode("gbk"))
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 1
    assert "line 3: missing capture code" in run.stderr
    assert "line 4: capture code B0001 repeated (first on line 2)" in run.stderr
    assert "line 5: missing name" in run.stderr
    assert "line 6: resident ID number has 17 characters, not 18" in run.stderr
    assert "--skip-bad" in run.stderr
    assert stored(settings, "B0001") == (None, 0)
    assert "钱二" not in run.stderr and "440301200001011235" not in run.stderr


def test_passport_and_other_document_numbers_are_accepted(settings, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("capture_code,student_number,name,id_number\n"
                    "P0001,1,Anna Schmidt,123456789\n"  # a 9-digit passport number
                    "P0002,2,陈美玲,12345678\n"  # an 8-digit 台胞证 number
                    "P0003,3,John Smith,E12345678\n"
                    "P0004,4,李四,1234\n", encoding="utf-8")  # line 5: too short for any document
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 1
    assert run.stderr.count("line ") == 1 and "line 5: ID number must be 5-20 letters or digits" in run.stderr
    assert kiosk("roster", "import", str(path), "--skip-bad").returncode == 0
    assert stored(settings, "P0001")[0].id_number == "123456789"
    assert stored(settings, "P0002")[0].id_number == "12345678"


def test_skip_bad_imports_the_good_rows(settings, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    run = kiosk("roster", "import", str(path), "--skip-bad")
    assert run.returncode == 0, run.stderr
    assert "imported 2 students" in run.stdout and "skipped 4 bad rows" in run.stdout
    assert stored(settings, "B0006")[0].name == "吴六"


@pytest.mark.parametrize("content, message", [
    ("姓名,学号\n张三,1\n".encode("utf-8"), "lacks capture_code"),
    ("采集码,学号,姓名\nC1,1,张三\n".encode("utf-16"), "neither UTF-8 nor GBK"),
    (b"", "is empty"),
])
def test_an_unreadable_file_says_what_to_fix(settings, tmp_path, content, message):
    path = tmp_path / "roster.csv"
    path.write_bytes(content)
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 1 and message in run.stderr
    assert "Traceback" not in run.stderr


def test_show_masks_unless_full_is_asked_and_audits_it(settings, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(CHINESE.encode("gbk"))
    kiosk("roster", "import", str(path))
    masked = kiosk("show", "C0001")
    assert "张*丰" in masked.stdout and "3101**********1234" in masked.stdout
    assert "张三丰" not in masked.stdout and "310101199001011234" not in masked.stdout
    full = kiosk("show", "C0001", "--full", "--operator", "wang")
    assert "张三丰" in full.stdout and "310101199001011234" in full.stdout
    with Store.from_settings(settings) as store:
        assert [a["action"] for a in store.audit_log("C0001")] == ["show_full"]
