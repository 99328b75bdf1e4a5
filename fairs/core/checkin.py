"""Check-in codes: what an attendee shows (as a QR code) or reads out at the venue desk.

A code names one registration and carries a keyed signature of it, so the desk can trust it
without a lookup table and nobody can make one up for another registration. It is short
enough to type from a printed slip: twelve characters in three groups, ``K7Q2-9MXD-4TNB``.

- **Alphabet**: the 31 characters ``23456789ABCDEFGHJKMNPQRSTUVWXYZ`` — no 0/O, 1/I/L, which
  people misread on paper. Numbers are written in base 31, most significant first.
- **Layout**: 6 characters of registration id (ids 1 … 31⁶−1 ≈ 887 million), then 6 of
  signature: the first 8 bytes of HMAC-SHA256(secret, ``"fairs-checkin:<id>"``) as an
  integer, modulo 31⁶ (≈ 29.8 bits: a random guess passes with probability 1.1e-9).
- **Reading** ignores case, spaces and dashes (ASCII and full-width), so ``k7q2 9mxd 4tnb``
  is read. Any other change — a mistyped character, a swapped pair, a forged signature, a
  wrong length — is refused with :class:`~fairs.core.errors.InvalidInput` on field ``code``;
  a mistyped character changes the id or the signature and the signature no longer matches,
  except with the guessing probability above.

Pure: no clock, no I/O; the secret is passed in (the application's ``secret_key``).
"""

from __future__ import annotations

import hashlib
import hmac

from fairs.core.errors import InvalidInput

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BASE = len(ALPHABET)
ID_DIGITS = 6
SIGNATURE_DIGITS = 6
MAX_ID: int = 31**6 - 1
SIGNATURE_RANGE: int = 31**6
GROUP = 4
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_IGNORED = str.maketrans("", "", " -\u2010\u2011\u2012\u2013\u2014\uff0d\u3000\t")


def _digits(number: int, width: int) -> str:
    out = []
    for _ in range(width):
        number, rest = divmod(number, BASE)
        out.append(ALPHABET[rest])
    return "".join(reversed(out))


def _number(text: str) -> int:
    value = 0
    for character in text:
        value = value * BASE + _VALUE[character]
    return value


def _signature(registration_id: int, secret: str) -> int:
    mac = hmac.new(secret.encode(), f"fairs-checkin:{registration_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(mac[:8], "big") % SIGNATURE_RANGE


def checkin_code(registration_id: int, secret: str) -> str:
    """The check-in code of a registration, ``XXXX-XXXX-XXXX``. The same id and secret always
    give the same code. Raises ValueError for an id outside 1 … :data:`MAX_ID` or an empty
    secret (programming errors, not user input)."""
    if not 1 <= registration_id <= MAX_ID:
        raise ValueError(f"registration id must be between 1 and {MAX_ID}")
    if not secret:
        raise ValueError("a check-in code needs a secret")
    plain = _digits(registration_id, ID_DIGITS) + _digits(_signature(registration_id, secret), SIGNATURE_DIGITS)
    return "-".join(plain[i:i + GROUP] for i in range(0, len(plain), GROUP))


def read_checkin_code(code: str, secret: str) -> int:
    """The registration id a code was made for. Case, spaces and dashes do not matter; a code
    of the wrong length, with a character outside the alphabet, or whose signature does not
    match (a typo or a forgery) raises InvalidInput on field ``code``."""
    plain = (code or "").translate(_IGNORED).upper()
    if len(plain) != ID_DIGITS + SIGNATURE_DIGITS:
        raise InvalidInput(f"a check-in code has {ID_DIGITS + SIGNATURE_DIGITS} characters, "
                           "e.g. K7Q2-9MXD-4TNB", "code")
    if any(c not in _VALUE for c in plain):
        raise InvalidInput("this is not a check-in code: check it for typos", "code")
    registration_id = _number(plain[:ID_DIGITS])
    signature = _number(plain[ID_DIGITS:])
    if registration_id < 1 or not hmac.compare_digest(
            _digits(signature, SIGNATURE_DIGITS),
            _digits(_signature(registration_id, secret), SIGNATURE_DIGITS)):
        raise InvalidInput("this is not a check-in code: check it for typos", "code")
    return registration_id
