"""Capture codes: the demo codec, the roster fallback, and `kiosk codes make` read back by
the real zbar, as the station's camera would read them."""

from __future__ import annotations

import argparse

import cv2
import pytest
from pyzbar.pyzbar import decode

from kiosk.codec import (
    CodecError,
    CodeInfo,
    CodeProblem,
    DemoCodec,
    code_bytes,
    code_text,
    load_codec,
    new_code,
    read_code,
    valid_code,
)
from kiosk.commands.codes import make_codes, register


def test_a_demo_code_carries_the_masked_name_and_id():
    codec = DemoCodec()
    code = new_code()
    info = codec.decode(codec.encode(code, "张*三", "3101**********1234").encode())
    assert (info.code, info.name_masked, info.id_masked) == (code, "张*三", "3101**********1234")


def test_a_demo_code_is_read_whatever_case_caps_lock_gave_it():
    """Prefix, code (Crockford base32) and mac (hex) are case-insensitive; the base64
    payload is not, and Caps Lock inverts every letter, so the mac picks its case."""
    codec = DemoCodec()
    code = new_code()
    text = codec.encode(code, "张*三", "3101**********1234")
    prefix, _, payload, mac = text.split(":")
    for typed in (text.swapcase(), f"{prefix.lower()}:{code.lower()}:{payload}:{mac.upper()}", f" {text}\r\n"):
        info = codec.decode(typed.encode())
        assert (info.code, info.name_masked, info.id_masked) == (code, "张*三", "3101**********1234")


def test_a_damaged_demo_code_is_unreadable_not_someone_else():
    codec = DemoCodec()
    text = codec.encode(new_code(), "张*三", "3101**********1234")
    prefix, code, payload, mac = text.split(":")
    other = code[:-2] + ("0" if code[-2] != "0" else "1") + code[-1]  # one character misread
    for bad in (f"{prefix}:{other}:{payload}:{mac}", f"{prefix}:{code}:{payload[:-3]}:{mac}", text[:-5]):
        with pytest.raises(CodeProblem) as problem:
            codec.decode(bad.encode())
        assert problem.value.kind == "unreadable"


def test_the_check_character_catches_a_typo():
    code = new_code()
    assert valid_code(code)
    typo = ("1" if code[0] != "1" else "2") + code[1:]
    assert not valid_code(typo)


def test_a_bare_code_is_accepted_only_when_the_roster_knows_it():
    codec = DemoCodec()
    roster = {"2026SH000123"}
    assert read_code("2026SH000123\n", codec, roster.__contains__).code == "2026SH000123"
    with pytest.raises(CodeProblem) as unknown:
        read_code("2026SH999999", codec, roster.__contains__)
    assert unknown.value.kind == "unknown" and unknown.value.params == {"code": "2026SH999999"}


def test_a_bare_code_typed_with_caps_lock_on_is_the_rosters_code():
    roster = {"2026sh000123"}
    assert read_code("2026SH000123", DemoCodec(), roster.__contains__).code == "2026sh000123"


def test_a_bare_code_typed_in_full_width_is_the_rosters_code():
    """A Chinese input method types ２０２６ＳＨ; roster import folds such cells to ASCII."""
    roster = {"2026SH000123"}
    assert read_code("２０２６ＳＨ０００１２３", DemoCodec(), roster.__contains__).code == "2026SH000123"


@pytest.mark.parametrize("text", ["https://weixin.qq.com/some/page", "hello world", "x"])
def test_a_qr_that_is_not_a_capture_code_has_the_wrong_format(text):
    with pytest.raises(CodeProblem) as problem:
        read_code(text, DemoCodec(), lambda code: True)
    assert problem.value.kind == "format"


class Recorder:
    """A codec that keeps the bytes it is given and accepts them all."""

    def __init__(self) -> None:
        self.received: list[bytes] = []

    def decode(self, data: bytes) -> CodeInfo:
        self.received.append(data)
        return CodeInfo(code="R0001")


@pytest.mark.parametrize("data", [bytes(range(256)), b"\x00\xff\xfe", "Zoë\n\t王*明".encode(), b"", b" x \r\n"])
def test_the_codec_gets_the_exact_bytes_through_the_sessions_text(data):
    """CodeRead carries text: code_text and code_bytes get every byte string back, and
    read_code hands the codec those bytes, nothing stripped or refused before it."""
    assert code_bytes(code_text(data)) == data
    recorder = Recorder()
    assert read_code(code_text(data), recorder, lambda code: False).code == "R0001"
    assert recorder.received == [data]


def test_binary_bytes_are_not_a_demo_code():
    with pytest.raises(CodeProblem) as problem:
        read_code(code_text(b"\xc5\xcf\x00\x83"), DemoCodec(), lambda code: True)
    assert problem.value.kind == "format"


def test_the_authorised_units_codec_plugs_in_by_name():
    assert isinstance(load_codec("demo"), DemoCodec)
    assert isinstance(load_codec("kiosk.codec:DemoCodec"), DemoCodec)
    with pytest.raises(ValueError, match="package.module:factory"):
        load_codec("chsi")
    with pytest.raises(ValueError, match="cannot load"):
        load_codec("no_such_module_here:Codec")


def test_a_codec_factory_that_fails_is_named_with_its_setting():
    with pytest.raises(CodecError, match=r'\[kiosk\] codec = "kiosk.codec:read_code": read_code\(\) failed \(TypeError'):
        load_codec("kiosk.codec:read_code")  # needs arguments: not a factory


def test_codes_make_writes_qr_images_zbar_reads_back(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["codes", "make", "--count", "3", "--out", str(tmp_path / "codes")])
    assert make_codes(args, None) == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) == 3 and len(set(printed)) == 3
    codec = DemoCodec()
    for code in printed:
        image = cv2.imread(str(tmp_path / "codes" / f"{code}.png"), cv2.IMREAD_GRAYSCALE)
        symbols = decode(image)
        assert len(symbols) == 1
        assert codec.decode(symbols[0].data).code == code
