"""`kiosk pin`: the photographer PIN set from a terminal; a closed input changes nothing."""

from __future__ import annotations

from helpers import kiosk


def test_pin_without_an_answer_says_nothing_changed_without_a_traceback():
    for answers in ("", "1234\n"):  # Ctrl-D at the first prompt, or at the second
        run = kiosk("pin", input=answers)
        assert run.returncode == 2 and "nothing was changed" in run.stderr
        assert "Traceback" not in run.stderr and "pin_hash" not in run.stdout


def test_pin_prints_the_line_for_the_config():
    run = kiosk("pin", input="8642\n8642\n")
    assert run.returncode == 0 and 'pin_hash = "pbkdf2_sha256$' in run.stdout
