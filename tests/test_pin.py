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


def test_each_photographer_gets_a_pin_of_their_own_and_doctor_names_them_not_their_hash(tmp_path, data_dir):
    """A centre with several photographers on one station: the audit must say who overrode."""
    run = kiosk("pin", "--name", "王伟", input="8642\n8642\n")
    assert run.returncode == 0 and "[operator.photographers]" in run.stdout
    line = run.stdout.strip().splitlines()[-1]
    assert line.startswith('"王伟" = "pbkdf2_sha256$')
    own = tmp_path / "station.toml"
    own.write_text(f'[operator]\npin_hash = ""\n\n[operator.photographers]\n{line}\n', encoding="utf-8")
    done = kiosk("--config", str(own), "doctor")
    said = done.stdout + done.stderr
    assert "photographers with a PIN of their own: 王伟; the station's PIN is off" in said, said
    assert "operator.pin_hash = (off)" in said
    assert "pbkdf2_sha256" not in said  # a 4-digit PIN falls to its hash in seconds


def test_a_photographer_line_that_holds_no_pin_hash_stops_the_station_and_says_whose(tmp_path, data_dir):
    own = tmp_path / "station.toml"
    own.write_text('[operator.photographers]\nwang = "2468"\n', encoding="utf-8")
    done = kiosk("--config", str(own), "doctor")
    said = done.stdout + done.stderr
    assert done.returncode == 1 and "operator.photographers.wang is not a PIN hash" in said
    assert "kiosk pin --name wang" in said and "2468" not in said


def test_no_pin_at_all_is_refused(tmp_path, data_dir):
    own = tmp_path / "station.toml"
    own.write_text('[operator]\npin_hash = ""\n', encoding="utf-8")
    done = kiosk("--config", str(own), "doctor")
    assert done.returncode == 1 and "operator.pin_hash is not a PIN hash" in done.stdout + done.stderr


def test_a_pin_another_photographer_already_has_is_refused_before_it_locks_both_out(tmp_path, data_dir):
    """At the PIN dialog a PIN that two entries match opens nothing, so the clash is caught here."""
    first = kiosk("pin", "--name", "wang", input="8642\n8642\n").stdout.strip().splitlines()[-1]
    own = tmp_path / "station.toml"
    own.write_text(f'[operator]\npin_hash = ""\n\n[operator.photographers]\n{first}\n', encoding="utf-8")
    clash = kiosk("--config", str(own), "pin", "--name", "li", input="8642\n8642\n")
    assert clash.returncode == 2 and "already another photographer's PIN" in clash.stderr
    assert "choose another" in clash.stderr and "pbkdf2" not in clash.stdout and "wang" not in clash.stderr
    # Wang setting a new PIN of the same digits replaces his own entry: no clash with himself.
    again = kiosk("--config", str(own), "pin", "--name", "wang", input="8642\n8642\n")
    assert again.returncode == 0 and again.stdout.strip().splitlines()[-1].startswith('"wang" = "pbkdf2_sha256$')
    other = kiosk("--config", str(own), "pin", "--name", "li", input="1357\n1357\n")
    assert other.returncode == 0


def test_a_pin_anyone_would_try_first_is_refused():
    """A trial set 1111 without a word: a PIN that guards overrides and voids."""
    for pin in ("1111", "1234", "9876", "8901", "2468"):
        run = kiosk("pin", input=f"{pin}\n{pin}\n")
        assert run.returncode == 2 and "choose another" in run.stderr and "pin_hash" not in run.stdout, pin
    assert kiosk("pin", input="1359\n1359\n").returncode == 0
