"""The price model: caps (BIL-2), tiers and the key-scenario discount (BIL-3), the price in
force (BIL-5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import Conflict, DomainError
from services.billing.domain.price_model import (
    Tier,
    check_cap_change,
    check_effective_from,
    check_max_revenue,
    check_unit,
    discount_fen,
    in_force,
    split_into_tiers,
    validate_price,
)
from tests.unit.services.billing.factories import T0, price_factory


def refused(rule: str, field: str, **kwargs: object) -> None:
    args: dict[str, object] = {
        "unit_price_fen": 10,
        "tiers": [],
        "key_scenario_discount_percent": 0,
        "cap_fen": 50,
    }
    args.update(kwargs)
    with pytest.raises(DomainError) as caught:
        validate_price(**args)  # type: ignore[arg-type]
    assert (caught.value.rule, caught.value.field) == (rule, field)


def test_BIL_2_price_above_the_cap_is_refused() -> None:
    refused("BIL-2", "unit_price_fen", unit_price_fen=51)
    validate_price(unit_price_fen=50, tiers=[], key_scenario_discount_percent=0, cap_fen=50)


def test_BIL_2_every_tier_must_be_at_most_the_cap() -> None:
    refused("BIL-2", "tiers[1].unit_price_fen", tiers=[Tier(100, 40), Tier(200, 60)])


def test_BIL_1_without_a_cap_a_market_price_is_allowed() -> None:
    validate_price(unit_price_fen=10**9, tiers=[], key_scenario_discount_percent=0, cap_fen=None)


def test_BIL_2_negative_money_and_unknown_units_are_refused() -> None:
    refused("BIL-2", "unit_price_fen", unit_price_fen=-1)
    with pytest.raises(DomainError) as caught:
        check_unit("furlong")
    assert caught.value.rule == "BIL-2"
    assert check_unit("row").value == "row"
    with pytest.raises(DomainError):
        check_max_revenue(2026, -5)


def test_BIL_3_tiers_start_above_zero_and_strictly_ascend() -> None:
    refused("BIL-3", "tiers[0].from_quantity", tiers=[Tier(0, 5)])
    refused("BIL-3", "tiers[1].from_quantity", tiers=[Tier(100, 5), Tier(100, 4)])
    refused("BIL-3", "key_scenario_discount_percent", key_scenario_discount_percent=101)


def test_BIL_2_a_cap_may_not_drop_below_a_listed_price() -> None:
    price = price_factory(unit_price_fen=20, tiers=[(100, 30)])
    with pytest.raises(Conflict) as caught:
        check_cap_change(25, [price])
    assert caught.value.rule == "BIL-2"
    check_cap_change(30, [price])


def test_BIL_5_the_price_in_force_is_the_latest_effective_version() -> None:
    old = price_factory(price_id="old", effective_from=T0)
    new = price_factory(price_id="new", effective_from=T0 + timedelta(days=3), listed_seq=2)
    again = price_factory(price_id="again", effective_from=T0 + timedelta(days=3), listed_seq=3)
    versions = [new, old, again]
    assert in_force(versions, "prod-credit", "call", T0 - timedelta(seconds=1)) is None
    assert in_force(versions, "prod-credit", "call", T0) == old
    assert in_force(versions, "prod-credit", "call", T0 + timedelta(days=3)) == again
    assert in_force(versions, "prod-credit", "row", T0 + timedelta(days=9)) is None


def test_BIL_5_a_price_never_takes_effect_in_the_past() -> None:
    with pytest.raises(DomainError) as caught:
        check_effective_from(T0 - timedelta(microseconds=1), T0)
    assert caught.value.rule == "BIL-5"
    check_effective_from(T0, T0)


def test_BIL_3_a_use_is_split_over_the_tiers_it_crosses() -> None:
    schedule = (Tier(0, 10), Tier(1000, 8), Tier(5000, 5))
    got = [(s.tier_from, s.quantity) for s in split_into_tiers(schedule, 800, 4500)]
    assert got == [(0, 200), (1000, 4000), (5000, 300)]
    assert split_into_tiers(schedule, 0, 0) == []


def test_BIL_3_the_discount_rounds_half_up_to_the_fen() -> None:
    assert discount_fen(10, 25) == 3  # 2.5 → 3
    assert discount_fen(10, 24) == 2
    assert discount_fen(0, 100) == 0
    assert discount_fen(999, 100) == 999


schedules = st.lists(
    st.tuples(st.integers(1, 10_000), st.integers(0, 1_000)), max_size=5, unique_by=lambda t: t[0]
).map(lambda ts: (Tier(0, 50), *(Tier(q, p) for q, p in sorted(ts))))


@given(schedules, st.integers(0, 20_000), st.integers(0, 20_000), st.integers(0, 20_000))
def test_BIL_3_tiers_depend_on_cumulative_volume_only(
    schedule: tuple[Tier, ...], used: int, a: int, b: int
) -> None:
    """Billing ``a`` then ``b`` costs what billing ``a + b`` at once costs; segments sum
    to the quantity and each is charged the price of the tier it lies in."""

    def cost(start: int, quantity: int) -> int:
        segments = split_into_tiers(schedule, start, quantity)
        assert sum(s.quantity for s in segments) == quantity
        assert all(s.quantity > 0 for s in segments)
        return sum(s.quantity * s.unit_price_fen for s in segments)

    assert cost(used, a) + cost(used + a, b) == cost(used, a + b)
