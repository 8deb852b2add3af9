"""`kiosk roster import`: the college's CSV in UTF-8, UTF-8 with BOM, GBK or UTF-16, separated
by commas, tabs or semicolons, or an .xlsx workbook; the headers offices use; every bad row named by line (Excel's row number) with
its likely cause; nothing imported from a bad file unless asked."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from helpers import kiosk
from test_store import RESULTS, make_jpeg

from kiosk.idnumber import check_character, resident_id_problem
from kiosk.store import RosterEntry, Store
from kiosk.store.roster import RosterFileError, read_roster

CHINESE = (
    "采集码,学号,姓名,身份证号,学院,专业\n"
    "C0001,2023010001,张三丰,310101199001011234,物理学院,物理学\n"
    "C0002,2023010002,欧阳娜娜,11010119950202567X,化学学院,化学\n"
    "C0003,2023010003,李四,,外国语学院,日语\n"
)
ENGLISH = (
    "capture_code,student_number,name,id_number,college,major\n"
    "E0001,2023020001,王小明,44030120000101123x,Law,Law\n"
)
BAD = (
    "capture_code,student_number,name,id_number\n"
    "B0001,1,赵一,44030120000101123X\n"
    ",2,钱二,440301200001011248\n"  # line 3: no capture code
    "B0001,3,孙三,440301200001011256\n"  # line 4: repeated code
    "B0004,4,,440301200001011264\n"  # line 5: no name
    "B0005,5,周五,44030120000101127\n"  # line 6: a resident ID number one digit short
    "B0006,6,吴六,440301200001011280\n"
)


def stored(settings, code: str):
    with Store.from_settings(settings) as store:
        return store.roster_entry(code), store.roster_count()


# How offices save and type the list: (separator, how ID number 11010119950202567X is typed, encoding).
VARIANTS = {
    "gbk": (",", None, "gbk"),
    "utf-8": (",", None, "utf-8"),
    "utf-8-sig": (",", None, "utf-8-sig"),
    "utf-16 tabs": ("\t", None, "utf-16"),  # Excel's "Unicode text"
    "utf-16 without its mark": ("\t", None, "utf-16-le"),
    "gbk tabs": ("\t", None, "gbk"),  # Excel's "Text"
    "semicolons": (";", None, "utf-8"),  # where the decimal mark is a comma
    "full-width commas": ("，", None, "utf-8"),  # typed with a Chinese input method
    "full-width digits": (",", "１１０１０１１９９５０２０２５６７Ｘ", "utf-8"),
    "grouped ID numbers": (",", "110101 19950202 567X", "utf-8"),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_chinese_roster_as_offices_save_and_type_it_imports_with_names_intact(settings, tmp_path, variant):
    """Each encoding and separator Excel writes, and a list typed with a Chinese input method,
    is read as the plain CSV is: names intact, the ID number as its plain digits."""
    separator, typed, encoding = VARIANTS[variant]
    text = CHINESE.replace(",", separator).replace("11010119950202567X", typed or "11010119950202567X")
    path = tmp_path / "名单.csv"
    path.write_bytes(text.encode(encoding))
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 0, run.stderr
    assert "imported 3 students" in run.stdout
    entry, count = stored(settings, "C0002")
    assert count == 3
    assert (entry.name, entry.id_number, entry.college) == ("欧阳娜娜", "11010119950202567X", "化学学院")
    for secret in ("张三丰", "欧阳娜娜", "310101199001011234"):
        assert secret not in run.stdout + run.stderr


def test_a_big5_file_is_refused_not_imported_as_garbled_names(settings, tmp_path):
    """Big5 bytes are mostly valid GBK: read as GBK they would import as other, rare characters."""
    path = tmp_path / "roster.csv"
    path.write_bytes(("capture_code,student_number,name,college\n"
                      "T0001,1,陳大文,物理學院\nT0002,2,張美玲,化學學院\nT0003,3,黃志強,外國語學院\n").encode("big5"))
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 1 and "looks like Big5" in run.stderr and "CSV UTF-8" in run.stderr
    assert stored(settings, "T0001") == (None, 0)


@pytest.mark.parametrize("rows", [
    "FD0100,100,陳大文\nFD0101,101,黃小明\nFD0102,102,張偉強\nFD0103,103,林美玲\nFD0104,104,王家豪\n",
    "FD0033,33,陳試三十三\n",  # one student: few characters to go by
])
def test_a_big5_file_with_few_names_is_refused_too(settings, tmp_path, rows):
    """Read as GBK these Big5 names give kana and symbols more than rare hanzi."""
    path = tmp_path / "roster.csv"
    path.write_bytes(("capture_code,student_number,name\n" + rows).encode("big5"))
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 1 and "looks like Big5" in run.stderr
    assert stored(settings, rows[:6]) == (None, 0)


def test_traditional_chinese_headers_are_read(settings, tmp_path):
    path = tmp_path / "名單.csv"
    path.write_text("採集碼,學號,姓名,身份證號碼,學院,專業\nT0009,9,陳大文,,物理學院,物理\n", encoding="utf-8")
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 0, run.stderr
    assert kiosk("roster", "list").stdout.splitlines()[1].split()[:3] == ["T0009", "9", "陳*文"]


def test_the_roster_is_listed_as_read_with_names_and_id_numbers_masked(settings, tmp_path):
    with Store.from_settings(settings):  # the station's store, as its first kiosk run makes it
        pass
    assert "the roster is empty" in kiosk("roster", "list").stdout
    path = tmp_path / "名单.csv"
    path.write_bytes(CHINESE.encode("gbk"))
    assert kiosk("roster", "import", str(path)).returncode == 0
    run = kiosk("roster", "list")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split()[:3] == ["CODE", "STUDENT", "NO."]
    assert lines[2].split() == ["C0002", "2023010002", "欧**娜", "1101**********567X", "化学学院", "化学", "-"]
    assert lines[3].split()[:4] == ["C0003", "2023010003", "李*", "-"]  # no ID number given
    assert lines[-1] == "3 students in the roster, 0 with an accepted photo"
    for secret in ("张三丰", "欧阳娜娜", "310101199001011234", "11010119950202567X"):
        assert secret not in run.stdout + run.stderr
    with Store.from_settings(settings) as store:
        store.save_capture("C0002", make_jpeg(1, (640, 360)), make_jpeg(2), RESULTS, operator="wang")
    lines = kiosk("roster", "list").stdout.splitlines()
    assert lines[2].endswith("accepted") and lines[1].endswith("-")
    assert lines[-1] == "3 students in the roster, 1 with an accepted photo"
    # A long name (masked, as long as the name) ends in "…" and the next columns stay in line.
    with Store.from_settings(settings) as store:
        store.import_roster([RosterEntry("C0004", "2023010004", "Maximilian Alexander Schwarzenegger",
                                         college="Faculty of Mechanical and Electrical Engineering")], "wang", "x.csv")
    lines = kiosk("roster", "list").stdout.splitlines()
    long_row = next(line for line in lines if line.startswith("C0004"))
    assert long_row.index(" - ") == lines[0].index("ID NUMBER") - 1, lines
    assert "M*********…" in long_row and "Faculty of Mechani… " in long_row


def test_english_headers_with_bom_and_reimport_updates(settings, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(ENGLISH.encode("utf-8-sig"))
    assert kiosk("roster", "import", str(path)).returncode == 0
    path.write_bytes(ENGLISH.replace("Law,Law", "Law,Civil Law").encode("utf-8-sig"))
    assert kiosk("roster", "import", str(path)).returncode == 0
    entry, count = stored(settings, "E0001")
    assert (entry.name, entry.major, entry.id_number, count) == ("王小明", "Civil Law", "44030120000101123X", 1)
    # A later file without the optional columns (a trial's blanked the college and major): kept.
    path.write_text("capture_code,student_number,name\nE0001,2023020001,王晓明\n", encoding="utf-8")
    assert kiosk("roster", "import", str(path)).returncode == 0
    entry, count = stored(settings, "E0001")
    assert (entry.name, entry.college, entry.major, entry.id_number, count) == (
        "王晓明", "Law", "Civil Law", "44030120000101123X", 1)


def test_a_reimport_says_what_changed_and_warns_of_one_person_under_two_codes(settings, tmp_path):
    """The college sends its list again, one major corrected and one student given a new code:
    the import says what it changed, and names the student now under two codes (masked), who
    could otherwise be photographed twice."""
    path = tmp_path / "roster.csv"
    path.write_bytes(CHINESE.encode("gbk"))
    first = kiosk("roster", "import", str(path))
    assert "imported 3 students from roster.csv; the roster holds 3" in first.stdout, first.stdout
    assert "warning" not in first.stderr
    again = CHINESE.replace("物理学\n", "理论物理\n").replace("C0002,", "C0009,")
    path.write_bytes(again.encode("gbk"))
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 0, run.stderr
    assert "imported 3 students from roster.csv (1 new, 1 updated, 1 already on the roster as they are); " \
           "the roster holds 4" in run.stdout, run.stdout
    assert "C0009: ID 1101**********567X (欧**娜) is already on the roster under capture code C0002" in run.stderr
    assert "11010119950202567X" not in run.stderr + run.stdout and "欧阳娜娜" not in run.stderr + run.stdout


def test_a_student_under_a_second_code_is_taken_off_the_roster_once_the_college_says_which(settings, tmp_path):
    """The import warns of one person under two codes; the photographer takes the wrong one off,
    never one whose accepted photo the export would leave nameless."""
    path = tmp_path / "roster.csv"
    path.write_bytes(CHINESE.encode("gbk"))
    assert kiosk("roster", "import", str(path)).returncode == 0
    later = tmp_path / "late.csv"  # the college's later list: a new code for a student it had
    later.write_bytes((CHINESE.splitlines()[0] + "\nC0009,2023010002,欧阳娜娜,11010119950202567X,化学学院,化学\n")
                      .encode("gbk"))
    run = kiosk("roster", "import", str(later))
    assert "C0009: ID 1101**********567X (欧**娜) is already on the roster under capture code C0002" in run.stderr
    assert "kiosk roster remove CODE --reason TEXT" in run.stderr
    with Store.from_settings(settings) as store:
        store.save_capture("C0002", make_jpeg(1, (640, 360)), make_jpeg(2), RESULTS, operator="wang")
    photographed = kiosk("roster", "remove", "C0002", "--reason", "college: C0009 is hers")
    assert photographed.returncode == 1 and "C0002 has an accepted photo" in photographed.stderr
    assert "kiosk void C0002" in photographed.stderr and stored(settings, "C0002")[1] == 4
    done = kiosk("roster", "remove", "C0009", "--reason", "college: C0002 is hers", "--operator", "li")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "removed C0009 (欧**娜, ID 1101**********567X) from the roster; it holds 3"
    assert stored(settings, "C0009") == (None, 3)
    with Store.from_settings(settings) as store:
        [audit] = [a for a in store.audit_log("C0009") if a["action"] == "roster_remove"]
        assert audit["operator"] == "li" and "college: C0002 is hers" in audit["detail"]
    again = kiosk("roster", "remove", "C0009", "--reason", "x")
    assert again.returncode == 1 and "C0009 is not on the roster" in again.stderr
    # The college's file, imported again unchanged, does not bring the student back unasked...
    reimport = kiosk("roster", "import", str(later))
    assert reimport.returncode == 0, reimport.stderr
    assert "C0009 (欧**娜) was taken off the roster " in reimport.stderr and "by li (college: C0002 is hers): " \
        "left off; if the college means it, import with --restore" in reimport.stderr
    assert "left off 1 student taken off the roster earlier" in reimport.stdout
    assert "already on the roster under capture code" not in reimport.stderr
    assert stored(settings, "C0009") == (None, 3)
    # A photo for it says why it cannot be taken (a trial was told to import the roster again).
    photo = Path(__file__).parent / "photos" / "canada_synthetic__blue_119m.jpg"
    refused = kiosk("add", str(photo), "--code", "c0009", "--confirmed")
    assert refused.returncode == 1 and "C0009 was taken off the roster " in refused.stderr, refused.stderr
    assert "--restore" in refused.stderr
    # ...and --restore does, as the import did before.
    restored = kiosk("roster", "import", str(later), "--restore")
    assert restored.returncode == 0 and "taken off" not in restored.stderr
    assert stored(settings, "C0009")[0] is not None


def test_a_photographed_code_is_not_passed_to_another_person_by_a_new_roster(settings, tmp_path):
    """A re-imported roster that gives an already photographed capture code to someone else
    would put that photo, and its export, under the other person's name."""
    path = tmp_path / "roster.csv"
    path.write_bytes(CHINESE.encode("gbk"))
    assert kiosk("roster", "import", str(path)).returncode == 0
    with Store.from_settings(settings) as store:
        store.save_capture("C0002", make_jpeg(1, (640, 360)), make_jpeg(2), RESULTS, operator="wang")
    other = CHINESE.replace("C0002,2023010002,欧阳娜娜,11010119950202567X", "C0002,2023010002,别人名,310109200001010086")
    path.write_bytes(other.replace("物理学\n", "理论物理\n").encode("gbk"))
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 1 and "nothing imported" in run.stderr and "kiosk void" in run.stderr
    assert "C0002: its photo was taken of 欧**娜 (ID 1101**********567X)" in run.stderr
    assert "别*名" in run.stderr and "别人名" not in run.stderr and "310109200001010086" not in run.stderr
    assert stored(settings, "C0002")[0].name == "欧阳娜娜" and stored(settings, "C0001")[0].major == "物理学"
    run = kiosk("roster", "import", str(path), "--skip-bad")
    assert run.returncode == 0 and "skipped 1 bad row" in run.stdout, run.stderr
    assert stored(settings, "C0002")[0].name == "欧阳娜娜", "the photographed student stays"
    assert stored(settings, "C0001")[0].major == "理论物理", "the other rows are imported"
    # A name put right with the same ID number is the same person: imported.
    path.write_bytes(CHINESE.replace("欧阳娜娜", "欧阳娜").encode("gbk"))
    assert kiosk("roster", "import", str(path)).returncode == 0
    assert stored(settings, "C0002")[0].name == "欧阳娜"


