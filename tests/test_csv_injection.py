"""CSV injection: a roster cell like =1+2 or =HYPERLINK(...) is data the station keeps, but
no CSV it writes lets Excel run it as a formula (OWASP: a leading single quote)."""

from __future__ import annotations

import csv
import io

import pytest
from helpers import kiosk
from test_store import RESULTS, make_jpeg

from kiosk.store import Store
from kiosk.store.csvsafe import safe_cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("value, written", [
    ("=1+2", "'=1+2"),
    ("+8613800000000", "'+8613800000000"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("张三", "张三"),
    ("a=1", "a=1"),  # only the first character makes a formula
    ("-0.050", "-0.050"),  # a negative identity score is a number, not a formula
    ("", ""),
    (None, ""),
    (20230001, "20230001"),
])
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(value, written):
    assert safe_cell(value) == written


def test_the_manifest_opened_as_excel_reads_it_holds_no_formula(settings, tmp_path):
    roster = tmp_path / "roster.csv"
    # csv quoting as Excel writes it: the name holds commas and quotes
    roster.write_text('采集码,学号,姓名\nINJ001,=1+2,"=HYPERLINK(""http://x"",""y"")"\n', encoding="utf-8")
    run = kiosk("roster", "import", str(roster))
    assert run.returncode == 0, run.stderr  # such values are data: imported as they are
    with Store.from_settings(settings) as store:
        entry = store.roster_entry("INJ001")
        assert (entry.student_number, entry.name) == ("=1+2", '=HYPERLINK("http://x","y")')
        store.save_capture("INJ001", make_jpeg(1, (640, 360)), make_jpeg(2), RESULTS, operator="@wang")
    out = tmp_path / "usb"
    out.mkdir()
    run = kiosk("export", "--to", str(out))
    assert run.returncode == 0, run.stderr
    [manifest] = out.glob("*/manifest.csv")
    # Excel opens a CSV with a BOM as UTF-8 and splits it as the csv module does
    rows = list(csv.reader(io.StringIO(manifest.read_bytes().decode("utf-8-sig"), newline="")))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    [row] = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert row["student_number"] == "'=1+2"
    assert row["name"].startswith("'=") and "HYPERLINK" not in row["name"]  # masked, then neutralised
    assert row["operator"] == "'@wang"
