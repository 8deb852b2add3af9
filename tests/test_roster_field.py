"""The field rosters of ../shared/field/roster (copied to tests/field/roster, see its README),
imported as a centre would: `kiosk roster import`, then what `kiosk show` tells."""

from __future__ import annotations

from pathlib import Path

from helpers import kiosk
from test_roster import stored

FIELD = Path(__file__).parent / "field" / "roster"


def test_id_numbers_damaged_by_excel_or_mistyped_are_refused_with_line_and_cause(settings):
    path = FIELD / "id_damaged.csv"  # GBK, as Chinese Excel saves it
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 1
    refused = [line for line in run.stderr.splitlines() if line.startswith("line ")]
    truncated = ("line 3: ID number ends in 000 and its check digit does not match: Excel probably turned it "
                 "into a number and lost the last digits; they cannot be recovered from this file: type them again "
                 "from the students' records into a column formatted as Text, then export again")  # FD0002
    mistyped = ("line 4: ID number's check digit does not match: probably a mistyped digit; "
                "compare with the ID card")  # FD0003
    assert refused == [truncated, mistyped]
    assert "--skip-bad to import the 2 good rows" in run.stderr
    assert "530111200004170000" not in run.stderr and "孙试二" not in run.stderr
    assert stored(settings, "FD0001") == (None, 0)  # nothing imported until asked

    run = kiosk("roster", "import", str(path), "--skip-bad")
    assert run.returncode == 0, run.stderr
    assert "imported 2 students" in run.stdout
    assert stored(settings, "FD0001")[0].id_number == "320583199908120613"
    assert stored(settings, "FD0004")[0].id_number == "110108200103054422"
    assert stored(settings, "FD0002")[0] is None and stored(settings, "FD0003")[0] is None


def test_an_id_column_headed_shenfenzheng_haoma_is_imported(settings):
    path = FIELD / "header_idnumber.csv"  # UTF-8 with BOM, 身份证号码
    run = kiosk("roster", "import", str(path))
    assert run.returncode == 0, run.stderr
    assert "imported 2 students" in run.stdout
    assert stored(settings, "HK3000")[0].id_number == "310109200403150815"
    assert stored(settings, "HK3001")[0].id_number == "310109200403150911"
    shown = kiosk("show", "HK3000")  # the masked ID the confirm screen shows too
    assert "3101**********0815" in shown.stdout