def test_a_code_photographed_off_the_roster_is_not_given_to_another_person_either(settings, tmp_path):
    """A trial photographed a code its QR carried (张*三, not on the roster), then imported a
    roster giving that code to someone else: imported without a word, the photo and its export
    under the other name."""
    with Store.from_settings(settings) as store:
        store.save_capture("C0001", make_jpeg(1, (640, 360)), make_jpeg(2), RESULTS, operator="wang",
                           confirmed_name="李*")
        # A code may mask otherwise than the station (*四 for 李四): not another person for that.
        store.save_capture("C0003", make_jpeg(3, (640, 360)), make_jpeg(4), RESULTS, operator="wang",
                           confirmed_name="*四")
    path = tmp_path / "roster.csv"
    path.write_bytes(CHINESE.encode("gbk"))  # C0001 is 张三丰's there; C0003 李四's
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 1 and "nothing imported" in run.stderr
    assert "C0001: its photo was taken of 李*; this file gives the code to 张*丰 (ID 3101**********1234)" in run.stderr
    assert "C0003" not in run.stderr  # 李四 is the *四 who confirmed
    assert stored(settings, "C0001") == (None, 0)
    run = kiosk("roster", "import", str(path), "--skip-bad")
    assert run.returncode == 0 and stored(settings, "C0001") == (None, 2) and stored(settings, "C0003")[0].name == "李四"


