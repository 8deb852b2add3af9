"""The words on the screens (issue 10): every message in both languages, numbers that read
right in English when they are 1, Chinese that asks politely (请), and what each check
measured put into words against its limit for the photographer."""

from __future__ import annotations

import re
import string

import pytest

from kiosk.checks.registry import checks
from kiosk.checks.result import CheckResult, Verdict
from kiosk.config import load_settings
from kiosk.messages import CATALOGUE, LIMITS, REASONS, measured, text

CJK = re.compile(r"[\u4e00-\u9fff]")
# What the student is asked to do: each a polite request in Chinese.
REQUESTS = ("waiting.title", "waiting.hint", "waiting.unreadable", "confirm.title", "guide.no_face", "holding.title",
            "review.title", "review.needs_operator", "review.needs_confirm", "error.code_unreadable",
            "error.code_format", "error.code_several", "error.code_unknown", "error.code_not_mine", "error.code_taken", "error.code_twice", "error.camera_small", "error.save_failed",
            "error.disk_full", "error.disk_read_only",
            "error.fault", "error.no_face_photo", "operator.pin_prompt")


# The placeholders that count something.
COUNTS = {"left", "n", "seconds", "saved", "voided", "accepted", "overridden", "retakes", "waiting"}


def placeholders(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def test_every_message_is_in_chinese_and_in_english():
    for key, (zh, en) in CATALOGUE.items():
        assert zh and en, key
        assert set(placeholders(zh)) == set(placeholders(en)), key
        if key not in ("language.switch", "confirm.unknown", "error.retry"):
            assert CJK.search(zh), f"{key}: no Chinese in {zh!r}"
        if key != "language.switch":
            assert not CJK.search(en), f"{key}: Chinese in the English {en!r}"
            assert "“" not in en and "”" not in en, f"{key}: the CJK font draws curly quotes full width"
    for kind, pairs in REASONS.items():
        assert all(CJK.search(zh) and not CJK.search(en) for zh, en in pairs), kind


def test_the_student_is_asked_politely_in_chinese():
    for key in REQUESTS:
        assert "请" in CATALOGUE[key][0], f"{key}: {CATALOGUE[key][0]}"


def test_english_reads_right_with_a_count_of_one():
    # "operator.pin_wrong" is never said with 1 left: the lock says "operator.pin_last_try".
    for key, (_, en) in CATALOGUE.items():
        if key == "operator.pin_wrong":
            continue
        said = en.format(**{name: 1 if name in COUNTS else "X" for name in placeholders(en)})
        assert not re.search(r"\b1 (?!s\b)[a-z]+s\b", said), f"{key}: {said!r}"


def test_every_check_puts_what_it_measured_against_its_limit_into_words():
    settings = load_settings()
    for check_id, cls in checks().items():
        params = settings.checks[check_id]
        for reason in [r for c, r in LIMITS if c == check_id] or [""]:
            result = CheckResult(check_id, cls.rule, Verdict.FAIL, 0.5, "the limit", "", "", 0, reason)
            for language in ("zh", "en"):
                words = measured(result, params, language)
                assert words and "the limit" not in words, f"{check_id}: no words of its own ({words!r})"
                assert bool(CJK.search(words)) == (language == "zh"), words


@pytest.mark.parametrize("value, zh, en", [
    (-9.24, "头部左右转 9.24°，上限 8.05°", "head turned 9.24°, limit 8.05°"),
    (12.0, "头部左右转 12°，上限 8.05°", "head turned 12°, limit 8.05°"),
])
def test_a_turned_head_is_said_in_degrees_against_the_limit(value, zh, en):
    params = load_settings().checks["yaw"]
    assert params.max_deg == 8.05
    result = CheckResult("yaw", "yaw", Verdict.FAIL, value, "|angle| <= 8.05 deg", "请向右稍转头", "turn", 20, "deg")
    assert (measured(result, params, "zh"), measured(result, params, "en")) == (zh, en)


def test_a_value_just_past_its_limit_is_not_rounded_onto_it():
    """A trial read "colours of one lightness apart 7, at least 7" for a failing 6.955."""
    params = load_settings().checks["colour"]
    assert params.min_colours == 7
    result = CheckResult("colour", "colour", Verdict.FAIL, 6.955, "...", "照片须为彩色", "in colour", 5)
    assert measured(result, params, "en") == "colours of one lightness apart 6.955, at least 7"


def test_a_check_that_cannot_tell_says_why():
    params = load_settings().checks["ears_visible"]
    result = CheckResult("ears_visible", "ears_visible", Verdict.UNKNOWN, None, "...", "耳朵不在画面内，请居中",
                         "an ear is outside the picture: move to the centre", 53)
    assert measured(result, params, "zh") == "无法判断：耳朵不在画面内，请居中"
    assert measured(result, params, "en") == "cannot tell: an ear is outside the picture: move to the centre"


def test_the_pin_and_the_summary_count_in_words():
    assert text("operator.pin_last_try", "en") == "Wrong PIN: 1 try left"
    assert text("operator.pin_wrong", "en", left=3) == "Wrong PIN: 3 tries left"
