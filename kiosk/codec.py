"""Capture codes: turning the text of a scanned code into a student key.

The real CHSI capture code is an encrypted QR that only an authorised collection unit can
decrypt; that decryption is supplied by the unit as a codec (``[kiosk] codec =
"package.module:factory"``). The project ships a documented *demo* codec so the station
can be tried end to end, and falls back to the roster: a bare code typed or scanned that
the college's roster knows is accepted too.

Demo code text (ASCII, so every QR reader and keyboard-wedge scanner passes it through):

    GPDEMO1:<code>:<payload>:<mac>

- ``code``: 12 characters of Crockford base32 (0-9, A-Z without I L O U), the last one a
  check character (weighted sum mod 32), e.g. ``7KQ2M9XD3FTA``.
- ``payload``: base64url (no padding) of UTF-8 JSON ``{"n": masked name, "i": masked ID}``,
  the masked name and ID the real code also carries.
- ``mac``: first 16 hex digits of HMAC-SHA256(DEMO_KEY, "<code>:<payload>"). The key is
  public: it only shows where the authorised unit's decryption plugs in; a demo code is
  no credential.
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
from dataclasses import dataclass
from typing import Protocol

PREFIX = "GPDEMO1"
DEMO_KEY = b"graduation-photo-station demo codec (public, not a secret)"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
# What a capture code typed from a roster may look like (college systems vary).
ROSTER_CODE = re.compile(r"^[0-9A-Za-z_-]{4,64}$")


class CodeProblem(Exception):
    """A scanned text that cannot start a capture. kind: unreadable, format, unknown, taken."""

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
    """Decodes the text of a scanned capture code; raises CodeProblem."""

    def decode(self, text: str) -> CodeInfo: ...


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

    def decode(self, text: str) -> CodeInfo:
        text = text.strip()
        if not text.startswith(PREFIX + ":"):
            raise CodeProblem("format")
        parts = text.split(":")
        if len(parts) != 4:
            raise CodeProblem("unreadable")
        _, code, payload, mac = parts
        if not valid_code(code) or not hmac.compare_digest(mac, _mac(code, payload)):
            raise CodeProblem("unreadable")
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (binascii.Error, ValueError):
            raise CodeProblem("unreadable") from None
        return CodeInfo(code=code, name_masked=data.get("n"), id_masked=data.get("i"))


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


def qr_image(text: str, border: int = 4, scale: int = 8):
    """The text as a QR picture, as a phone shows it: black modules on white, `border`
    modules of quiet zone, `scale` pixels a module (a grayscale uint8 array)."""
    import numpy as np
    import qrcode

    qr = qrcode.QRCode(border=border, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    pixels = np.where(np.array(qr.get_matrix(), dtype=bool), 0, 255).astype(np.uint8)
    return np.kron(pixels, np.ones((scale, scale), np.uint8))


def read_code(text: str, codec: Codec, roster_has) -> CodeInfo:
    """Decode a scanned text with the codec, falling back to the roster for a bare code.

    roster_has(code) -> bool tells whether the roster knows a code. A code the codec
    decodes is accepted even when the roster does not list it (the capture code itself
    is the student's key); a bare code must be on the roster."""
    text = text.strip()
    if not text or not text.isprintable():
        raise CodeProblem("unreadable")
    try:
        return codec.decode(text)
    except CodeProblem as problem:
        if problem.kind != "format":
            raise
    if not ROSTER_CODE.match(text):
        raise CodeProblem("format")
    if not roster_has(text):
        raise CodeProblem("unknown", code=text)
    return CodeInfo(code=text)
