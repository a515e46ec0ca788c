"""Wires trading-bridge: its HTTP app (listings; the exchange's orders, executions and
settlements; trades), its subscriptions (released and withdrawn products, published
prices, registered exchanges) and the collections whose outbox the relay drains."""

from __future__ import annotations

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts
from services.trading_bridge.api import exchange, listings
from services.trading_bridge.handlers import handlers
from services.trading_bridge.repository import LISTINGS, ORDERS, TRADES


def build(ctx: ServiceContext) -> ServiceParts:
    app = service_app(
        ctx,
        "trading-bridge — 数据交易对接",
        [
            listings.ListingController,
            exchange.OrderController,
            exchange.TradeController,
            exchange.SettlementController,
        ],
        description=(
            "Listings (挂牌) of released products on licensed data exchanges at their "
            "published price, and the exchange's orders, executions (成交) and settlements "
            "(结算) — the only door through which a product is traded (TRD-1). Every "
            "listing, order, execution and settlement is published on the exchange-facing "
            "topic `pdo.<region>.trading.trades.v1` (TRD-2)."
        ),
    )
    return ServiceParts(
        name="trading_bridge",
        app=app,
        handlers=handlers(ctx),
        outbox_collections=(LISTINGS, ORDERS, TRADES),
    )
