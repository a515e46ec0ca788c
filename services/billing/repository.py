"""Billing's collections in its own database and the conversions of its documents."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from libs.responsibility import Declaration, Responsible
from libs.store.port import Document
from services.billing.domain.distribution import Shares
from services.billing.domain.invoice import InvoiceLine, MeteredUse
from services.billing.domain.price_model import PriceVersion, Tier, Unit

CAPS = "price_caps"
PRICES = "prices"
REVENUE_YEARS = "revenue_years"
SETTINGS = "settings"
KEY_SCENARIOS = "key_scenarios"
SHARES = "revenue_shares"
USES = "metered_uses"
SETTLEMENTS = "settlements"
INVOICES = "invoices"
DISTRIBUTIONS = "distributions"
SCENARIOS = "scenarios"
GRANTS = "grants"
PRODUCTS = "products"
RESOURCES = "resources"
AGREEMENTS = "agreements"
PUBLIC_INTEREST = "public_interest_confirmations"
"""The bureau's confirmations of public-interest scenarios' conditions (BIL-1)."""

OUTBOX_COLLECTIONS = (CAPS, PRICES, REVENUE_YEARS, INVOICES, DISTRIBUTIONS)


def cap_id(product_id: str, unit: str) -> str:
    return f"{product_id}:{unit}"


def revenue_year_id(operator_org_id: str, year: int) -> str:
    return f"{operator_org_id}:{year}"


def price_to_doc(price: PriceVersion, listed_by_org_id: str) -> Document:
    return {
        "_id": price.price_id,
        "product_id": price.product_id,
        "unit": price.unit.value,
        "unit_price_fen": price.unit_price_fen,
        "tiers": [
            {"from_quantity": t.from_quantity, "unit_price_fen": t.unit_price_fen}
            for t in price.tiers
        ],
        "key_scenario_discount_percent": price.key_scenario_discount_percent,
        "effective_from": price.effective_from.isoformat(),
        "listed_seq": price.listed_seq,
        "listed_by_org_id": listed_by_org_id,
    }


def price_from_doc(doc: Document) -> PriceVersion:
    tiers: list[dict[str, int]] = doc["tiers"]
    return PriceVersion(
        price_id=doc["_id"],
        product_id=doc["product_id"],
        unit=Unit(doc["unit"]),
        unit_price_fen=int(doc["unit_price_fen"]),
        tiers=tuple(Tier(int(t["from_quantity"]), int(t["unit_price_fen"])) for t in tiers),
        key_scenario_discount_percent=int(doc["key_scenario_discount_percent"]),
        effective_from=datetime.fromisoformat(doc["effective_from"]),
        listed_seq=int(doc["listed_seq"]),
    )


def use_from_doc(doc: Document) -> MeteredUse:
    return MeteredUse(
        event_id=doc["_id"],
        customer_org_id=doc["customer_org_id"],
        product_id=doc["product_id"],
        unit=doc["unit"],
        quantity=int(doc["quantity"]),
        scenario_id=doc["scenario_id"],
        occurred_at=datetime.fromisoformat(doc["occurred_at"]),
    )


def line_to_doc(line: InvoiceLine) -> dict[str, Any]:
    return {
        "product_id": line.product_id,
        "unit": line.unit,
        "quantity": line.quantity,
        "unit_price_fen": line.unit_price_fen,
        "tier_from": line.tier_from,
        "discount_percent": line.discount_percent,
        "gross_fen": line.gross_fen,
        "discount_fen": line.discount_fen,
        "amount_fen": line.amount_fen,
        "price_id": line.price_id,
        "free_reason": line.free_reason,
        "merchant_org_id": line.merchant_org_id,
        "source_event_ids": list(line.source_event_ids),
    }


def shares_from_doc(doc: Document) -> Shares:
    return Shares(
        government_bp=int(doc["government_bp"]),
        operator_bp=int(doc["operator_bp"]),
        merchants_bp=int(doc["merchants_bp"]),
        effective_from=date.fromisoformat(doc["effective_from"]),
    )


def shares_to_doc(shares: Shares, set_by_org_id: str) -> Document:
    return {
        "_id": shares.effective_from.isoformat(),
        "government_bp": shares.government_bp,
        "operator_bp": shares.operator_bp,
        "merchants_bp": shares.merchants_bp,
        "effective_from": shares.effective_from.isoformat(),
        "set_by_org_id": set_by_org_id,
    }


RESPONSIBLE_ORGANIZATION: dict[str, Declaration] = {
    PRICES: Responsible("listed_by_org_id"),
    CAPS: Responsible("set_by_org_id"),
    REVENUE_YEARS: Responsible("operator_org_id"),
    SETTINGS: Responsible("set_by_org_id"),
    KEY_SCENARIOS: Responsible("set_by_org_id"),
    SHARES: Responsible("set_by_org_id"),
    USES: Responsible("customer_org_id"),
    SETTLEMENTS: Responsible("exchange_org_id"),
    INVOICES: Responsible("operator_org_id"),
    DISTRIBUTIONS: Responsible("operator_org_id"),
    SCENARIOS: Responsible("operator_org_id"),
    GRANTS: Responsible("developer_org_id"),
    PRODUCTS: Responsible("developer_org_id"),
    RESOURCES: Responsible("provider_org_id"),
    AGREEMENTS: Responsible("operator_org_id"),
    PUBLIC_INTEREST: Responsible("confirmed_by_org_id"),
}
"""SEC-3 (谁采集/持有/使用/运营谁负责): per collection this service stores, the field naming
the organization responsible for each record, or why it holds none (``libs.responsibility``;
the shared runtime's collections are declared there)."""