def test_a_file_of_only_a_header_is_no_roster(settings, tmp_path):
    """A trial's header-only file gave "imported 0 students" and success."""
    path = tmp_path / "header_only.csv"
    path.write_text(CHINESE.splitlines()[0] + "\n", encoding="utf-8")
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 1 and "holds no students, only its header: nothing imported" in run.stderr
    assert "imported" not in run.stdout


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
    assert "钱二" not in run.stderr and "440301200001011248" not in run.stderr


def test_a_file_of_bad_rows_only_is_not_offered_skip_bad(settings, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("capture_code,student_number,name\n,1,赵一\nB0002,2,\n".encode())
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 1
    assert run.stderr.strip().endswith("2 bad rows, nothing imported: fix those lines")  # nothing good to import


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
    ("姓名,学号\n张三,1\n".encode(), "has no column for the capture code"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "old-style .xls workbook"),
    (b"PK\x03\x04 not really a zip", "not an Excel workbook"),
    (bytes([0xFF, 0x30]) * 20, "neither UTF-8, UTF-16 nor GBK"),
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


# ---- ID numbers: GB 11643 check digit and birth date ----------------------------------------

TODAY = date(2024, 6, 1)
EXCEL = ("Excel probably turned it into a number and lost the last digits; they cannot be recovered from this "
         "file: type them again from the students' records into a column formatted as Text, then export again")


@pytest.mark.parametrize("first17, check", [
    ("11010519491231002", "X"),  # the examples of GB 11643-1999
    ("44052418800101001", "4"),
    ("31010119900101123", "4"),
])
def test_check_character_follows_gb_11643(first17, check):
    assert check_character(first17) == check


@pytest.mark.parametrize("number, cause", [
    ("11010519491231002X", None),
    ("530111200004170000", "ends in 000 and its check digit does not match: " + EXCEL),
    ("440106199811232711", "check digit does not match: probably a mistyped digit; compare with the ID card"),
    ("110105199902301234", "birth date (characters 7-14, YYYYMMDD) is not a real date"),
    ("110105202501010014", "birth date (characters 7-14, YYYYMMDD) is in the future"),
])
def test_a_wrong_resident_id_number_gets_its_likely_cause(number, cause):
    problem = resident_id_problem(number, TODAY)
    assert problem == cause if cause is None else cause in problem


def roster_csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "roster.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_bad_id_numbers_are_refused_by_line_with_the_cause_and_good_rows_kept(tmp_path):
    found = read_roster(roster_csv(tmp_path, (
        "采集码,学号,姓名,身份证号\n"
        "G0001,1,赵一,11010519491231002x\n"  # lower-case x: valid, stored upper-case
        "G0002,2,钱二,530111200004170000\n"  # line 3: Excel rounded it (CSV of a Number column)
        "G0003,3,孙三,3.10101E+17\n"  # line 4: Excel's General column saved as CSV
        "G0004,4,李四,440106199811232711\n"  # line 5: last digit mistyped
        "G0005,5,周五,2.02301E+11\n"  # line 6: a passport number would never look like this
        "G0006,2.02301E+11,吴六,\n"  # line 7: the student number went the same way
        "G0007,7,郑七,440524188001010014\n"
        "G0008,8,王八,3101092001011512036\n"  # line 9: one digit too many (it passed as a passport number)
    )), today=TODAY)
    assert [(e.code, e.id_number) for e in found.entries] == [
        ("G0001", "11010519491231002X"), ("G0007", "440524188001010014")]
    assert found.errors == [
        f"line 3: ID number ends in 000 and its check digit does not match: {EXCEL}",
        f"line 4: ID number was kept as a number (Excel shows such numbers as 3.10101E+17): {EXCEL}",
        "line 5: ID number's check digit does not match: probably a mistyped digit; compare with the ID card",
        f"line 6: ID number was kept as a number (Excel shows such numbers as 3.10101E+17): {EXCEL}",
        f"line 7: student number was kept as a number (Excel shows such numbers as 2.02301E+11): {EXCEL}",
        "line 9: resident ID number has 19 characters, not 18",
    ]


def test_a_bad_id_number_blocks_the_import_and_skip_bad_imports_the_rest(settings, tmp_path):
    path = roster_csv(tmp_path, "采集码,学号,姓名,身份证号\nK0001,1,赵一,440106199811232711\n"
                                "K0002,2,钱二,440524188001010014\n", "gbk")
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 1
    assert "line 2: ID number's check digit does not match: probably a mistyped digit" in run.stderr
    assert "440106199811232711" not in run.stderr
    assert kiosk("roster", "import", str(path), "--skip-bad").returncode == 0
    assert stored(settings, "K0002")[0].id_number == "440524188001010014"
    assert stored(settings, "K0001")[0] is None


# ---- headers -------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [
    "\ufeff图像采集码,学生编号,学生姓名,公民身份号码,所在院系,专业名称",
    "采集码：,学号：,姓名：,身份证号码：,学院：,专业：",  # full-width colons, as forms are labelled
    "\u3000采集码 ,*学号, 姓 名,证件号码,院系,所学专业",  # full-width space, a 'required' mark
    "Capture Code,Student No,NAME,ID Number,College,Major",
    "capture_code,student_id,student_name,id_no,faculty,major",
])
def test_the_headers_offices_use_are_each_understood(tmp_path, header):
    found = read_roster(roster_csv(tmp_path, f"{header}\nH0001,20230001,张三,11010519491231002X,物理学院,物理学\n"))
    assert found.errors == [] and found.warnings == []
    [entry] = found.entries
    assert (entry.code, entry.student_number, entry.name, entry.id_number, entry.college, entry.major) == (
        "H0001", "20230001", "张三", "11010519491231002X", "物理学院", "物理学")


