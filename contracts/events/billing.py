"""Events of billing: the price model (价格), invoices and revenue distribution (收益分配).
Money is integer fen (分), never float."""

from __future__ import annotations

import msgspec

from contracts.events.base import Event


class PriceTier(msgspec.Struct, frozen=True, kw_only=True):
    """From ``from_quantity`` units on (per period), each unit costs ``unit_price_fen``."""

    from_quantity: int
    unit_price_fen: int


class MaxRevenueSet(Event, frozen=True, tag="revenue.max_set"):
    """The operator's max allowed revenue (最高准许收入) for a year (BIL-2)."""

    operator_org_id: str
    year: int
    max_revenue_fen: int


class PriceCapSet(Event, frozen=True, tag="price.cap_set"):
    """The bureau's cap for one product (or service) and unit (BIL-2)."""

    product_id: str
    unit: str
    cap_fen: int


class PriceListed(Event, frozen=True, tag="price.listed"):
    """The operator's concrete price, published (明码标价, BIL-5); always what is charged."""

    price_id: str
    product_id: str
    unit: str
    unit_price_fen: int
    tiers: list[PriceTier] = []
    key_scenario_discount_percent: int = 0


class RevenueAlert(Event, frozen=True, tag="revenue.alert"):
    """The operator's revenue of the year reached ``threshold_percent`` (90 or 100) of its
    max allowed revenue (BIL-8)."""

    operator_org_id: str
    year: int
    threshold_percent: int
    revenue_fen: int
    max_revenue_fen: int


class InvoiceIssued(Event, frozen=True, tag="invoice.issued"):
    invoice_id: str
    customer_org_id: str
    period: str
    total_fen: int
    line_count: int


class RevenueDistributed(Event, frozen=True, tag="revenue.distributed"):
    distribution_id: str
    period: str
    government_fen: int
    operator_fen: int
    merchants_fen: int
