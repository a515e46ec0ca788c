"""Factories of trading-bridge domain objects for unit tests: ``*_factory(**overrides)``."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from services.trading_bridge.domain.facts import Exchange, Product
from services.trading_bridge.domain.listing import Listing, ListProduct
from services.trading_bridge.domain.pricing import PriceTerms, Tier
from services.trading_bridge.domain.trade import Order, Trade

AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
EXCHANGE = "org-370300-exchange"
OTHER_EXCHANGE = "org-370300-exchange-2"
OPERATOR = "org-370300-operator"


def product_factory(**overrides: Any) -> Product:
    base = Product(
        product_id="prod-1",
        version=1,
        name="企业经营指数",
        developer_org_id="org-dev-1",
        registration_code="370300P00000000013",
        certificate_id="cert-prod-1-1",
        state="released",
    )
    return replace(base, **overrides)


def terms_factory(**overrides: Any) -> PriceTerms:
    base = PriceTerms(price_id="price-1", product_id="prod-1", unit="per_call", unit_price_fen=100)
    return replace(base, **overrides)


def tiered(*tiers: tuple[int, int], unit_price_fen: int = 100) -> PriceTerms:
    return terms_factory(unit_price_fen=unit_price_fen, tiers=tuple(Tier(q, f) for q, f in tiers))


def exchange_factory(**overrides: Any) -> Exchange:
    return replace(
        Exchange(org_id=EXCHANGE, name="山东数据交易有限公司", region="370300"), **overrides
    )


def command_factory(**overrides: Any) -> ListProduct:
    base = ListProduct(
        product_id="prod-1", exchange_org_id=EXCHANGE, unit="per_call", price_fen=100
    )
    return replace(base, **overrides)


def listing_factory(**overrides: Any) -> Listing:
    base = Listing(
        listing_id="lst-1",
        product_id="prod-1",
        exchange_org_id=EXCHANGE,
        terms=terms_factory(),
        state="active",
        listed_at=AT,
        listed_by_org_id=OPERATOR,
    )
    return replace(base, **overrides)


def order_factory(**overrides: Any) -> Order:
    base = Order(
        order_id="o-1",
        listing_id="lst-1",
        product_id="prod-1",
        exchange_org_id=EXCHANGE,
        buyer_org_id="buyer-1",
        quantity=10,
        received_at=AT,
    )
    return replace(base, **overrides)


def trade_factory(**overrides: Any) -> Trade:
    base = Trade(
        trade_id="t-1",
        order_id="o-1",
        listing_id="lst-1",
        product_id="prod-1",
        exchange_org_id=EXCHANGE,
        buyer_org_id="buyer-1",
        quantity=10,
        amount_fen=1_000,
        unit="per_call",
        executed_at=AT,
    )
    return replace(base, **overrides)
