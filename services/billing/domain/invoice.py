"""Monthly invoices (账单) per customer: metered uses priced at the published price in
force, by tier, with the key-scenario discount or the reason a use is free; every line
names the events that caused it.

Pricing is a pure function of the period's uses in the order they happened (time, then
event id), so it does not depend on the order events arrived in, and a redelivered event
— stored once under its own id — is never counted twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from contracts.errors import DomainError
from services.billing.domain.free_use import UNPRICED, FreeUseFacts, free_reason
from services.billing.domain.price_model import (
    PriceVersion,
    Segment,
    discount_fen,
    in_force,
    split_into_tiers,
    tier_at,
)

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
"""Billing periods are calendar months of China Standard Time (no daylight saving)."""
PERIOD = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")


def period_of(at: datetime) -> str:
    """The month (YYYY-MM, China time) of the instant ``at``."""
    local = at.astimezone(CHINA)
    return f"{local.year:04d}-{local.month:02d}"  # strftime costs 3× this per metered use


def check_period(period: str) -> str:
    if not PERIOD.match(period):
        raise DomainError(f"period {period!r} is not YYYY-MM", field="period")
    return period


def period_end(period: str) -> datetime:
    """The first instant after the period, in UTC."""
    year, month = (int(x) for x in period.split("-"))
    following = date(year + (month == 12), month % 12 + 1, 1)
    return datetime(following.year, following.month, 1, tzinfo=CHINA).astimezone(UTC)


def next_period(period: str) -> str:
    return period_of(period_end(period))


def closable_period(now: datetime, grace: timedelta) -> str:
    """The latest month whose end lies at least ``grace`` in the past: the periodic close
    waits that long for uses still in flight."""
    year, month = (int(x) for x in period_of(now - grace).split("-"))
    return f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"


def check_period_over(period: str, now: datetime) -> None:
    """Invoices and distributions are made for a month that has ended."""
    if now < period_end(check_period(period)):
        raise DomainError(
            f"period {period} has not ended yet; it is billed after its last day",
            field="period",
        )


@dataclass(frozen=True, slots=True)
class MeteredUse:
    """One metered use: a ``usage.metered`` or a ``trade.executed`` event."""

    event_id: str
    customer_org_id: str
    product_id: str
    unit: str
    quantity: int
    scenario_id: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class InvoiceLine:
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
    merchant_org_id: str
    source_event_ids: tuple[str, ...]


@dataclass
class _Open:
    quantity: int
    events: list[str]


_LineKey = tuple[str, str, str, int, int, int, str]
"""product, unit, price id, tier from, unit price, discount percent, free reason."""


def price_uses(
    uses: Iterable[MeteredUse],
    prices: Sequence[PriceVersion],
    facts: FreeUseFacts,
    *,
    key_scenarios: frozenset[str] = frozenset(),
    merchants: Mapping[str, str] | None = None,
) -> list[InvoiceLine]:
    """The lines of one customer's period.

    A free use is kept as a line at 0 with its reason (BIL-1, BIL-4, BIL-6) and does not
    count toward the tiers; a charged use is priced at the version in force when it
    happened (BIL-5), split by the customer's cumulative volume of the product and unit
    (BIL-3), discounted when its scenario is a key supported one (BIL-3)."""
    merchants = merchants or {}
    used: dict[tuple[str, str], int] = {}
    lines: dict[_LineKey, _Open] = {}
    for use in sorted(uses, key=lambda u: (u.occurred_at, u.event_id)):
        reason = free_reason(
            facts,
            customer_org_id=use.customer_org_id,
            product_id=use.product_id,
            scenario_id=use.scenario_id,
            at=use.occurred_at.astimezone(CHINA),
        )
        price = None if reason else in_force(prices, use.product_id, use.unit, use.occurred_at)
        if reason is None and price is None:
            reason = UNPRICED
        if reason is not None or price is None:
            key: _LineKey = (use.product_id, use.unit, "", 0, 0, 0, reason or UNPRICED)
            _add(lines, key, use)
            continue
        discount = price.key_scenario_discount_percent if use.scenario_id in key_scenarios else 0
        volume_key = (use.product_id, use.unit)
        already = used.get(volume_key, 0)
        used[volume_key] = already + use.quantity
        schedule = price.schedule()
        segments = split_into_tiers(schedule, already, use.quantity)
        if not segments:  # a use of 0 units still appears on its line, traced
            tier = tier_at(schedule, already)
            segments = [Segment(tier.from_quantity, tier.unit_price_fen, 0)]
        for seg in segments:
            key = (
                use.product_id,
                use.unit,
                price.price_id,
                seg.tier_from,
                seg.unit_price_fen,
                discount,
                "",
            )
            _add(lines, key, use, seg.quantity)
    result = []
    for (product, unit, price_id, tier_from, unit_price, pct, reason), open_ in lines.items():
        gross = open_.quantity * unit_price
        off = discount_fen(gross, pct)
        result.append(
            InvoiceLine(
                product_id=product,
                unit=unit,
                quantity=open_.quantity,
                unit_price_fen=unit_price,
                tier_from=tier_from,
                discount_percent=pct,
                gross_fen=gross,
                discount_fen=off,
                amount_fen=gross - off,
                price_id=price_id,
                free_reason=reason,
                merchant_org_id=merchants.get(product, ""),
                source_event_ids=tuple(dict.fromkeys(open_.events)),
            )
        )
    return result


def _add(lines: dict[_LineKey, _Open], key: _LineKey, use: MeteredUse, qty: int = -1) -> None:
    open_ = lines.setdefault(key, _Open(0, []))
    open_.quantity += use.quantity if qty < 0 else qty
    open_.events.append(use.event_id)


def invoice_id(customer_org_id: str, period: str) -> str:
    """One invoice per customer and period: issuing again finds the same one."""
    return f"inv-{period}-{customer_org_id}"
