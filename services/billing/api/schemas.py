"""Request and response bodies of the billing API, validated at the edge by msgspec.
Money is integer fen (分)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

Fen = Annotated[int, msgspec.Meta(ge=0, le=10**15)]
OrgId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
ProductId = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
UnitName = Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
PERIOD_PATTERN = r"^20\d\d-(0[1-9]|1[0-2])$"
"""A billing period: a month, ``YYYY-MM``."""
Period = Annotated[str, msgspec.Meta(pattern=PERIOD_PATTERN)]
BasisPoints = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
Percent = Annotated[int, msgspec.Meta(ge=0, le=100)]


class CapBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The bureau's cap (上限收费标准) for a product and unit (BIL-2)."""

    cap_fen: Fen


class CapView(msgspec.Struct, kw_only=True):
    product_id: str
    unit: str
    cap_fen: int
    set_at: str


class TierBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    from_quantity: Annotated[int, msgspec.Meta(ge=1, le=10**12)]
    unit_price_fen: Fen


class PriceBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The operator's concrete price (BIL-2, BIL-3); from ``effective_from`` (default now)."""

    product_id: ProductId
    unit: UnitName
    unit_price_fen: Fen
    tiers: Annotated[list[TierBody], msgspec.Meta(max_length=20)] = []
    key_scenario_discount_percent: Percent = 0
    effective_from: Annotated[datetime, msgspec.Meta(tz=True)] | None = None


class TierView(msgspec.Struct, kw_only=True):
    from_quantity: int
    unit_price_fen: int


class PriceView(msgspec.Struct, kw_only=True):
    """One entry of the published price list (明码标价, BIL-5)."""

    price_id: str
    product_id: str
    unit: str
    unit_price_fen: int
    tiers: list[TierView]
    key_scenario_discount_percent: int
    effective_from: str
    in_force: bool
    cap_fen: int | None
    government_guided: bool
    """A cap is set (government-guided price); otherwise a market price (BIL-1)."""


class MaxRevenueBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    operator_org_id: OrgId
    max_revenue_fen: Fen


class RevenueYearView(msgspec.Struct, kw_only=True):
    """The operator's revenue of a year against its max allowed revenue (BIL-2, BIL-8)."""

    operator_org_id: str
    year: int
    max_revenue_fen: int | None
    revenue_fen: int
    alerted_percent: list[int]
    invoice_ids: list[str]


class KeyScenarioBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    key: bool


class KeyScenarioView(msgspec.Struct, kw_only=True):
    scenario_id: str
    key: bool


class SettingsBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What the bureau records over its source text's values (BIL-1, BIL-4); a field left
    out keeps its value; ``cultivation_starts_on: null`` records that there is none."""

    pricing_regime: str | msgspec.UnsetType = msgspec.UNSET
    cultivation_starts_on: date | msgspec.UnsetType | None = msgspec.UNSET
    cultivation_years: Annotated[int, msgspec.Meta(ge=0, le=10)] | msgspec.UnsetType = msgspec.UNSET


class SettingsView(msgspec.Struct, kw_only=True):
    """The jurisdiction's pricing regime (BIL-1) and cultivation period (BIL-4)."""

    region: str
    pricing_regime: str
    cultivation_starts_on: str | None
    """The implementation plan's publication (自方案发布起, BIL-4)."""
    cultivation_years: int
    source: str
    defined_by: str


class CultivationView(msgspec.Struct, kw_only=True):
    """The cultivation period (培育期, BIL-4) and whether ``on`` lies inside it."""

    on: str
    years: int
    starts_on: str | None
    ends_before: str | None
    inside: bool


class ConfirmationBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The bureau confirms (or withdraws) a public-interest scenario's conditions (BIL-1)."""

    confirmed: bool
    conditions: Annotated[str, msgspec.Meta(max_length=2000)]


class ConfirmationEntryView(msgspec.Struct, kw_only=True):
    at: str
    confirmed: bool
    conditions: str
    by_org_id: str


class PublicInterestView(msgspec.Struct, kw_only=True):
    """A public-interest scenario: free from the bureau's confirmation on (有条件无偿)."""

    scenario_id: str
    confirmed: bool
    history: list[ConfirmationEntryView]


class InvoiceRunBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    period: Period
    customer_org_id: OrgId | None = None


class InvoiceLineView(msgspec.Struct, kw_only=True):
    product_id: str
    unit: str
    quantity: int
    unit_price_fen: int
    tier_from: int
    discount_percent: int
    gross_fen: int
    discount_fen: int
    amount_fen: int
    price_id: str
    free_reason: str
    free_reason_text: str
    merchant_org_id: str
    source_event_ids: list[str]


class InvoiceSummaryView(msgspec.Struct, kw_only=True):
    invoice_id: str
    customer_org_id: str
    period: str
    operator_org_id: str
    issued_at: str
    total_fen: int
    line_count: int


class InvoiceView(msgspec.Struct, kw_only=True):
    invoice_id: str
    customer_org_id: str
    period: str
    operator_org_id: str
    issued_at: str
    total_fen: int
    line_count: int
    lines: list[InvoiceLineView]


class SharesBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Agreed shares in basis points (sum 10000), in force from a date (BIL-7)."""

    government_bp: BasisPoints
    operator_bp: BasisPoints
    merchants_bp: BasisPoints
    effective_from: date


class SharesView(msgspec.Struct, kw_only=True):
    government_bp: int
    operator_bp: int
    merchants_bp: int
    effective_from: str
    set_by_org_id: str


class DistributionBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    period: Period


class MerchantShareView(msgspec.Struct, kw_only=True):
    org_id: str
    amount_fen: int


class LedgerEntryView(msgspec.Struct, kw_only=True):
    """``non_tax_revenue`` (非税收入) holds the government share (BIL-7)."""

    account: str
    party: str
    amount_fen: int


class DistributionView(msgspec.Struct, kw_only=True):
    distribution_id: str
    period: str
    total_fen: int
    government_fen: int
    operator_fen: int
    merchants_fen: int
    merchants: list[MerchantShareView]
    shares: SharesView
    ledger: list[LedgerEntryView]
    invoice_ids: list[str]
    distributed_at: str
