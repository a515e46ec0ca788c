"""The published price (明码标价, BIL-5) as the bridge applies it: what a quantity costs.

Theory of operation: a listing carries the price terms billing published for the product
and unit — a unit price in fen and optional progressive tiers (阶梯价格, BIL-3). A tier
``from_quantity=q`` means that once ``q`` units of the trade are counted, each further
unit costs the tier's price (the first ``q`` units stay at the lower rates). Money is
integer fen, never float.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.errors import DomainError


@dataclass(frozen=True, slots=True)
class Tier:
    """From ``from_quantity`` units on, each unit costs ``unit_price_fen``."""

    from_quantity: int
    unit_price_fen: int


@dataclass(frozen=True, slots=True)
class PriceTerms:
    """One published price: product, unit, unit price and tiers (BIL-3, BIL-5)."""

    price_id: str
    product_id: str
    unit: str
    unit_price_fen: int
    tiers: tuple[Tier, ...] = ()

    def same_charge(self, other: PriceTerms) -> bool:
        """True when both charge every quantity the same (the price id may differ)."""
        return (
            self.unit == other.unit
            and self.unit_price_fen == other.unit_price_fen
            and sorted_tiers(self.tiers) == sorted_tiers(other.tiers)
        )


def sorted_tiers(tiers: tuple[Tier, ...]) -> tuple[Tier, ...]:
    return tuple(sorted(tiers, key=lambda t: t.from_quantity))


def amount_due(terms: PriceTerms, quantity: int) -> int:
    """What ``quantity`` units cost at the published price, tiers applied (BIL-3, BIL-5)."""
    if quantity < 1:
        raise DomainError("a quantity is at least 1", rule="TRD-1", field="quantity")
    # Rates by band: [0, q1) at the unit price, [q1, q2) at tier 1's price, and so on.
    bands: list[tuple[int, int]] = [(0, terms.unit_price_fen)]
    for tier in sorted_tiers(terms.tiers):
        if tier.from_quantity <= bands[-1][0]:
            bands[-1] = (bands[-1][0], tier.unit_price_fen)
        else:
            bands.append((tier.from_quantity, tier.unit_price_fen))
    total = 0
    for index, (start, price) in enumerate(bands):
        end = bands[index + 1][0] if index + 1 < len(bands) else quantity
        counted = max(0, min(end, quantity) - start)
        total += counted * price
    return total
