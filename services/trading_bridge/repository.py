"""Trading-bridge documents in its own database, and back: listings, orders and trades
(each carrying its outbox), and the facts folded from other services' events: released
products, published prices and licensed exchanges. Times are ISO 8601 strings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from libs.responsibility import Declaration, Responsible
from libs.store.port import Document
from services.trading_bridge.domain.facts import Exchange, Product
from services.trading_bridge.domain.listing import Listing
from services.trading_bridge.domain.pricing import PriceTerms, Tier
from services.trading_bridge.domain.trade import Order, Settlement, Trade

LISTINGS = "listings"
ORDERS = "orders"
TRADES = "trades"
PRODUCTS = "products"
PRICES = "prices"
EXCHANGES = "exchanges"
AGREEMENTS = "agreements"
"""Operators' authorization agreements as identity announced them: ``active`` or
``ended`` (AUTH-7)."""


def _time(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def _parse(value: str) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _must(value: str) -> datetime:
    return datetime.fromisoformat(value)


def price_id_of(product_id: str, unit: str) -> str:
    """One published price per product and unit: the latest ``price.listed`` wins."""
    return f"{product_id}|{unit}"


def terms_to_doc(terms: PriceTerms) -> Document:
    return {
        "price_id": terms.price_id,
        "product_id": terms.product_id,
        "unit": terms.unit,
        "unit_price_fen": terms.unit_price_fen,
        "tiers": [
            {"from_quantity": t.from_quantity, "unit_price_fen": t.unit_price_fen}
            for t in terms.tiers
        ],
    }


def terms_from_doc(doc: Document) -> PriceTerms:
    tiers: list[dict[str, Any]] = doc.get("tiers", [])
    return PriceTerms(
        price_id=doc["price_id"],
        product_id=doc["product_id"],
        unit=doc["unit"],
        unit_price_fen=int(doc["unit_price_fen"]),
        tiers=tuple(Tier(int(t["from_quantity"]), int(t["unit_price_fen"])) for t in tiers),
    )


def price_to_doc(terms: PriceTerms, *, listed_by_org_id: str) -> Document:
    """The published price, naming the operator that listed it (SEC-3); ``terms_from_doc``
    reads a document stored before ``listed_by_org_id`` was kept just the same."""
    return {
        "_id": price_id_of(terms.product_id, terms.unit),
        **terms_to_doc(terms),
        "listed_by_org_id": listed_by_org_id,
    }


def listing_to_doc(listing: Listing) -> Document:
    return {
        "_id": listing.listing_id,
        "product_id": listing.product_id,
        "exchange_org_id": listing.exchange_org_id,
        "unit": listing.terms.unit,
        "terms": terms_to_doc(listing.terms),
        "state": listing.state,
        "listed_at": _time(listing.listed_at),
        "listed_by_org_id": listing.listed_by_org_id,
        "withdrawn_at": _time(listing.withdrawn_at),
        "withdrawn_reason": listing.withdrawn_reason,
    }


def listing_from_doc(doc: Document) -> Listing:
    return Listing(
        listing_id=doc["_id"],
        product_id=doc["product_id"],
        exchange_org_id=doc["exchange_org_id"],
        terms=terms_from_doc(doc["terms"]),
        state=doc["state"],
        listed_at=_must(doc["listed_at"]),
        listed_by_org_id=doc["listed_by_org_id"],
        withdrawn_at=_parse(doc.get("withdrawn_at", "")),
        withdrawn_reason=doc.get("withdrawn_reason", ""),
    )


def order_to_doc(order: Order) -> Document:
    return {
        "_id": order.order_id,
        "listing_id": order.listing_id,
        "product_id": order.product_id,
        "exchange_org_id": order.exchange_org_id,
        "buyer_org_id": order.buyer_org_id,
        "quantity": order.quantity,
        "received_at": _time(order.received_at),
        "trade_id": order.trade_id,
    }


def order_from_doc(doc: Document) -> Order:
    return Order(
        order_id=doc["_id"],
        listing_id=doc["listing_id"],
        product_id=doc["product_id"],
        exchange_org_id=doc["exchange_org_id"],
        buyer_org_id=doc["buyer_org_id"],
        quantity=int(doc["quantity"]),
        received_at=_must(doc["received_at"]),
        trade_id=doc.get("trade_id", ""),
    )


def trade_to_doc(trade: Trade) -> Document:
    settlement = trade.settlement
    return {
        "_id": trade.trade_id,
        "order_id": trade.order_id,
        "listing_id": trade.listing_id,
        "product_id": trade.product_id,
        "exchange_org_id": trade.exchange_org_id,
        "buyer_org_id": trade.buyer_org_id,
        "quantity": trade.quantity,
        "amount_fen": trade.amount_fen,
        "unit": trade.unit,
        "executed_at": _time(trade.executed_at),
        "state": trade.state,
        # top level, so a settlement id is found by one equality query
        "settlement_id": settlement.settlement_id if settlement else "",
        "settlement": (
            {
                "settlement_id": settlement.settlement_id,
                "amount_fen": settlement.amount_fen,
                "settled_at": _time(settlement.settled_at),
                "recorded_at": _time(settlement.recorded_at),
            }
            if settlement
            else None
        ),
    }


def trade_from_doc(doc: Document) -> Trade:
    raw: dict[str, Any] | None = doc.get("settlement")
    settlement = (
        Settlement(
            settlement_id=raw["settlement_id"],
            amount_fen=int(raw["amount_fen"]),
            settled_at=_must(raw["settled_at"]),
            recorded_at=_must(raw["recorded_at"]),
        )
        if raw
        else None
    )
    return Trade(
        trade_id=doc["_id"],
        order_id=doc["order_id"],
        listing_id=doc["listing_id"],
        product_id=doc["product_id"],
        exchange_org_id=doc["exchange_org_id"],
        buyer_org_id=doc["buyer_org_id"],
        quantity=int(doc["quantity"]),
        amount_fen=int(doc["amount_fen"]),
        unit=doc["unit"],
        executed_at=_must(doc["executed_at"]),
        state=doc["state"],
        settlement=settlement,
    )


def product_to_doc(product: Product) -> Document:
    return {
        "_id": product.product_id,
        "version": product.version,
        "name": product.name,
        "developer_org_id": product.developer_org_id,
        "registration_code": product.registration_code,
        "certificate_id": product.certificate_id,
        "state": product.state,
        "touches": list(product.touches),
        "permissions": list(product.permissions),
        "withdrawn_reason": product.withdrawn_reason,
    }


def product_from_doc(doc: Document) -> Product:
    return Product(
        product_id=doc["_id"],
        version=int(doc["version"]),
        name=doc["name"],
        developer_org_id=doc["developer_org_id"],
        registration_code=doc["registration_code"],
        certificate_id=doc["certificate_id"],
        state=doc["state"],
        touches=tuple(doc.get("touches", [])),
        permissions=tuple(doc.get("permissions", [])),
        withdrawn_reason=doc.get("withdrawn_reason", ""),
    )


def exchange_to_doc(exchange: Exchange) -> Document:
    return {"_id": exchange.org_id, "name": exchange.name, "region": exchange.region}


def exchange_from_doc(doc: Document) -> Exchange:
    return Exchange(org_id=doc["_id"], name=doc["name"], region=doc["region"])


RESPONSIBLE_ORGANIZATION: dict[str, Declaration] = {
    LISTINGS: Responsible("listed_by_org_id"),
    ORDERS: Responsible("exchange_org_id"),
    TRADES: Responsible("exchange_org_id"),
    PRODUCTS: Responsible("developer_org_id"),
    PRICES: Responsible("listed_by_org_id"),
    EXCHANGES: Responsible("_id"),
    AGREEMENTS: Responsible("operator_org_id"),
}
"""SEC-3 (谁采集/持有/使用/运营谁负责): per collection this service stores, the field naming
the organization responsible for each record, or why it holds none (``libs.responsibility``;
the shared runtime's collections are declared there)."""
