"""Reading the college's roster: a CSV (UTF-8, UTF-8 with BOM or GBK) or an Excel .xlsx
workbook; the column names Chinese offices use, or English ones; every bad row reported
as `line N: why`, N being the row number Excel shows (the header is line 1). And the
college's folder of reference photos for the identity pre-check, matched to the roster by
file name, every file not stored named with why."""

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import openpyxl
from openpyxl.utils.cell import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from kiosk.idnumber import EXCEL_LOST_DIGITS, EXCEL_SCIENTIFIC, resident_id_problem
from kiosk.store.store import CODE_PATTERN, RosterEntry, Store, StoreError, image_format

# field -> (what it is called in messages, the headers taken for it). Headers are compared
# after normalise_header, so 'Student Number', 'student_number' and '学号：' all match.
# 校验码 is left out on purpose: GB 11643 gives that name to the ID number's last digit.
# 考生号 (the gaokao candidate number) is not a student number.
FIELDS = {
    "capture_code": ("capture code", ("采集码", "图像采集码", "capture_code")),
    "student_number": (
        "student number",
        ("学号", "学生学号", "学生编号", "student_number", "student_no", "student_id"),
    ),
    "name": ("name", ("姓名", "学生姓名", "name", "student_name")),
    "id_number": (
        "ID number",
        ("身份证号", "身份证号码", "身份证", "公民身份号码", "身份证件号码", "证件号码",
         "证件号", "id_number", "id_no"),
    ),
    "college": ("college", ("学院", "院系", "所在学院", "所在院系", "college", "faculty")),
    "major": ("major", ("专业", "专业名称", "所学专业", "major")),
}
REQUIRED = ("capture_code", "student_number", "name")
ACCEPTED_HEADERS = "; ".join(f"{what}: {', '.join(names)}" for what, names in FIELDS.values())
# Passports, 台胞证 and other documents vary and carry letters or fewer digits; 15-20 digits
# (the last may be X) is taken for a resident ID number, and those have 18 characters (a
# 19-digit one passed as another document).
ID_NUMBER = re.compile(r"[0-9A-Za-z]{5,20}")
RESIDENT_ID = re.compile(r"\d{14,19}[\dXx]")
ZIP_MAGIC = b"PK\x03\x04"  # .xlsx is a zip
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls


class RosterFileError(Exception):
    """The file as a whole cannot be read (encoding, format, missing or doubled columns)."""


