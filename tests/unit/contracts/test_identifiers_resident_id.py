"""The resident identity number (GB 11643) the sandbox tokenizes and generates (SBX-3)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.identifiers import resident_id


def test_SBX_3_the_standards_sample_number_is_valid() -> None:
    assert resident_id.check_character("11010519491231002") == "X"
    assert resident_id.is_valid("11010519491231002X")


@given(
    st.sampled_from(["370303", "370321", "110105"]),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(0, 999),
)
def test_SBX_3_a_made_number_is_valid_and_any_one_digit_change_is_caught(
    region: str, birth: date, order: int
) -> None:
    number = resident_id.make(region, birth, order)
    assert resident_id.is_valid(number)
    for position in range(17):
        digit = int(number[position])
        changed = number[:position] + str((digit + 1) % 10) + number[position + 1 :]
        assert not resident_id.is_valid(changed)


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002Y",
        "1101051949123100",
        "110105194902300021",
        "11010519491231002x0",
        "ABCDEF19491231002X",
    ],
)
def test_SBX_3_malformed_numbers_are_not_valid(number: str) -> None:
    assert not resident_id.is_valid(number)
