"""Capture codes: turning the bytes of a scanned code into a student key.

The real CHSI capture code is an encrypted QR that only an authorised collection unit can
decrypt; that decryption is supplied by the unit as a codec (``[kiosk] codec =
"package.module:factory"``). The project ships a documented *demo* codec so the station
can be tried end to end, and falls back to the roster: a bare code typed or scanned that
the college's roster knows is accepted too.

A codec receives a code's exact bytes: the camera's reader hands over what the QR holds
(zbar in binary mode, no character set guessed), a handheld scanner's typed text arrives
as UTF-8. Whether they are a code is the codec's decision alone.

Demo code text (ASCII, so every QR reader and keyboard-wedge scanner passes it through):

    GPDEMO1:<code>:<payload>:<mac>

- ``code``: 12 characters of Crockford base32 (0-9, A-Z without I L O U), the last one a
  check character (weighted sum mod 32), e.g. ``7KQ2M9XD3FTA``.
- ``payload``: base64url (no padding) of UTF-8 JSON ``{"n": masked name, "i": masked ID}``,
  the masked name and ID the real code also carries.
- ``mac``: first 16 hex digits of HMAC-SHA256(DEMO_KEY, "<code>:<payload>"). The key is
  public: it only shows where the authorised unit's decryption plugs in; a demo code is
  no credential.

The prefix, the code (Crockford base32) and the mac (hex) are case-insensitive, and read
so. The payload (base64) is not: a scanner typing with Caps Lock on inverts the case of
every letter, so the payload is also tried with its case swapped and the mac tells which
one was meant. Whitespace around the text (a scanner's line ending) is ignored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import importlib
import json
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Protocol

PREFIX = "GPDEMO1"
DEMO_KEY = b"graduation-photo-station demo codec (public, not a secret)"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
# What a capture code typed from a roster may look like (college systems vary).
ROSTER_CODE = re.compile(r"^[0-9A-Za-z_-]{4,64}$")


class CodeProblem(Exception):
    """A scanned code that cannot start a capture. kind: unreadable (damaged or misread),
    format (not a capture code), unknown (a bare code the roster lacks), taken (the code has a
    photo), twice (the roster's ID number of the code has a photo under another code)."""

    def __init__(self, kind: str, **params: object) -> None:
        super().__init__(kind)
        self.kind = kind
        self.params = params


class CodecError(ValueError):
    """[kiosk] codec names a codec that cannot be loaded; the message says why."""


@dataclass(frozen=True)
class CodeInfo:
    """What a code tells without the roster: the key, and the masked name and ID it carries."""

    code: str
    name_masked: str | None = None
    id_masked: str | None = None


class Codec(Protocol):
    """Decodes a scanned capture code from its exact bytes (a QR's content, or a scanner's
    typed text as UTF-8); raises CodeProblem("format") for bytes that are not its code, so
    the roster may know them, CodeProblem("unreadable") for its code damaged."""

    def decode(self, data: bytes) -> CodeInfo: ...


def code_text(data: bytes) -> str:
    """A code's bytes as the text the session carries (CodeRead.text): UTF-8, any byte that
    is not UTF-8 kept as a surrogate escape, so code_bytes gives the same bytes back."""
    return data.decode("utf-8", "surrogateescape")


def code_bytes(text: str) -> bytes:
    """The bytes of a code from its session text (the inverse of code_text); a scanner's
    typed text becomes UTF-8."""
    return text.encode("utf-8", "surrogateescape")


def check_char(body: str) -> str:
    """The check character of a code body: position-weighted sum of digits, mod 32."""
    total = sum((i + 1) * ALPHABET.index(c) for i, c in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH - 1))
    return body + check_char(body)


def valid_code(code: str) -> bool:
    return (
        len(code) == CODE_LENGTH
        and all(c in ALPHABET for c in code)
        and check_char(code[:-1]) == code[-1]
    )


def _mac(code: str, payload: str) -> str:
    digest = hmac.new(DEMO_KEY, f"{code}:{payload}".encode(), hashlib.sha256).hexdigest()
    return digest[:16]


