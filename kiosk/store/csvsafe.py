"""Cells for the CSV files the station writes, safe to open in Excel (CSV injection).

Excel and LibreOffice may run a cell that starts with = + - @, a tab or a carriage return
as a formula, so a roster name like =HYPERLINK(...) would become a live link
in the centre's manifest. Such a cell gets a leading single quote, as OWASP advises: it
stays readable and is shown as text. None of our columns holds numbers that could start
with - or +, so the rule has no exceptions.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell's text, prefixed with ' when a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_rows(out: IO[str], columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> None:
    """A header and one line per row (CRLF, as Excel writes), every cell through safe_cell.

    `out` is a text stream opened with newline="" (the csv module's requirement); a row
    with a key not in `columns` raises ValueError, as csv.DictWriter does.
    """
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({key: safe_cell(value) for key, value in row.items()} for row in rows)
