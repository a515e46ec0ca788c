"""Request and response bodies of the trading-bridge API, validated at the edge by msgspec.
Money is integer fen (分)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from libs.http.paging import Page

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][\w.:-]*$")]
"""An id of the platform or of the exchange (letters, digits, ``_ . : -``)."""
Unit = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]
Fen = Annotated[int, msgspec.Meta(ge=0, le=10**15)]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=10**9)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class ListingBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """List a released product on a licensed exchange at its published price (BIL-5)."""

    product_id: Id
    exchange_org_id: Id
    unit: Unit
    price_fen: Fen


class WithdrawalBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Reason


class OrderBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A buyer's order, passed on by the exchange; ``order_id`` is the exchange's own."""

    order_id: Id
    listing_id: Id
    buyer_org_id: Id
    quantity: Quantity


class ExecutionBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The execution (成交) of an order; ``amount_fen`` is the published price of the
    quantity, tiers applied."""

    trade_id: Id
    order_id: Id
    quantity: Quantity
    amount_fen: Fen


class SettlementBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The settlement (结算) of a trade, once, for the trade's amount."""

    settlement_id: Id
    trade_id: Id
    amount_fen: Fen
    settled_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None


class TierView(msgspec.Struct, kw_only=True):
    from_quantity: int
    unit_price_fen: int


class ListingView(msgspec.Struct, kw_only=True):
    listing_id: str
    product_id: str
    exchange_org_id: str
    price_id: str
    unit: str
    price_fen: int
    tiers: list[TierView]
    state: str
    listed_at: str
    withdrawn_at: str
    withdrawn_reason: str


ListingPage = Page[ListingView]


class OrderView(msgspec.Struct, kw_only=True):
    order_id: str
    listing_id: str
    product_id: str
    exchange_org_id: str
    buyer_org_id: str
    quantity: int
    received_at: str
    trade_id: str


class SettlementView(msgspec.Struct, kw_only=True):
    settlement_id: str
    amount_fen: int
    settled_at: str
    recorded_at: str


class TradeView(msgspec.Struct, kw_only=True):
    trade_id: str
    order_id: str
    listing_id: str
    product_id: str
    exchange_org_id: str
    buyer_org_id: str
    quantity: int
    unit: str
    amount_fen: int
    executed_at: str
    state: str
    settlement: SettlementView | None


TradePage = Page[TradeView]
