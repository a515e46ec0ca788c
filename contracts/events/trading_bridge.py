"""Events of trading-bridge, published on the exchange-facing topic (TRD-2). Money in fen."""

from __future__ import annotations

from datetime import datetime

from contracts.events.base import Event


class ListingCreated(Event, frozen=True, tag="listing.created"):
    listing_id: str
    product_id: str
    exchange_org_id: str
    price_fen: int
    unit: str


class ListingWithdrawn(Event, frozen=True, tag="listing.withdrawn"):
    listing_id: str
    product_id: str
    reason: str


class OrderReceived(Event, frozen=True, tag="order.received"):
    """The exchange passed on a buyer's order for a listing (TRD-1: the only door)."""

    order_id: str
    listing_id: str
    product_id: str
    buyer_org_id: str
    quantity: int


class TradeExecuted(Event, frozen=True, tag="trade.executed"):
    trade_id: str
    listing_id: str
    product_id: str
    buyer_org_id: str
    quantity: int
    amount_fen: int


class TradeSettled(Event, frozen=True, tag="trade.settled"):
    trade_id: str
    settlement_id: str
    amount_fen: int
    settled_at: datetime
    listing_id: str = ""
    """The trade's listing: the Kafka key of the trading chain (empty in events recorded
    before it was added; those were keyed by the trade id)."""
