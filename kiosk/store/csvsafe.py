"""Cells for the CSV files the station writes, safe to open in Excel (CSV injection).

Excel and LibreOffice may run a cell that starts with = + - @, a tab or a carriage return
as a formula, so a roster name like =HYPERLINK(...) would become a live link
in the centre's manifest. Such a cell gets a leading single quote, as OWASP advises: it
stays readable and is shown as text. A plain number (an identity score of -0.050) is no
formula and stays as it is.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-\d+(\.\d+)?")  # a negative score; "+86..." keeps its quote, or Excel drops the +


def safe_cell(value: object) -> str:
    """The cell's text, prefixed with ' when a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text) else text


def write_rows(out: IO[str], columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> None:
    """A header and one line per row (CRLF, as Excel writes), every cell through safe_cell.

    `out` is a text stream opened with newline="" (the csv module's requirement); a row
    with a key not in `columns` raises ValueError, as csv.DictWriter does.
    """
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({key: safe_cell(value) for key, value in row.items()} for row in rows)
