"""Invoice pricing: the price in force at each use (BIL-5), tiers by time order and the
key-scenario discount (BIL-3), free lines kept with their reason (BIL-1), periods in
China Standard Time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.errors import DomainError
from services.billing.domain.free_use import Confirmation, FreeUseFacts
from services.billing.domain.invoice import (
    check_period_over,
    closable_period,
    next_period,
    period_end,
    period_of,
    price_uses,
)
from tests.unit.services.billing.factories import T0, price_factory, use_factory

PUBLIC = FreeUseFacts(
    scenario_classes={"sc-pub": "public_interest"},
    confirmations={
        "sc-pub": (Confirmation(T0 - timedelta(days=1), True, "仅用于公共治理", "org-bureau"),)
    },
)
"""A public-interest scenario whose conditions the bureau confirmed before T0 (BIL-1)."""


def test_periods_are_months_of_china_standard_time() -> None:
    assert period_of(datetime(2026, 3, 31, 15, 59, tzinfo=UTC)) == "2026-03"
    assert period_of(datetime(2026, 3, 31, 16, 0, tzinfo=UTC)) == "2026-04"
    assert period_end("2026-12") == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert next_period("2026-12") == "2027-01"
    with pytest.raises(DomainError):
        check_period_over("2026-03", datetime(2026, 3, 31, 15, 0, tzinfo=UTC))
    check_period_over("2026-03", datetime(2026, 3, 31, 16, 0, tzinfo=UTC))


def test_BIL_5_each_use_is_charged_at_the_price_in_force_when_it_happened() -> None:
    old = price_factory(price_id="old", unit_price_fen=10)
    new = price_factory(price_id="new", unit_price_fen=12, effective_from=T0 + timedelta(days=1))
    uses = [
        use_factory(event_id="a", quantity=3, occurred_at=T0 + timedelta(hours=1)),
        use_factory(event_id="b", quantity=2, occurred_at=T0 + timedelta(days=2)),
    ]
    lines = {line.price_id: line for line in price_uses(uses, [old, new], FreeUseFacts())}
    assert (lines["old"].amount_fen, lines["old"].source_event_ids) == (30, ("a",))
    assert (lines["new"].amount_fen, lines["new"].source_event_ids) == (24, ("b",))


def test_BIL_1_a_free_use_is_kept_as_a_line_at_zero_and_counts_no_volume() -> None:
    price = price_factory(unit_price_fen=10, tiers=[(5, 1)])
    uses = [
        use_factory(event_id="free", quantity=100, scenario_id="sc-pub"),
        use_factory(event_id="paid", quantity=4, occurred_at=T0 + timedelta(hours=1)),
    ]
    lines = {line.free_reason: line for line in price_uses(uses, [price], PUBLIC)}
    assert (lines["public_interest"].quantity, lines["public_interest"].amount_fen) == (100, 0)
    assert (lines[""].tier_from, lines[""].amount_fen) == (0, 40)


def test_BIL_3_the_key_scenario_discount_applies_to_key_scenarios_only() -> None:
    price = price_factory(unit_price_fen=10, key_scenario_discount_percent=30)
    uses = [
        use_factory(event_id="k", quantity=5, scenario_id="sc-key"),
        use_factory(event_id="n", quantity=5, scenario_id="sc-n"),
    ]
    lines = price_uses(uses, [price], FreeUseFacts(), key_scenarios=frozenset({"sc-key"}))
    got = sorted((line.discount_percent, line.discount_fen, line.amount_fen) for line in lines)
    assert got == [(0, 0, 50), (30, 15, 35)]


uses_strategy = st.lists(
    st.tuples(st.integers(0, 500), st.integers(0, 72), st.sampled_from(["", "sc-pub", "sc-key"])),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(uses_strategy, st.randoms(use_true_random=False))
def test_BIL_3_pricing_does_not_depend_on_the_order_events_arrived_in(
    raw: list[tuple[int, int, str]], rnd: object
) -> None:
    price = price_factory(
        unit_price_fen=10, tiers=[(300, 7), (900, 3)], key_scenario_discount_percent=15
    )
    uses = [
        use_factory(
            event_id=f"e{i}", quantity=q, scenario_id=s, occurred_at=T0 + timedelta(hours=h)
        )
        for i, (q, h, s) in enumerate(raw)
    ]
    shuffled = list(uses)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    keys = frozenset({"sc-key"})
    a = price_uses(uses, [price], PUBLIC, key_scenarios=keys)
    b = price_uses(shuffled, [price], PUBLIC, key_scenarios=keys)
    assert sorted(a, key=repr) == sorted(b, key=repr)
    assert sum(line.quantity for line in a) == sum(q for q, _, _ in raw)
    traced = {e for line in a for e in line.source_event_ids}
    assert traced == {u.event_id for u in uses}
    assert all(line.amount_fen == line.gross_fen - line.discount_fen >= 0 for line in a)


def test_the_periodic_close_waits_a_grace_after_the_month_ends() -> None:
    day = timedelta(days=1)
    assert closable_period(datetime(2026, 4, 1, 16, 0, tzinfo=UTC), day) == "2026-03"
    assert closable_period(datetime(2026, 4, 1, 15, 59, tzinfo=UTC), day) == "2026-02"
    assert closable_period(datetime(2026, 1, 2, 0, 0, tzinfo=UTC), day) == "2025-12"
