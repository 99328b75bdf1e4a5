"""Mainland China mobile numbers: normalisation and masking."""

from __future__ import annotations

import re

from fairs.core.errors import InvalidInput

_SEPARATORS = re.compile(r"[\s\-()]")
_MOBILE = re.compile(r"1[3-9]\d{9}")


def normalize_mobile(raw: str, field: str = "phone") -> str:
    """Return the 11-digit mobile number in ``raw``.

    Accepts spaces, dashes and parentheses, and a ``+86``/``0086``/``86`` prefix. Raises
    :class:`InvalidInput` naming ``field`` for anything that is not a mainland mobile number
    (11 digits starting 13–19).
    """
    digits = _SEPARATORS.sub("", raw or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
            break
    if not _MOBILE.fullmatch(digits):
        raise InvalidInput("must be a mainland China mobile number of 11 digits, e.g. 13812345678", field)
    return digits


def mask_mobile(phone: str) -> str:
    """``13812345678`` → ``138****5678``. Any other length keeps only the last four digits."""
    if len(phone) == 11:
        return f"{phone[:3]}****{phone[-4:]}"
    return "****" + phone[-4:]