def test_a_column_not_understood_is_reported_with_the_accepted_headers(tmp_path):
    found = read_roster(roster_csv(tmp_path, "采集码,学号,姓名,性别,身份证号码,,班级\n"
                                             "H0001,1,张三,男,11010519491231002X,备注,\n"))
    assert found.entries[0].id_number == "11010519491231002X"
    assert len(found.warnings) == 3
    assert found.warnings[0].startswith("column '性别' (column D) is not used: the headers understood are ")
    assert "ID number: 身份证号, 身份证号码" in found.warnings[0] and "公民身份号码" in found.warnings[0]
    assert found.warnings[1].startswith("column '班级' (column G) is not used")
    assert found.warnings[2] == "column F has no header: its cells are not used"


@pytest.mark.parametrize("header, message", [
    ("校验码,学号,姓名",
     "has no column for the capture code: it holds '校验码', '学号', '姓名'; the headers understood are capture code: 采集码"),
    ("采集码,考生号,姓名",
     "has no column for the student number: it holds '采集码', '考生号', '姓名'; the headers understood are"),
    ("采集码,学号", "has no column for the name: it holds '采集码', '学号';"),
    ("采集码,学号,姓名,身份证号,证件号码", "columns D and E are both the ID number: keep one of them"),
])
def test_a_missing_or_doubled_column_names_what_to_fix(tmp_path, header, message):
    with pytest.raises(RosterFileError, match=re.escape(message)):
        read_roster(roster_csv(tmp_path, f"{header}\nH0001,1,张三,,\n"))


