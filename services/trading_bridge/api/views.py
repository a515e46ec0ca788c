"""Domain records to API views."""

from __future__ import annotations

from services.trading_bridge.api.schemas import (
    ListingView,
    OrderView,
    SettlementView,
    TierView,
    TradeView,
)
from services.trading_bridge.domain.listing import Listing
from services.trading_bridge.domain.trade import Order, Trade


def listing_view(listing: Listing) -> ListingView:
    return ListingView(
        listing_id=listing.listing_id,
        product_id=listing.product_id,
        exchange_org_id=listing.exchange_org_id,
        price_id=listing.terms.price_id,
        unit=listing.terms.unit,
        price_fen=listing.terms.unit_price_fen,
        tiers=[
            TierView(from_quantity=t.from_quantity, unit_price_fen=t.unit_price_fen)
            for t in listing.terms.tiers
        ],
        state=listing.state,
        listed_at=listing.listed_at.isoformat(),
        withdrawn_at=listing.withdrawn_at.isoformat() if listing.withdrawn_at else "",
        withdrawn_reason=listing.withdrawn_reason,
    )


def order_view(order: Order) -> OrderView:
    return OrderView(
        order_id=order.order_id,
        listing_id=order.listing_id,
        product_id=order.product_id,
        exchange_org_id=order.exchange_org_id,
        buyer_org_id=order.buyer_org_id,
        quantity=order.quantity,
        received_at=order.received_at.isoformat(),
        trade_id=order.trade_id,
    )


def trade_view(trade: Trade) -> TradeView:
    settlement = trade.settlement
    return TradeView(
        trade_id=trade.trade_id,
        order_id=trade.order_id,
        listing_id=trade.listing_id,
        product_id=trade.product_id,
        exchange_org_id=trade.exchange_org_id,
        buyer_org_id=trade.buyer_org_id,
        quantity=trade.quantity,
        unit=trade.unit,
        amount_fen=trade.amount_fen,
        executed_at=trade.executed_at.isoformat(),
        state=trade.state,
        settlement=(
            SettlementView(
                settlement_id=settlement.settlement_id,
                amount_fen=settlement.amount_fen,
                settled_at=settlement.settled_at.isoformat(),
                recorded_at=settlement.recorded_at.isoformat(),
            )
            if settlement
            else None
        ),
    )
