"""Reading the college's roster CSV: UTF-8, UTF-8 with BOM or GBK; English or Chinese
column names; every bad row reported as `line N: why`."""

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.store.store import CODE_PATTERN, RosterEntry

COLUMNS = {
    "capture_code": "capture_code",
    "采集码": "capture_code",
    "图像采集码": "capture_code",
    "student_number": "student_number",
    "学号": "student_number",
    "name": "name",
    "姓名": "name",
    "id_number": "id_number",
    "身份证号": "id_number",
    "college": "college",
    "学院": "college",
    "major": "major",
    "专业": "major",
}
REQUIRED = ("capture_code", "student_number", "name")
# Resident ID numbers have 18 characters (the last may be X); a value of 15-18 such
# characters is taken for one. Passports, 台胞证 and other documents vary.
RESIDENT_ID = re.compile(r"\d{14,17}[\dXx]")
ID_NUMBER = re.compile(r"[0-9A-Za-z]{5,20}")


class RosterFileError(Exception):
    """The file as a whole cannot be read (encoding, missing columns)."""


@dataclass
class RosterFile:
    entries: list[RosterEntry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "line N: why", never names or ID numbers


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM) first; Chinese Excel saves GBK (GB18030 is its superset)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise RosterFileError(
            "the file is neither UTF-8 nor GBK text: save it from Excel as "
            "'CSV UTF-8' and import it again"
        ) from None


def read_roster(path: Path) -> RosterFile:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise RosterFileError(f"cannot read {path}: {e.strerror}") from e
    text = decode(raw)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise RosterFileError(f"{path} is empty: it needs a header row and one row per student")
    columns = [COLUMNS.get(h.strip().lower(), COLUMNS.get(h.strip())) for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise RosterFileError(
            f"the header row lacks {', '.join(missing)}; the columns are "
            "capture_code/采集码, student_number/学号, name/姓名, id_number/身份证号, "
            "college/学院, major/专业"
        )
    result = RosterFile()
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        values = {c: cell.strip() for c, cell in zip(columns, row) if c}
        code = values.get("capture_code", "")
        why = []
        if not code:
            why.append("missing capture code")
        elif not CODE_PATTERN.fullmatch(code):
            why.append("capture code has characters other than letters, digits, - and _")
        elif code in seen:
            why.append(f"capture code {code} repeated (first on line {seen[code]})")
        if not values.get("student_number"):
            why.append("missing student number")
        if not values.get("name"):
            why.append("missing name")
        id_number = values.get("id_number", "")
        if id_number and not ID_NUMBER.fullmatch(id_number):
            why.append("ID number must be 5-20 letters or digits")
        elif RESIDENT_ID.fullmatch(id_number) and len(id_number) != 18:
            why.append(f"resident ID number has {len(id_number)} characters, not 18")
        if len(row) > len(columns):
            why.append(f"{len(row)} cells but the header has {len(columns)}")
        if why:
            result.errors.append(f"line {line}: {'; '.join(why)}")
            continue
        seen[code] = line
        result.entries.append(
            RosterEntry(
                code=code,
                student_number=values["student_number"],
                name=values["name"],
                id_number=id_number.upper(),
                college=values.get("college", ""),
                major=values.get("major", ""),
            )
        )
    return result
