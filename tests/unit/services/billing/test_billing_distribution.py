"""Revenue distribution (BIL-7): shares always sum exactly to the total, none negative,
each within a fen of its exact share; the government share is non-tax revenue."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import DomainError
from services.billing.domain.distribution import (
    NON_TAX_REVENUE,
    Shares,
    check_shares,
    distribute,
    largest_remainder,
    shares_in_force,
)

JAN = date(2026, 1, 1)


def test_BIL_7_shares_must_sum_to_ten_thousand_basis_points() -> None:
    with pytest.raises(DomainError) as caught:
        check_shares(Shares(5000, 5000, 1, JAN))
    assert caught.value.rule == "BIL-7"
    with pytest.raises(DomainError):
        check_shares(Shares(-1, 5001, 5000, JAN))
    check_shares(Shares(3000, 5000, 2000, JAN))


def test_BIL_7_adjusted_shares_apply_from_their_effective_date() -> None:
    first, later = Shares(2000, 5000, 3000, JAN), Shares(4000, 4000, 2000, date(2026, 4, 1))
    assert shares_in_force([later, first], date(2026, 3, 31)) == first
    assert shares_in_force([later, first], date(2026, 4, 1)) == later
    assert shares_in_force([later], JAN) is None


def test_BIL_7_the_remainder_goes_to_the_largest_fractions_then_in_party_order() -> None:
    assert largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    assert largest_remainder(1020, [3333, 3334, 3333]) == [340, 340, 340]
    assert largest_remainder(0, [1, 2]) == [0, 0]


def test_BIL_7_the_government_share_is_booked_as_non_tax_revenue() -> None:
    d = distribute(
        "2026-03",
        1000,
        Shares(2000, 5000, 3000, JAN),
        {"m-a": 600, "m-b": 400},
        government_org_id="bureau",
        operator_org_id="op",
    )
    assert (d.government_fen, d.operator_fen, d.merchants_fen) == (200, 500, 300)
    assert d.merchants == (("m-a", 180), ("m-b", 120))
    assert d.ledger[0].account == NON_TAX_REVENUE
    assert (d.ledger[0].party, d.ledger[0].amount_fen) == ("bureau", 200)


@given(
    st.integers(0, 10**12),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.dictionaries(st.sampled_from(["m-a", "m-b", "m-c", "m-d"]), st.integers(0, 10**6)),
)
def test_BIL_7_shares_always_sum_to_the_total_and_none_is_negative(
    total: int, g: int, o: int, earned: dict[str, int]
) -> None:
    if g + o > 10_000:
        g, o = g // 2, o // 2
    shares = Shares(g, o, 10_000 - g - o, JAN)
    capped = {m: min(fen, total) for m, fen in earned.items()}
    if sum(capped.values()) > total:
        capped = {}
    d = distribute("2026-03", total, shares, capped, government_org_id="b", operator_org_id="o")
    parts = [d.government_fen, d.operator_fen, d.merchants_fen]
    assert sum(parts) == total
    assert min(parts) >= 0
    for part, bp in zip(parts, [g, o, 10_000 - g - o], strict=True):
        assert abs(Fraction(part) - Fraction(total * bp, 10_000)) < 1
    assert sum(fen for _, fen in d.merchants) == d.merchants_fen
    assert all(fen > 0 for _, fen in d.merchants)
    assert sum(e.amount_fen for e in d.ledger) == total


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=8))
def test_BIL_7_largest_remainder_is_exact_and_fair(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        weights = [*weights[:-1], 1]
    split = largest_remainder(total, weights)
    assert sum(split) == total
    assert min(split) >= 0
    whole = sum(weights)
    assert all(
        abs(Fraction(s) - Fraction(total * w, whole)) < 1
        for s, w in zip(split, weights, strict=True)
    )