@dataclass
class RosterFile:
    entries: list[RosterEntry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "line N: why", never names or ID numbers
    warnings: list[str] = field(default_factory=list)  # what was not read (columns, sheets), and why


# The traditional characters of the header names above (Hong Kong, Macao and Taiwan offices
# write 學號, 身份證號碼...), read as the simplified ones.
SIMPLIFIED = str.maketrans("採圖碼學號編證專業稱", "采图码学号编证专业称")


def normalise_header(text: str) -> str:
    """'  Student Number：' -> 'studentnumber', '學號' -> '学号': compatibility forms
    (full-width letters, spaces and colons) folded, traditional characters of the header
    names read as simplified, BOM, spaces, _ - : and the * of 'required' marks removed,
    lower case."""
    text = unicodedata.normalize("NFKC", text).replace("\ufeff", "").translate(SIMPLIFIED)
    return re.sub(r"[\s_\-:*]+", "", text).lower()


HEADERS = {normalise_header(name): key for key, (_, names) in FIELDS.items() for name in names}


def decode(raw: bytes) -> str:
    """UTF-16 when it starts with its byte-order mark (Excel's "Unicode text") or its header
    has a zero byte beside every letter, else UTF-8 (with or without BOM); Chinese Excel saves
    GBK (GB18030 is its superset)."""
    encodings = ("utf-8-sig", "gb18030")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    elif raw[1:200:2].count(0) > len(raw[1:200:2]) // 2:  # ASCII in UTF-16 without its mark: every second byte 0
        encodings = ("utf-16-le",)
    elif raw[0:200:2].count(0) > len(raw[0:200:2]) // 2:
        encodings = ("utf-16-be",)
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030" and _looks_like_big5(text, raw):
            raise RosterFileError("the file looks like Big5 (traditional Chinese) text, which would import as "
                                  "garbled names: save it from Excel as 'CSV UTF-8' and import it again")
        return text
    raise RosterFileError(
        "the file is neither UTF-8, UTF-16 nor GBK text: save it from Excel as "
        "'CSV UTF-8' and import it again"
    )


def _looks_like_big5(text: str, raw: bytes) -> bool:
    """Big5 bytes are mostly valid GBK too, but read as GBK they give other characters: rare
    hanzi, kana, symbols (陳大文 comes out as 朝, kana and a rare hanzi). True when the bytes
    are valid Big5, read so give names (every character beyond ASCII a hanzi or the
    punctuation names use), and read as GBK give clearly fewer: a GBK roster's characters
    are nearly all common hanzi of GB 2312."""
    try:
        big5 = raw.decode("big5")
    except UnicodeDecodeError:
        return False
    as_gbk = [c for c in text if ord(c) > 0x7F]
    as_big5 = [c for c in big5 if ord(c) > 0x7F]
    if len(as_gbk) < 2 or not as_big5:
        return False
    gbk_names = sum(_name_character(c) and _in_gb2312(c) for c in as_gbk) / len(as_gbk)
    big5_names = sum(_name_character(c) for c in as_big5) / len(as_big5)
    return big5_names >= 0.9 and gbk_names < big5_names - 0.2


def _name_character(char: str) -> bool:
    """A hanzi, or what names and headers hold besides: the middle dot of minority names,
    CJK punctuation, full-width forms."""
    return "\u4e00" <= char <= "\u9fff" or char in "·•" or "\u3000" <= char <= "\u303f" or "\uff01" <= char <= "\uff5e"


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


# Excel writes commas in "CSV", tabs in "Text" and "Unicode text", semicolons where the
# decimal mark is a comma; a list typed with a Chinese input method may use full-width commas.
DELIMITERS = (",", "\t", ";", "，")


def _delimiter(text: str) -> str:
    """The delimiter that splits the header line into the most headers we know (a comma
    when none does)."""
    header = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    known = {d: sum(normalise_header(cell) in HEADERS for cell in header.split(d)) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (known[d], d == ","))


def normalise_cell(key: str | None, cell: str) -> str:
    """A cell as the roster keeps it: codes, student and ID numbers typed with a Chinese
    input method's full-width digits and letters folded to ASCII (NFKC), an ID number's
    spaces (written in groups, 310101 19900101 1234) removed; names and the rest as typed."""
    if key in ("capture_code", "student_number", "id_number"):
        cell = unicodedata.normalize("NFKC", cell)
        if key == "id_number":
            cell = re.sub(r"\s+", "", cell)
    return cell


def cell_text(value: object) -> str:
    """An .xlsx cell as the text a CSV export of it would hold.

    A whole number below 10**15 becomes its digits (Excel keeps them exactly); a larger
    one has lost digits past the 15th, so it is written as Excel shows it (3.10101199001011E+17)
    and refused by the row checks.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and abs(value) < 10**15:
            return str(int(value))
        return f"{value:.15G}"
    return "" if value is None else str(value).strip()


def csv_rows(raw: bytes) -> list[list[str]]:
    # Rows counted by csv records, not text lines: Excel shows a cell with a line break
    # in it as one row.
    text = decode(raw)
    return [[cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))]


def xlsx_rows(raw: bytes, warnings: list[str]) -> list[list[str]]:
    """The rows of the first worksheet whose row 1 holds the required columns (else the
    first worksheet); every other sheet with content is named in `warnings`."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, InvalidFileException) as e:
        raise RosterFileError(f"the file is not an Excel workbook that can be read ({e}): "
                              "save it from Excel as .xlsx or 'CSV UTF-8' and import it again") from None
    try:
        sheets = {}
        for sheet in book.worksheets:
            sheet.reset_dimensions()  # some programs write a wrong size; read every row there is
            sheets[sheet.title] = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    if not sheets:  # a workbook of chart sheets only
        return []
    chosen = next((title for title, rows in sheets.items() if rows and _has_required(rows[0])), next(iter(sheets)))
    for title, rows in sheets.items():
        if title != chosen and any(any(row) for row in rows):
            warnings.append(f"sheet '{title}' is not read: the roster is taken from sheet '{chosen}' only")
    rows = sheets[chosen]
    if rows:
        # A cell right of the header is a column without a name (reported), not a row
        # with too many cells: unlike a CSV, a sheet cannot shift a row's cells.
        rows[0] += [""] * (max(map(len, rows)) - len(rows[0]))
    return rows


def _has_required(header: list[str]) -> bool:
    found = {HEADERS.get(normalise_header(h)) for h in header}
    return all(key in found for key in REQUIRED)


# A title row or two above the header ("2026届毕业生图像采集名单", merged across the columns),
# as college offices write their sheets: the header is looked for in this many first rows.
HEADER_SEARCH = 5


def _header_line(rows: list[list[str]]) -> int:
    """The index of the header row: the first of the first HEADER_SEARCH rows that names
    every required column; 0 when none does (the error then says what the first lacks)."""
    for i, row in enumerate(rows[:HEADER_SEARCH]):
        if set(REQUIRED) <= {HEADERS.get(normalise_header(h)) for h in row}:
            return i
    return 0


def _columns(header: list[str], warnings: list[str], line: int = 1) -> list[str | None]:
    """The field of each column (None: not used); unknown headers go to `warnings`. `line`:
    the header's line, for the messages."""
    columns: list[str | None] = []
    first: dict[str, int] = {}
    for i, h in enumerate(header):
        key = HEADERS.get(normalise_header(h))
        if key in first:
            raise RosterFileError(
                f"columns {get_column_letter(first[key] + 1)} and {get_column_letter(i + 1)} are both the "
                f"{FIELDS[key][0]}: keep one of them and import again"
            )
        if key:
            first[key] = i
        elif h:
            warnings.append(f"column '{h}' (column {get_column_letter(i + 1)}) is not used: "
                            f"the headers understood are {ACCEPTED_HEADERS}")
        columns.append(key)
    missing = [FIELDS[key][0] for key in REQUIRED if key not in first]
    if missing:
        found = ", ".join(f"'{h}'" for h in header if h) or "nothing"
        raise RosterFileError(f"the header row (line {line}) has no column for the {', '.join(missing)}: it holds "
                              f"{found}; the headers understood are {ACCEPTED_HEADERS}")
    return columns


def _row_problems(values: dict[str, str], seen: dict[str, int], today: date) -> list[str]:
    """What is wrong with one row's values; `seen` maps the capture codes and ID numbers of
    good rows to their line (an ID number keyed "id:" + number)."""
    why = []
    code = values.get("capture_code", "")
    if not code:
        why.append("missing capture code")
    elif not CODE_PATTERN.fullmatch(code):
        why.append("capture code has characters other than letters, digits, - and _")
    elif code.upper() in seen:  # hk3002 is HK3002: one student, and one file name on a FAT32 drive
        why.append(f"capture code {code} repeated (first on line {seen[code.upper()]})")
    number = values.get("student_number", "")
    if not number:
        why.append("missing student number")
    elif EXCEL_SCIENTIFIC.fullmatch(number):
        why.append(f"student number was kept as a number (Excel shows such numbers as 2.02301E+11): {EXCEL_LOST_DIGITS}")
    if not values.get("name"):
        why.append("missing name")
    id_number = values.get("id_number", "").upper()
    if EXCEL_SCIENTIFIC.fullmatch(id_number):
        why.append(f"ID number was kept as a number (Excel shows such numbers as 3.10101E+17): {EXCEL_LOST_DIGITS}")
    elif id_number and not ID_NUMBER.fullmatch(id_number):
        why.append("ID number must be 5-20 letters or digits")
    elif RESIDENT_ID.fullmatch(id_number):
        if len(id_number) != 18:
            why.append(f"resident ID number has {len(id_number)} characters, not 18")
        elif problem := resident_id_problem(id_number, today):
            why.append(problem)
    if id_number and "id:" + id_number in seen:  # a row copied in Excel, its name changed
        why.append(f"ID number repeated (first on line {seen['id:' + id_number]}): one person, one row")
    return why


def read_roster(path: Path, today: date | None = None) -> RosterFile:
    """The roster at `path` (CSV or .xlsx): the good rows as entries, each bad row as an
    error, and what was not read as warnings. `today` (default: the real date) bounds
    birth dates. Raises RosterFileError when the file as a whole cannot be used."""
    today = today or date.today()
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise RosterFileError(f"cannot read {path}: {e.strerror}") from e
    result = RosterFile()
    if raw.startswith(OLE_MAGIC):
        raise RosterFileError(f"{path.name} is an old-style .xls workbook: save it from Excel as "
                              ".xlsx or 'CSV UTF-8' and import it again")
    rows = xlsx_rows(raw, result.warnings) if raw.startswith(ZIP_MAGIC) else csv_rows(raw)
    if not rows:
        raise RosterFileError(f"{path} is empty: it needs a header row and one row per student")
    start = _header_line(rows)
    header = rows[start]
    if start:
        result.warnings.append(f"line{'s 1-' if start > 1 else ' '}{start} above the header row (line {start + 1}) "
                               "not read: a title")
    columns = _columns(header, result.warnings, start + 1)
    unnamed_used: set[int] = set()
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[start + 1:], start=start + 2):
        values = {key: normalise_cell(key, cell) for key, cell in zip(columns, row) if key}
        unnamed_used.update(i for i, cell in enumerate(row[: len(columns)]) if cell and not header[i])
        cells = max((i + 1 for i, cell in enumerate(row) if cell), default=0)
        if not any(values.values()) and cells <= len(columns):
            continue  # an empty row, or one with notes only in columns not read (reported)
        why = _row_problems(values, seen, today)
        if cells > len(columns):
            why.append(f"{cells} cells but the header has {len(columns)}")
        if why:
            result.errors.append(f"line {line}: {'; '.join(why)}")
            continue
        seen[values["capture_code"].upper()] = line
        if values.get("id_number"):
            seen["id:" + values["id_number"].upper()] = line
        result.entries.append(
            RosterEntry(
                code=values["capture_code"],
                student_number=values["student_number"],
                name=values["name"],
                id_number=values.get("id_number", "").upper(),
                college=values.get("college", ""),
                major=values.get("major", ""),
            )
        )
    result.warnings += [f"column {get_column_letter(i + 1)} has no header: its cells are not used"
                        for i in sorted(unnamed_used)]
    return result


