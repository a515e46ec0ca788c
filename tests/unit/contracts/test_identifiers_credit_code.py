"""The unified social credit code (GB 32100-2015): known-valid codes pass, and every broken
code is refused naming the rule it breaks. Pure, no I/O."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import DomainError
from contracts.identifiers.credit_code import (
    ALPHABET,
    check,
    check_character,
    is_valid,
    make,
    org_code_check_digit,
)

KNOWN_VALID = ("91350100M000100Y43", "91110000802100433B")


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_valid_codes_pass(code: str) -> None:
    assert check(code) == code
    assert check_character(code[:17]) == code[17]
    assert org_code_check_digit(code[8:16]) == code[16]


@pytest.mark.parametrize(
    ("code", "named"),
    [
        ("", "length must be 18 characters, got 0"),
        ("91350100M000100Y4", "length must be 18 characters, got 17"),
        ("91350100M000100Y433", "length must be 18 characters, got 19"),
        ("91350100m000100Y43", "forbidden character 'm' at position 9"),
        ("9135O100M000100Y43", "forbidden character 'O' at position 5"),
        ("91350100M000100S43", "forbidden character 'S'"),
        ("91350100M000100Z43", "forbidden character 'Z'"),
        ("91350100M000100V43", "forbidden character 'V'"),
        ("B1350100M000100Y43", "registration authority"),
        ("91350100M000100Y53", "organization code check digit (position 17, GB 11714) is '5'"),
        ("91350100M000100Y44", "final check character (position 18) is '4', expected '3'"),
    ],
)
def test_a_broken_code_is_refused_naming_the_rule(code: str, named: str) -> None:
    with pytest.raises(DomainError) as refused:
        check(code)
    assert named in refused.value.detail
    assert refused.value.rule == "GB 32100-2015"
    assert refused.value.field == "credit_code"


def test_org_code_check_digit_writes_ten_as_X_and_eleven_as_0() -> None:
    digits = {org_code_check_digit(f"{n:08d}") for n in range(0, 2000)}
    assert "X" in digits and "0" in digits
    assert digits <= set("0123456789X")


_CHARS = st.sampled_from(ALPHABET)
_BODIES = st.text(alphabet=ALPHABET, min_size=8, max_size=8)


@given(
    authority=st.sampled_from("123456789ANY"),
    kind=st.sampled_from("123459"),
    region=st.from_regex(r"\A[1-6][0-9]{5}\Z"),
    body=_BODIES,
)
def test_composed_codes_are_valid(authority: str, kind: str, region: str, body: str) -> None:
    assert is_valid(make(authority, kind, region, body))


@given(body=_BODIES, position=st.integers(0, 17), replacement=_CHARS)
def test_every_single_character_substitution_is_caught(
    body: str, position: int, replacement: str
) -> None:
    """31 is prime and every weight is non-zero mod 31, so a one-character typo anywhere
    always changes the check sum: the mistyped code is refused."""
    code = make("9", "1", "370300", body)
    mistyped = code[:position] + replacement + code[position + 1 :]
    assert is_valid(mistyped) == (mistyped == code)
