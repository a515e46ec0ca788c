"""The price model (价格): max allowed revenue (最高准许收入), price caps (上限收费标准)
and the operator's concrete, published prices (明码标价) with volume tiers and a discount
for key supported scenarios.

Theory of operation: the bureau sets a cap per product and unit; the operator lists a
price version for a product and unit, effective from a moment on; a price version is
refused when its base price or any tier is above the cap (BIL-2). What billing charges is
always the version in force at the moment of use (BIL-5), split over the tiers by the
customer's cumulative volume in the period (BIL-3). Money is integer fen (分).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contracts.errors import Conflict, DomainError

MAX_FEN = 10**15
"""Ten trillion yuan: anything above is a typing error, not a price."""


class Unit(StrEnum):
    """Charging units (BIL-2): per product, per call, per period, per data volume."""

    PRODUCT = "product"
    CALL = "call"
    MONTH = "month"
    ROW = "row"


def check_unit(unit: str) -> Unit:
    try:
        return Unit(unit)
    except ValueError:
        allowed = ", ".join(u.value for u in Unit)
        raise DomainError(
            f"unit {unit!r} is not a charging unit ({allowed})", rule="BIL-2", field="unit"
        ) from None


def check_fen(value: int, field: str, *, rule: str) -> int:
    if not 0 <= value <= MAX_FEN:
        raise DomainError(f"{field} must be 0 to {MAX_FEN} fen", rule=rule, field=field)
    return value


@dataclass(frozen=True, slots=True)
class Tier:
    """From ``from_quantity`` units on (cumulative in the period) each unit costs
    ``unit_price_fen``."""

    from_quantity: int
    unit_price_fen: int


@dataclass(frozen=True, slots=True)
class PriceVersion:
    """One listed price of a product and unit, in force from ``effective_from`` until a
    later version of the same product and unit takes over."""

    price_id: str
    product_id: str
    unit: Unit
    unit_price_fen: int
    tiers: tuple[Tier, ...]
    key_scenario_discount_percent: int
    effective_from: datetime
    listed_seq: int
    """Order of listing: of two versions effective at the same moment the later wins."""

    def schedule(self) -> tuple[Tier, ...]:
        """The base price from 0 on, then the tiers."""
        return (Tier(0, self.unit_price_fen), *self.tiers)


def check_cap(cap_fen: int) -> int:
    """The bureau's cap per product and unit (BIL-2)."""
    return check_fen(cap_fen, "cap_fen", rule="BIL-2")


def check_max_revenue(year: int, max_revenue_fen: int) -> int:
    """The operator's max allowed revenue for a year (BIL-2)."""
    if not 2000 <= year <= 2200:
        raise DomainError(f"year {year} is out of range", rule="BIL-2", field="year")
    return check_fen(max_revenue_fen, "max_revenue_fen", rule="BIL-2")


def validate_price(
    *,
    unit_price_fen: int,
    tiers: Sequence[Tier],
    key_scenario_discount_percent: int,
    cap_fen: int | None,
) -> None:
    """BIL-2: the base price and every tier are at most the cap (when the bureau set one;
    without a government-guided price a market price applies, BIL-1). BIL-3: tiers start
    above 0 and strictly ascend; the key-scenario discount is 0-100 %."""
    check_fen(unit_price_fen, "unit_price_fen", rule="BIL-2")
    previous = 0
    for index, tier in enumerate(tiers):
        field = f"tiers[{index}]"
        if tier.from_quantity <= previous:
            raise DomainError(
                f"tier {index} starts at {tier.from_quantity}; tiers start above 0 and "
                "strictly ascend",
                rule="BIL-3",
                field=f"{field}.from_quantity",
            )
        previous = tier.from_quantity
        check_fen(tier.unit_price_fen, f"{field}.unit_price_fen", rule="BIL-2")
    if not 0 <= key_scenario_discount_percent <= 100:
        raise DomainError(
            "the key-scenario discount is 0 to 100 percent",
            rule="BIL-3",
            field="key_scenario_discount_percent",
        )
    if cap_fen is None:
        return
    if unit_price_fen > cap_fen:
        raise DomainError(
            f"price {unit_price_fen} fen is above the cap of {cap_fen} fen",
            rule="BIL-2",
            field="unit_price_fen",
        )
    for index, tier in enumerate(tiers):
        if tier.unit_price_fen > cap_fen:
            raise DomainError(
                f"tier {index} price {tier.unit_price_fen} fen is above the cap of {cap_fen} fen",
                rule="BIL-2",
                field=f"tiers[{index}].unit_price_fen",
            )


def check_cap_change(cap_fen: int, in_force: Iterable[PriceVersion]) -> None:
    """A cap may not drop below a price listed under it: the operator lowers its price
    first, so what is charged never exceeds the cap (BIL-2)."""
    for price in in_force:
        highest = max(t.unit_price_fen for t in price.schedule())
        if highest > cap_fen:
            raise Conflict(
                f"price {price.price_id} charges up to {highest} fen, above the new cap of "
                f"{cap_fen} fen; the operator must lower it first",
                rule="BIL-2",
                field="cap_fen",
            )


def check_effective_from(effective_from: datetime, now: datetime) -> None:
    """A price applies from its effective time on only, never backwards (BIL-5)."""
    if effective_from < now:
        raise DomainError(
            "a price cannot take effect in the past", rule="BIL-5", field="effective_from"
        )


def in_force(
    versions: Iterable[PriceVersion], product_id: str, unit: str, at: datetime
) -> PriceVersion | None:
    """The price billing charges for a use at ``at`` (BIL-5): the latest version of the
    product and unit effective at or before ``at``."""
    found: PriceVersion | None = None
    for v in versions:
        if v.product_id != product_id or v.unit != unit or v.effective_from > at:
            continue
        if found is None or (v.effective_from, v.listed_seq) > (
            found.effective_from,
            found.listed_seq,
        ):
            found = v
    return found


@dataclass(frozen=True, slots=True)
class Segment:
    """Part of a use charged at one tier."""

    tier_from: int
    unit_price_fen: int
    quantity: int


def split_into_tiers(schedule: Sequence[Tier], already_used: int, quantity: int) -> list[Segment]:
    """Units ``already_used .. already_used + quantity`` of the period, by tier (BIL-3).

    ``schedule`` starts with the tier from 0 and ascends; the segments' quantities sum to
    ``quantity``."""
    if already_used < 0 or quantity < 0:
        raise ValueError("volumes are never negative")
    segments: list[Segment] = []
    start, end = already_used, already_used + quantity
    for index, tier in enumerate(schedule):
        upper = schedule[index + 1].from_quantity if index + 1 < len(schedule) else end
        lo, hi = max(start, tier.from_quantity), min(end, upper)
        if hi > lo:
            segments.append(Segment(tier.from_quantity, tier.unit_price_fen, hi - lo))
    return segments


def tier_at(schedule: Sequence[Tier], volume: int) -> Tier:
    """The tier the next unit after ``volume`` units falls in."""
    return [t for t in schedule if t.from_quantity <= volume][-1]


def discount_fen(gross_fen: int, percent: int) -> int:
    """The key-scenario discount on an amount, rounded half up to the fen (BIL-3)."""
    return (gross_fen * percent + 50) // 100
