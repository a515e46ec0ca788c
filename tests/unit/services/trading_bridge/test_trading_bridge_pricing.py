"""The published price applied to a quantity (BIL-3, BIL-5): integer fen, tiers progressive."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import DomainError
from services.trading_bridge.domain.pricing import Tier, amount_due
from tests.unit.services.trading_bridge.factories import terms_factory, tiered


def test_BIL_5_without_tiers_the_amount_is_the_unit_price_times_the_quantity() -> None:
    assert amount_due(terms_factory(unit_price_fen=8_800), 12) == 105_600


def test_BIL_3_tiers_are_progressive_from_their_quantity_on() -> None:
    terms = tiered((10, 80), (100, 50))
    assert amount_due(terms, 10) == 1_000  # the first ten at the unit price
    assert amount_due(terms, 11) == 1_080
    assert amount_due(terms, 100) == 10 * 100 + 90 * 80
    assert amount_due(terms, 150) == 10 * 100 + 90 * 80 + 50 * 50


def test_BIL_3_tiers_apply_in_quantity_order_whatever_order_they_are_published_in() -> None:
    assert amount_due(tiered((100, 50), (10, 80)), 150) == amount_due(
        tiered((10, 80), (100, 50)), 150
    )


def test_BIL_3_a_tier_from_zero_replaces_the_unit_price() -> None:
    assert amount_due(tiered((0, 70)), 3) == 210


def test_BIL_5_a_quantity_below_one_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        amount_due(terms_factory(), 0)
    assert refused.value.field == "quantity"


def test_BIL_5_same_charge_ignores_the_price_id_and_the_order_of_tiers() -> None:
    a = terms_factory(tiers=(Tier(10, 80), Tier(100, 50)))
    b = terms_factory(price_id="other", tiers=(Tier(100, 50), Tier(10, 80)))
    assert a.same_charge(b)
    assert not a.same_charge(terms_factory(unit_price_fen=99))
    assert not a.same_charge(terms_factory(unit="per_month", tiers=a.tiers))


@given(
    unit=st.integers(0, 10_000),
    by_start=st.dictionaries(st.integers(1, 500), st.integers(0, 10_000), max_size=4),
    quantity=st.integers(1, 2_000),
)
def test_BIL_3_the_amount_is_the_sum_of_each_unit_at_its_band_price(
    unit: int, by_start: dict[int, int], quantity: int
) -> None:
    terms = tiered(*by_start.items(), unit_price_fen=unit)
    expected = 0
    for n in range(quantity):  # the (n+1)-th unit, n units already counted
        starts = [q for q in by_start if q <= n]
        expected += by_start[max(starts)] if starts else unit
    assert amount_due(terms, quantity) == expected
