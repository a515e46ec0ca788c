"""Orders, executions and settlements from the exchange (TRD-1, BIL-5), without I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts.errors import Conflict, DomainError, Forbidden, IllegalTransition, NotFound
from services.trading_bridge.domain import trade
from services.trading_bridge.domain.trade import ExecuteTrade, PlaceOrder, SettleTrade
from tests.unit.services.trading_bridge.factories import (
    AT,
    EXCHANGE,
    OTHER_EXCHANGE,
    listing_factory,
    order_factory,
    tiered,
    trade_factory,
)

ORDER = PlaceOrder(order_id="o-1", listing_id="lst-1", buyer_org_id="buyer-1", quantity=10)
EXECUTION = ExecuteTrade(trade_id="t-1", order_id="o-1", quantity=10, amount_fen=1_000)
SETTLEMENT = SettleTrade(settlement_id="s-1", trade_id="t-1", amount_fen=1_000)


def test_TRD_1_the_exchange_passes_on_an_order_for_its_own_active_listing() -> None:
    order, event = trade.receive_order(
        ORDER, exchange_org_id=EXCHANGE, listing=listing_factory(), at=AT
    )
    assert order == order_factory()
    assert (event.order_id, event.product_id, event.quantity) == ("o-1", "prod-1", 10)
    with pytest.raises(Forbidden):
        trade.receive_order(ORDER, exchange_org_id=OTHER_EXCHANGE, listing=listing_factory(), at=AT)
    with pytest.raises(Conflict):
        trade.receive_order(
            ORDER, exchange_org_id=EXCHANGE, listing=listing_factory(state="withdrawn"), at=AT
        )
    with pytest.raises(NotFound):
        trade.receive_order(ORDER, exchange_org_id=EXCHANGE, listing=None, at=AT)


def test_TRD_1_an_order_sent_again_is_a_replay_and_a_reused_id_is_refused() -> None:
    assert trade.is_order_replay(order_factory(), ORDER, EXCHANGE)
    with pytest.raises(Conflict):
        trade.is_order_replay(order_factory(quantity=11), ORDER, EXCHANGE)
    with pytest.raises(Conflict):
        trade.is_order_replay(order_factory(), ORDER, OTHER_EXCHANGE)


def test_BIL_5_an_execution_is_at_the_published_price_with_tiers() -> None:
    listing = listing_factory(terms=tiered((5, 60)))
    due = 5 * 100 + 5 * 60
    with pytest.raises(DomainError) as wrong:
        trade.claim_order(
            EXECUTION, exchange_org_id=EXCHANGE, order=order_factory(), listing=listing
        )
    assert wrong.value.rule == "BIL-5" and str(due) in wrong.value.detail
    right = ExecuteTrade(trade_id="t-1", order_id="o-1", quantity=10, amount_fen=due)
    claimed = trade.claim_order(
        right, exchange_org_id=EXCHANGE, order=order_factory(), listing=listing
    )
    assert claimed.trade_id == "t-1"
    made, event = trade.execute(right, order=claimed, listing=listing, at=AT)
    assert made.amount_fen == event.amount_fen == due and made.state == "executed"
    assert made.unit == "per_call" and event.buyer_org_id == "buyer-1"


def test_TRD_1_one_trade_per_order_for_at_most_its_quantity() -> None:
    listing = listing_factory()
    with pytest.raises(DomainError) as too_many:
        trade.claim_order(
            ExecuteTrade(trade_id="t-1", order_id="o-1", quantity=11, amount_fen=1_100),
            exchange_org_id=EXCHANGE,
            order=order_factory(),
            listing=listing,
        )
    assert too_many.value.field == "quantity"
    partial = ExecuteTrade(trade_id="t-1", order_id="o-1", quantity=4, amount_fen=400)
    assert (
        trade.claim_order(
            partial, exchange_org_id=EXCHANGE, order=order_factory(), listing=listing
        ).trade_id
        == "t-1"
    )
    with pytest.raises(Conflict):
        trade.claim_order(
            EXECUTION,
            exchange_org_id=EXCHANGE,
            order=order_factory(trade_id="t-0"),
            listing=listing,
        )
    with pytest.raises(Forbidden):
        trade.claim_order(
            EXECUTION, exchange_org_id=OTHER_EXCHANGE, order=order_factory(), listing=listing
        )
    with pytest.raises(Conflict):
        trade.claim_order(
            EXECUTION,
            exchange_org_id=EXCHANGE,
            order=order_factory(),
            listing=listing_factory(state="withdrawn"),
        )


def test_TRD_1_a_trade_sent_again_is_a_replay() -> None:
    assert trade.is_trade_replay(trade_factory(), EXECUTION, EXCHANGE)
    with pytest.raises(Conflict):
        trade.is_trade_replay(trade_factory(amount_fen=999), EXECUTION, EXCHANGE)


def test_TRD_1_a_trade_settles_once_for_its_amount() -> None:
    when = datetime(2026, 11, 21, tzinfo=UTC)
    cmd = SettleTrade(settlement_id="s-1", trade_id="t-1", amount_fen=1_000, settled_at=when)
    settled, event = trade.settle(trade_factory(), cmd, exchange_org_id=EXCHANGE, at=AT)
    assert settled.state == "settled" and settled.settlement is not None
    assert settled.settlement.settled_at == when and settled.settlement.recorded_at == AT
    assert (event.settlement_id, event.amount_fen, event.settled_at) == ("s-1", 1_000, when)
    assert trade.is_settlement_replay(settled, cmd)
    assert not trade.is_settlement_replay(trade_factory(), cmd)
    with pytest.raises(Conflict):
        trade.is_settlement_replay(
            settled, SettleTrade(settlement_id="s-1", trade_id="t-1", amount_fen=1)
        )
    with pytest.raises(Conflict) as twice:
        trade.settle(
            settled,
            SettleTrade(settlement_id="s-2", trade_id="t-1", amount_fen=1_000),
            exchange_org_id=EXCHANGE,
            at=AT,
        )
    assert "settles once" in twice.value.detail


def test_BIL_5_a_settlement_of_another_amount_is_refused() -> None:
    with pytest.raises(DomainError) as wrong:
        trade.settle(
            trade_factory(),
            SettleTrade(settlement_id="s-1", trade_id="t-1", amount_fen=999),
            exchange_org_id=EXCHANGE,
            at=AT,
        )
    assert wrong.value.rule == "BIL-5" and wrong.value.field == "amount_fen"
    with pytest.raises(Forbidden):
        trade.settle(trade_factory(), SETTLEMENT, exchange_org_id=OTHER_EXCHANGE, at=AT)


def test_TRD_1_the_trade_machine_is_a_table_with_a_terminal_state() -> None:
    assert trade.advance("executed", "trade.settled") == "settled"
    with pytest.raises(IllegalTransition):
        trade.advance("settled", "trade.settled")
    assert {s for s, moves in trade.TRANSITIONS.items() if not moves} == trade.TERMINAL


def test_TRD_1_listing_and_trade_machines_are_keyed_by_their_event_kinds() -> None:
    from services.trading_bridge.domain import listing as listing_machine
    from services.trading_bridge.domain import trade as trade_machine

    for machine in (listing_machine, trade_machine):
        keys = {k for moves in machine.TRANSITIONS.values() for k in moves}
        assert keys == set(machine.Kind)
        assert all(isinstance(k, machine.Kind) for k in keys)
    assert listing_machine.Kind.WITHDRAWN == "listing.withdrawn"
    assert trade_machine.advance("executed", trade_machine.Kind.SETTLED) == "settled"
    with pytest.raises(IllegalTransition) as refused:
        trade_machine.advance("settled", trade_machine.Kind.SETTLED)
    assert refused.value.rule == "TRD-1"
