"""Phone numbers and unified social credit codes."""

from __future__ import annotations

import re

import pytest

from fairs.core.contact import mask_mobile, normalize_mobile
from fairs.core.credit_code import check_character, normalize_credit_code
from fairs.core.errors import InvalidInput


@pytest.mark.parametrize("raw", ["13812345678", "138 1234 5678", "+86 138-1234-5678", "008613812345678",
                                 "8613812345678"])
def test_mainland_mobile_numbers_are_normalised_to_eleven_digits(raw):
    assert normalize_mobile(raw) == "13812345678"


@pytest.mark.parametrize("raw", ["", "12812345678", "1381234567", "138123456789", "0731-28812345", "abc"])
def test_anything_else_is_refused_naming_the_field(raw):
    with pytest.raises(InvalidInput) as error:
        normalize_mobile(raw, "attendee.phone")
    assert error.value.field == "attendee.phone"


def test_a_phone_number_is_masked_in_the_middle():
    assert mask_mobile("13812345678") == "138****5678"


# The example code of GB 32100-2015 itself.
@pytest.mark.parametrize("code", ["91350100M000100Y43"])
def test_credit_codes_with_a_correct_check_character_are_accepted(code):
    assert normalize_credit_code(code.lower()) == code


def test_the_check_character_catches_a_single_typo():
    code = "91350100M000100Y43"
    typo = code[:5] + "2" + code[6:]
    with pytest.raises(InvalidInput, match="check character"):
        normalize_credit_code(typo)


@pytest.mark.parametrize(("code", "message"), [("9135010", "18 characters"), ("91350100M000100I43", "not used")])
def test_malformed_credit_codes_say_what_is_wrong(code, message):
    with pytest.raises(InvalidInput, match=message):
        normalize_credit_code(code)


def test_check_character_of_a_known_code():
    assert check_character("91350100M000100Y4") == "3"


def test_calendar_uids_drawn_in_bulk_are_opaque_distinct_and_shaped_like_single_ones():
    from fairs.services.calendar import new_uid, new_uids

    uids = new_uids(5000)
    assert len(uids) == len(set(uids)) == 5000
    pattern = re.compile(r"[0-9a-f]{32}@fairs")
    assert all(pattern.fullmatch(uid) for uid in uids) and pattern.fullmatch(new_uid())
    assert new_uids(0) == []
    assert uids == sorted(uids)  # the unique index takes them at its end
    assert len({new_uid() for _ in range(2000)}) == 2000  # draws in the same millisecond differ too