@dataclass
class ReferenceImport:
    """What `import_references` did with a folder: every file is in exactly one of `stored`
    and `problems`; `no_face` repeats stored files in which no face was found."""

    stored: list[str] = field(default_factory=list)  # capture codes given a reference photo
    replaced: int = 0  # of those, how many had one before
    problems: list[str] = field(default_factory=list)  # "FILE: why it was not stored, what to do"
    doubtful: list[str] = field(default_factory=list)  # "FILE: ..." stored, but no face or several in it


def import_references(store: Store, folder: Path, operator: str, count_faces=None) -> ReferenceImport:
    """Store each photo directly in `folder` as the reference photo of the roster student
    its name gives (without the extension, letter case ignored): the capture code or the
    student number (HK3000.png, 2023001.jpg), as colleges hand them over with enrolment
    records. Each is kept unchanged with its SHA-256 (Store.set_reference, source "folder"),
    replacing the student's earlier one. Not stored, and named in `problems` with why: a name
    no roster student has, or that is one student's code and another's number; two files for
    one student (neither is stored); a file neither JPEG nor PNG or that cannot be decoded;
    a folder. Hidden files (.DS_Store) are passed over. `count_faces(image_bgr) -> int`, when
    given, finds photos without a face or with several (the largest would be compared, perhaps
    not the student's): such a photo is stored and also named in `doubtful`. Raises RosterFileError when `folder` cannot be listed,
    StoreError when the disk fails (the photos stored before it stay)."""
    import cv2
    import numpy as np

    try:
        files = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError as e:
        raise RosterFileError(f"cannot read the reference folder {folder}: {e.strerror}") from e
    students: dict[str, set[str]] = {}  # file name stem (case-folded) -> capture codes it names
    for entry in store.roster():
        for name in (entry.code, entry.student_number):
            students.setdefault(name.casefold(), set()).add(entry.code)
    done = ReferenceImport()
    why: dict[str, str] = {}  # file name -> why it was not stored and what to do
    claims: dict[str, list[Path]] = {}  # capture code -> the files named for that student
    for path in files:
        codes = students.get(path.stem.strip().casefold(), set())
        if path.is_dir():
            why[path.name] = f"a folder, not read: put the photos directly in {folder}"
        elif not codes:
            why[path.name] = (f"no student on the roster has the capture code or student number {path.stem!r}: "
                              "name the file by either, or import the roster that lists the student")
        elif len(codes) > 1:
            why[path.name] = (f"{path.stem!r} is one student's capture code and another's student number "
                              f"({', '.join(sorted(codes))}): name the file by the capture code")
        else:
            claims.setdefault(codes.pop(), []).append(path)
    for code, paths in claims.items():
        if len(paths) > 1:
            names = ", ".join(p.name for p in paths)
            for p in paths:
                why[p.name] = (f"{len(paths)} files are for {code} ({names}): none of them was stored; keep the "
                               "right one and import again")
            continue
        path = paths[0]
        try:
            data = path.read_bytes()
            image_format(data)
        except OSError as e:
            why[path.name] = f"cannot be read ({e.strerror})"
            continue
        except StoreError:
            why[path.name] = "not a JPEG or PNG image: save it as JPEG and import again"
            continue
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            why[path.name] = "damaged, it cannot be decoded as an image: ask the college for it again"
            continue
        faces = count_faces(image) if count_faces is not None else 1
        if faces == 0:
            done.doubtful.append(f"{path.name}: no face found: stored, but the station cannot compare with it; "
                                 "give a photo that shows the face, or take one from the camera at the station")
        elif faces > 1:
            done.doubtful.append(f"{path.name}: {faces} faces: stored, but the largest is compared and may not be "
                                 "the student's; give a photo of the student alone, or take one at the station")
        done.replaced += store.reference(code) is not None
        store.set_reference(code, data, "folder", operator)
        done.stored.append(code)
    done.problems = [f"{name}: {line}" for name, line in sorted(why.items())]
    return done
