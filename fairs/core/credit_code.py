"""The unified social credit code (统一社会信用代码, GB 32100-2015) of an organization."""

from __future__ import annotations

from fairs.core.errors import InvalidInput

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 symbols: no I, O, Z, S, V
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first_17: str) -> str:
    """The 18th character for the first 17: ``31 - (Σ value·weight mod 31)``, 31 meaning 0."""
    total = sum(ALPHABET.index(ch) * weight for ch, weight in zip(first_17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(raw: str, field: str = "credit_code") -> str:
    """Upper-case and validate an 18-character code, including its check character.

    Raises :class:`InvalidInput` naming ``field`` when the length, an alphabet symbol or the
    check character is wrong.
    """
    code = (raw or "").strip().upper()
    if len(code) != 18:
        raise InvalidInput("must be 18 characters long", field)
    bad = [ch for ch in code if ch not in ALPHABET]
    if bad:
        raise InvalidInput(f"contains {bad[0]!r}, which is not used in credit codes", field)
    if check_character(code[:17]) != code[17]:
        raise InvalidInput("check character does not match: the code has a typo", field)
    return code
