"""Check-in codes: short, typeable, signed; a typo or a forgery is refused."""

from __future__ import annotations

import re

import pytest

from fairs.core.checkin import ALPHABET, MAX_ID, checkin_code, read_checkin_code
from fairs.core.errors import InvalidInput

SECRET = "test-secret-key-that-is-long-enough-0123456789"
SHAPE = re.compile(rf"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")


@pytest.mark.parametrize("registration_id", [1, 2, 31, 1000, 123_456, MAX_ID])
def test_a_code_reads_back_to_its_registration(registration_id):
    code = checkin_code(registration_id, SECRET)

    assert SHAPE.match(code), code
    assert read_checkin_code(code, SECRET) == registration_id


def test_a_code_has_no_characters_people_misread():
    assert not set("01OIL") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 31


def test_the_same_registration_and_secret_always_give_the_same_code_and_others_differ():
    assert checkin_code(42, SECRET) == checkin_code(42, SECRET)
    assert checkin_code(42, SECRET) != checkin_code(43, SECRET)
    assert checkin_code(42, SECRET) != checkin_code(42, "another-secret-key-0123456789-abcdef")


def test_case_spaces_and_dashes_do_not_matter():
    code = checkin_code(7, SECRET)

    assert read_checkin_code(code.lower(), SECRET) == 7
    assert read_checkin_code(code.replace("-", " "), SECRET) == 7
    assert read_checkin_code(code.replace("-", ""), SECRET) == 7
    assert read_checkin_code(" " + code.replace("-", "－") + " ", SECRET) == 7  # full-width dashes


def test_every_single_mistyped_character_is_refused():
    code = checkin_code(2027, SECRET)
    plain = code.replace("-", "")
    for i, original in enumerate(plain):
        for replacement in ALPHABET:
            if replacement == original:
                continue
            typo = plain[:i] + replacement + plain[i + 1:]
            with pytest.raises(InvalidInput) as refused:
                read_checkin_code(typo, SECRET)
            assert refused.value.field == "code"


def test_swapped_neighbours_are_refused():
    plain = checkin_code(5150, SECRET).replace("-", "")
    for i in range(len(plain) - 1):
        if plain[i] == plain[i + 1]:
            continue
        swapped = plain[:i] + plain[i + 1] + plain[i] + plain[i + 2:]
        with pytest.raises(InvalidInput):
            read_checkin_code(swapped, SECRET)


def test_a_forged_code_for_another_registration_is_refused():
    mine = checkin_code(10, SECRET).replace("-", "")
    someone_else = checkin_code(11, SECRET).replace("-", "")
    forged = someone_else[:6] + mine[6:]  # another id with my signature

    with pytest.raises(InvalidInput, match="not a check-in code"):
        read_checkin_code(forged, SECRET)
    with pytest.raises(InvalidInput):
        read_checkin_code(checkin_code(10, "a-guessed-secret-that-is-not-ours-0123"), SECRET)


@pytest.mark.parametrize("text, message", [
    ("", "has 12 characters"),
    ("K7Q2-9MXD", "has 12 characters"),
    ("K7Q2-9MXD-4TNB-2", "has 12 characters"),
    ("K7Q2-9MXD-4TN0", "not a check-in code"),  # 0 is not in the alphabet
    ("K7Q2-9MXD-4TNI", "not a check-in code"),
    ("K7Q2-9MXD-4TN?", "not a check-in code"),
    ("2222-22AB-CDEF", "not a check-in code"),  # id 0
])
def test_malformed_codes_say_what_is_wrong(text, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        read_checkin_code(text, SECRET)
    assert refused.value.field == "code"


def test_ids_outside_the_range_and_an_empty_secret_are_programming_errors():
    with pytest.raises(ValueError):
        checkin_code(0, SECRET)
    with pytest.raises(ValueError):
        checkin_code(MAX_ID + 1, SECRET)
    with pytest.raises(ValueError):
        checkin_code(1, "")