# ---- .xlsx ---------------------------------------------------------------------------------

def test_an_xlsx_roster_is_read_with_excel_row_numbers_and_numeric_cells(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active["A1"] = "请勿修改表头"  # a notes sheet first, as offices send them
    sheet = book.create_sheet("名单")
    sheet.append(["采集码", "学号", "姓名", "身份证号码", "学院"])
    sheet.append(["X0001", 20230001, "张三", "11010519491231002X", "物理学院"])  # an int student number
    sheet.append([])  # line 3 left empty
    sheet.append(["X0004", 20230004, "李四", 3.10101199001011e17])  # line 4: an ID number typed as a number
    sheet.append(["X0005", 2.0230005e7, "王五", "440106199811232711"])  # line 5: mistyped
    sheet.append(["X0006", 20230006, "赵六", 123456789])  # a passport number typed as a number: exact
    sheet["H7"] = "note"  # right of the header, on a row of its own
    path = tmp_path / "名单.xlsx"
    book.save(path)

    found = read_roster(path, today=TODAY)
    assert [(e.code, e.student_number, e.id_number) for e in found.entries] == [
        ("X0001", "20230001", "11010519491231002X"), ("X0006", "20230006", "123456789")]
    assert found.errors == [
        f"line 4: ID number was kept as a number (Excel shows such numbers as 3.10101E+17): {EXCEL}",
        "line 5: ID number's check digit does not match: probably a mistyped digit; compare with the ID card",
    ]
    assert found.warnings == ["sheet '说明' is not read: the roster is taken from sheet '名单' only",
                              "column H has no header: its cells are not used"]


def test_a_title_row_above_the_header_is_passed_over_and_said(tmp_path):
    """College offices put the sheet's title in row 1, merged across the columns (a fifth
    trial's file was refused: "the header row (line 1) has no column for the capture code")."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2026届毕业生图像采集名单（信息学院）"])
    sheet.merge_cells("A1:D1")
    sheet.append(["采集码", "学号", "姓名", "身份证号码"])
    sheet.append(["X0001", 20230001, "张三", "11010519491231002X"])
    sheet.append(["X0002", 20230002, "李四", ""])
    sheet.append(["X0002", 20230003, "王五", ""])  # line 5: Excel's row number, as before
    path = tmp_path / "名单.xlsx"
    book.save(path)
    found = read_roster(path, today=TODAY)
    assert [e.code for e in found.entries] == ["X0001", "X0002"]
    assert found.errors == ["line 5: capture code X0002 repeated (first on line 4)"]
    assert found.warnings == ["line 1 above the header row (line 2) not read: a title"]


def test_an_xlsx_roster_imports_from_the_command_line(settings, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["capture_code", "student_number", "name", "id_number"])
    book.active.append(["X0001", 20230001, "张三", "11010519491231002x"])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 0, run.stderr
    assert "imported 1 student from roster.xlsx" in run.stdout
    entry = stored(settings, "X0001")[0]
    assert (entry.student_number, entry.id_number) == ("20230001", "11010519491231002X")


def test_an_unused_column_is_reported_on_import(settings, tmp_path):
    path = roster_csv(tmp_path, "采集码,学号,姓名,性别\nW0001,1,张三,男\n")
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 0 and "warning: column '性别' (column D) is not used" in run.stderr


def test_one_id_number_on_two_rows_is_refused_as_a_copy_slip(tmp_path):
    path = roster_csv(tmp_path, "采集码,学号,姓名,身份证号码\n"
                                "D0001,1,孙八,11010519491231002X\nD0002,2,周九,11010519491231002x\n")
    found = read_roster(path)
    assert [e.code for e in found.entries] == ["D0001"]
    assert found.errors == ["line 3: ID number repeated (first on line 2): one person, one row"]


def test_a_code_in_another_case_is_the_same_student_everywhere(settings, tmp_path):
    """A trial imported hk5007, then a file with HK5007: the roster held two students, both were
    photographed, and the export wrote HK5007.jpg beside hk5007.jpg (one file on a FAT32 drive)."""
    header = CHINESE.splitlines()[0]
    first, later, both = tmp_path / "first.csv", tmp_path / "later.csv", tmp_path / "both.csv"
    first.write_bytes((header + "\nhk5007,2023050007,王建国,31010420020315123X,化学学院,化学\n").encode("gbk"))
    later.write_bytes((header + "\nHK5007,2023050007,王建国,31010420020315123X,化学学院,应用化学\n").encode("gbk"))
    assert kiosk("roster", "import", str(first)).returncode == 0
    run = kiosk("roster", "import", str(later))
    assert run.returncode == 0 and "(0 new, 1 updated, 0 already on the roster as they are)" in run.stdout, run.stdout
    entry, students = stored(settings, "hk5007")
    assert students == 1 and entry.major == "应用化学"
    both.write_bytes((header + "\nHK6001,2023060001,李四,,,\nhk6001,2023060002,张三,,,\n").encode("gbk"))
    run = kiosk("roster", "import", str(both))
    assert run.returncode == 1 and "line 3: capture code hk6001 repeated (first on line 2)" in run.stderr, run.stderr
    # One photo per student, whichever way the code is typed.
    with Store.from_settings(settings) as store:
        store.save_capture("hk5007", make_jpeg(1, (640, 360)), make_jpeg(2), RESULTS, operator="wang")
    photo = Path(__file__).parent / "photos" / "canada_synthetic__blue_119m.jpg"
    again = kiosk("add", str(photo), "--code", "HK5007", "--confirmed")
    assert again.returncode == 1 and "hk5007 already has an accepted photo" in again.stderr, again.stderr
