"""Orders, executions (成交) and settlements (结算) that the licensed exchange reports to the
bridge — the only door through which a product is traded (TRD-1).

Theory of operation: the exchange passes on a buyer's order for one of its own listings
(``receive_order`` → ``order.received``); it reports the execution of that order as a
trade whose amount must be the published price of the quantity (``execute`` →
``trade.executed``, BIL-5); and it reports the settlement of the trade, once, for exactly
the trade's amount (``settle`` → ``trade.settled``). Every command carries the exchange's
own id; the same command sent again is a replay (``is_replay``) and returns the first
result without a second event, while the same id with other content is refused. An
exchange acts only on its own listings, orders and trades. Trade states are the table
``TRANSITIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal

from contracts.errors import Conflict, DomainError, Forbidden, NotFound
from contracts.events import OrderReceived, TradeExecuted, TradeSettled
from contracts.machine import transition
from services.trading_bridge.domain.listing import Listing
from services.trading_bridge.domain.pricing import amount_due

TradeState = Literal["executed", "settled"]


class Kind(StrEnum):
    """What happens to a trade (the event types it emits): the key of ``TRANSITIONS``."""

    SETTLED = "trade.settled"  # 结算


TRANSITIONS: dict[TradeState, dict[Kind, TradeState]] = {
    "executed": {Kind.SETTLED: "settled"},
    "settled": {},
}
TERMINAL: frozenset[str] = frozenset({"settled"})


def advance(state: str, event: Kind) -> TradeState:
    """The state after ``event``; a missing transition raises ``IllegalTransition``."""
    return transition("trade", TRANSITIONS, state, event, rule="TRD-1")


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    order_id: str
    listing_id: str
    buyer_org_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ExecuteTrade:
    trade_id: str
    order_id: str
    quantity: int
    amount_fen: int


@dataclass(frozen=True, slots=True)
class SettleTrade:
    settlement_id: str
    trade_id: str
    amount_fen: int
    settled_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Order:
    order_id: str
    listing_id: str
    product_id: str
    exchange_org_id: str
    buyer_org_id: str
    quantity: int
    received_at: datetime
    trade_id: str = ""
    """The trade that executed this order; set before the trade is written, so a crash
    between the two writes is finished by the exchange's retry of the same trade."""


@dataclass(frozen=True, slots=True)
class Settlement:
    settlement_id: str
    amount_fen: int
    settled_at: datetime
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Trade:
    trade_id: str
    order_id: str
    listing_id: str
    product_id: str
    exchange_org_id: str
    buyer_org_id: str
    quantity: int
    amount_fen: int
    unit: str
    executed_at: datetime
    state: TradeState = "executed"
    settlement: Settlement | None = None


def check_own(exchange_org_id: str, owner_org_id: str, what: str) -> None:
    """An exchange acts only on its own listings, orders and trades (TRD-1)."""
    if exchange_org_id != owner_org_id:
        raise Forbidden(f"{what} is not on the exchange {exchange_org_id}", rule="TRD-1")


def _reused(kind: str, key: str) -> Conflict:
    return Conflict(
        f"{kind} {key} was already received with different content; an id names one {kind} only",
        rule="TRD-1",
    )


def is_order_replay(existing: Order, cmd: PlaceOrder, exchange_org_id: str) -> bool:
    """True for the same order sent again; a reused id with other content is refused."""
    same = (
        existing.exchange_org_id == exchange_org_id
        and existing.listing_id == cmd.listing_id
        and existing.buyer_org_id == cmd.buyer_org_id
        and existing.quantity == cmd.quantity
    )
    if not same:
        raise _reused("order", cmd.order_id)
    return True


def is_trade_replay(existing: Trade, cmd: ExecuteTrade, exchange_org_id: str) -> bool:
    same = (
        existing.exchange_org_id == exchange_org_id
        and existing.order_id == cmd.order_id
        and existing.quantity == cmd.quantity
        and existing.amount_fen == cmd.amount_fen
    )
    if not same:
        raise _reused("trade", cmd.trade_id)
    return True


def is_settlement_replay(trade: Trade, cmd: SettleTrade) -> bool:
    """True when this settlement of the trade was recorded already (the caller checked
    that the trade is the exchange's own)."""
    done = trade.settlement
    if done is None or done.settlement_id != cmd.settlement_id:
        return False
    if done.amount_fen != cmd.amount_fen:
        raise _reused("settlement", cmd.settlement_id)
    return True


