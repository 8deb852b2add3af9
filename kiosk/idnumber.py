"""Resident ID numbers (公民身份号码, GB 11643-1999): 18 characters, 6 region digits, the
birth date as YYYYMMDD, 3 sequence digits and a check character (0-9 or X).

The same rule covers the residence permits of Hong Kong, Macao and Taiwan residents and the
2017 foreigners' permanent residence card, which share the format.
"""

from __future__ import annotations

import re
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"  # indexed by the weighted sum modulo 11
RESIDENT_ID = re.compile(r"\d{17}[\dX]")
# Excel keeps 15 significant digits: a long number loses the rest to zeros, and a General
# column shows it (and saves it to CSV) in scientific notation, like 3.10101E+17.
EXCEL_SCIENTIFIC = re.compile(r"\d(\.\d+)?E\+\d+", re.IGNORECASE)
EXCEL_LOST_DIGITS = (
    "Excel probably turned it into a number and lost the last digits; they cannot be recovered "
    "from this file: type them again from the students' records into a column formatted as Text, "
    "then export again"
)


def check_character(first17: str) -> str:
    """The 18th character for 17 digits: '0'-'9' or 'X'."""
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def resident_id_problem(number: str, today: date) -> str | None:
    """Why an 18-character resident ID number (upper-case X) is wrong, or None if it is valid.

    The answer names the likely cause and never repeats the number.
    """
    if not RESIDENT_ID.fullmatch(number):
        return "ID number must be 17 digits followed by a digit or X"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "ID number's birth date (characters 7-14, YYYYMMDD) is not a real date"
    if born > today:
        return "ID number's birth date (characters 7-14, YYYYMMDD) is in the future"
    if check_character(number[:17]) == number[17]:
        return None
    if number.endswith("000"):
        return f"ID number ends in 000 and its check digit does not match: {EXCEL_LOST_DIGITS}"
    return "ID number's check digit does not match: probably a mistyped digit; compare with the ID card"