class DemoCodec:
    """The documented demo capture code (see the module text)."""

    def encode(self, code: str, name_masked: str, id_masked: str) -> str:
        if not valid_code(code):
            raise ValueError(f"not a demo capture code: {code!r}")
        data = json.dumps({"n": name_masked, "i": id_masked}, ensure_ascii=False)
        payload = base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")
        return f"{PREFIX}:{code}:{payload}:{_mac(code, payload)}"

    def decode(self, data: bytes) -> CodeInfo:
        try:
            text = data.decode("ascii").strip()
        except UnicodeDecodeError:
            raise CodeProblem("format") from None
        prefix, colon, rest = text.partition(":")
        if prefix.upper() != PREFIX or not colon:
            raise CodeProblem("format")
        parts = rest.split(":")
        if len(parts) != 3:
            raise CodeProblem("unreadable")
        code, typed, mac = parts[0].upper(), parts[1], parts[2].lower()
        # The payload as given, or as typed with Caps Lock on; the mac decides.
        payload = next((p for p in (typed, typed.swapcase()) if hmac.compare_digest(mac, _mac(code, p))), None)
        if not valid_code(code) or payload is None:
            raise CodeProblem("unreadable")
        try:
            carried = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (binascii.Error, ValueError):
            raise CodeProblem("unreadable") from None
        return CodeInfo(code=code, name_masked=carried.get("n"), id_masked=carried.get("i"))


def load_codec(spec: str) -> Codec:
    """The codec named in [kiosk] codec: "demo", or "package.module:factory" (a class or
    function taking no arguments) supplied by the authorised unit."""
    if spec == "demo":
        return DemoCodec()
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise CodecError(
            f'[kiosk] codec = "{spec}": use "demo" or "package.module:factory"'
        )
    # The unit's code may fail in any way; whatever it raises, say which setting it was.
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except Exception as exc:
        raise CodecError(f'[kiosk] codec = "{spec}": cannot load it ({exc}); install the authorised '
                         'unit\'s package, or use "demo"') from None
    try:
        return factory()
    except Exception as exc:
        raise CodecError(f'[kiosk] codec = "{spec}": {attr}() failed ({type(exc).__name__}: {exc})') from None


def qr_image(text: str | bytes, border: int = 4, scale: int = 8):
    """The text (as UTF-8) or bytes as a QR picture, as a phone shows it: black modules on
    white, `border` modules of quiet zone, `scale` pixels a module (a grayscale uint8 array)."""
    import numpy as np
    import qrcode

    qr = qrcode.QRCode(border=border, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    pixels = np.where(np.array(qr.get_matrix(), dtype=bool), 0, 255).astype(np.uint8)
    return np.kron(pixels, np.ones((scale, scale), np.uint8))


def code_rank(codec: Codec):
    """For the camera's reader (kiosk.codereader.CodeReader) with several codes in view: a
    function of a code's bytes giving 0 for the codec's code (even damaged: the student
    is told), 1 for a bare code a roster may hold, 2 for any other QR (a poster, a payment
    code)."""

    def rank(data: bytes) -> int:
        try:
            codec.decode(data)
        except CodeProblem as problem:
            if problem.kind != "format":
                return 0
            return 1 if ROSTER_CODE.match(code_text(data).strip()) else 2
        return 0

    return rank


# What a Chinese input method types for ASCII punctuation and letters: the full-width forms
# (U+FF01-FF5E, the ideographic space) and the Chinese marks of its punctuation mode.
CHINESE_PUNCTUATION = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {
    0x3000: " ", 0x3002: ".", 0x3001: "\\", 0x300A: "<", 0x300B: ">", 0x3010: "[", 0x3011: "]",
    0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"', 0xFFE5: "$"}


def read_code(text: str, codec: Codec, roster_has) -> CodeInfo:
    """Decode a scanned code with the codec, falling back to the roster for a bare code.

    text is the code as CodeRead carries it (see code_text); the codec gets its exact
    bytes. roster_has(code) -> bool tells whether the station knows a code (Store.knows:
    on the roster or photographed, in any case of its letters). A code the
    codec decodes is accepted even when the roster does not list it (the capture code
    itself is the student's key); a bare code must be on the roster. Raises CodeProblem."""
    try:
        return codec.decode(code_bytes(text))
    except CodeProblem as problem:
        if problem.kind != "format":
            raise
    if (typed := text.translate(CHINESE_PUNCTUATION)) != text:
        # A keyboard-wedge scanner typing through a Chinese input method in its Chinese
        # punctuation mode: "：" for ":", "，" for ",". Tried only once the exact text failed.
        try:
            return codec.decode(code_bytes(typed))
        except CodeProblem as problem:
            if problem.kind != "format":
                raise
    # A scanner's line ending; full-width letters and digits from a Chinese input method
    # (ＨＫ３００１), as roster import folds them.
    bare = unicodedata.normalize("NFKC", text.strip())
    if not ROSTER_CODE.match(bare):
        raise CodeProblem("format")
    # A scanner typing with Caps Lock on inverts every letter's case.
    code = next((c for c in (bare, bare.swapcase()) if roster_has(c)), None)
    if code is None:
        raise CodeProblem("unknown", code=bare)
    return CodeInfo(code=code)