def receive_order(
    cmd: PlaceOrder, *, exchange_org_id: str, listing: Listing | None, at: datetime
) -> tuple[Order, OrderReceived]:
    """The exchange passes on an order for one of its own active listings (TRD-1)."""
    if listing is None:
        raise NotFound(f"no listing {cmd.listing_id}", rule="TRD-1")
    check_own(exchange_org_id, listing.exchange_org_id, f"listing {listing.listing_id}")
    if not listing.active:
        raise Conflict(
            f"listing {listing.listing_id} was withdrawn ({listing.withdrawn_reason}); "
            "it takes no orders",
            rule="TRD-1",
        )
    if cmd.quantity < 1:
        raise DomainError("a quantity is at least 1", rule="TRD-1", field="quantity")
    order = Order(
        order_id=cmd.order_id,
        listing_id=listing.listing_id,
        product_id=listing.product_id,
        exchange_org_id=exchange_org_id,
        buyer_org_id=cmd.buyer_org_id,
        quantity=cmd.quantity,
        received_at=at,
    )
    event = OrderReceived(
        order_id=order.order_id,
        listing_id=order.listing_id,
        product_id=order.product_id,
        buyer_org_id=order.buyer_org_id,
        quantity=order.quantity,
    )
    return order, event


def claim_order(
    cmd: ExecuteTrade, *, exchange_org_id: str, order: Order, listing: Listing
) -> Order:
    """Check an execution against its order and listing; the order marked as executed by
    this trade. One order is executed by one trade, for at most its quantity; the amount
    is the published price of the quantity, tiers applied (BIL-5)."""
    check_own(exchange_org_id, order.exchange_org_id, f"order {order.order_id}")
    if order.trade_id and order.trade_id != cmd.trade_id:
        raise Conflict(
            f"order {order.order_id} was already executed by trade {order.trade_id}",
            rule="TRD-1",
        )
    if not listing.active:
        raise Conflict(
            f"listing {listing.listing_id} was withdrawn ({listing.withdrawn_reason}); "
            "its orders can no longer be executed",
            rule="TRD-1",
        )
    if not 1 <= cmd.quantity <= order.quantity:
        raise DomainError(
            f"the executed quantity {cmd.quantity} must be between 1 and the ordered "
            f"quantity {order.quantity}",
            rule="TRD-1",
            field="quantity",
        )
    due = amount_due(listing.terms, cmd.quantity)
    if cmd.amount_fen != due:
        raise DomainError(
            f"the amount {cmd.amount_fen} fen is not the published price of "
            f"{cmd.quantity} {listing.terms.unit}: {due} fen ({listing.terms.price_id})",
            rule="BIL-5",
            field="amount_fen",
        )
    return replace(order, trade_id=cmd.trade_id)


def execute(
    cmd: ExecuteTrade, *, order: Order, listing: Listing, at: datetime
) -> tuple[Trade, TradeExecuted]:
    """The trade of an order that ``claim_order`` accepted."""
    trade = Trade(
        trade_id=cmd.trade_id,
        order_id=order.order_id,
        listing_id=order.listing_id,
        product_id=order.product_id,
        exchange_org_id=order.exchange_org_id,
        buyer_org_id=order.buyer_org_id,
        quantity=cmd.quantity,
        amount_fen=cmd.amount_fen,
        unit=listing.terms.unit,
        executed_at=at,
    )
    event = TradeExecuted(
        trade_id=trade.trade_id,
        listing_id=trade.listing_id,
        product_id=trade.product_id,
        buyer_org_id=trade.buyer_org_id,
        quantity=trade.quantity,
        amount_fen=trade.amount_fen,
    )
    return trade, event


def settle(
    trade: Trade, cmd: SettleTrade, *, exchange_org_id: str, at: datetime
) -> tuple[Trade, TradeSettled]:
    """A trade settles once, for exactly its amount (TRD-1, BIL-5)."""
    check_own(exchange_org_id, trade.exchange_org_id, f"trade {trade.trade_id}")
    if trade.settlement is not None:
        raise Conflict(
            f"trade {trade.trade_id} was already settled by "
            f"{trade.settlement.settlement_id}; a trade settles once",
            rule="TRD-1",
        )
    state = advance(trade.state, Kind.SETTLED)
    if cmd.amount_fen != trade.amount_fen:
        raise DomainError(
            f"the settled amount {cmd.amount_fen} fen differs from the trade's amount "
            f"{trade.amount_fen} fen",
            rule="BIL-5",
            field="amount_fen",
        )
    settled_at = cmd.settled_at or at
    settlement = Settlement(
        settlement_id=cmd.settlement_id,
        amount_fen=cmd.amount_fen,
        settled_at=settled_at,
        recorded_at=at,
    )
    after = replace(trade, state=state, settlement=settlement)
    event = TradeSettled(
        trade_id=trade.trade_id,
        settlement_id=cmd.settlement_id,
        amount_fen=cmd.amount_fen,
        settled_at=settled_at,
        listing_id=trade.listing_id,
    )
    return after, event
