"""Provider supply evaluation (供给评价, EVA-4) and contribution indicators per resource
(贡献评价, EVA-6), from counts the service keeps of catalog, request and product events."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class SupplyCounts:
    provider_org_id: str
    resources_registered: int = 0
    resources_published: int = 0
    objections_raised: int = 0
    objections_resolved_in_time: int = 0
    objections_resolved_late: int = 0
    objections_escalated: int = 0
    objections_open: int = 0


@dataclass(frozen=True, slots=True)
class SupplyScore:
    counts: SupplyCounts
    publication_rate: Decimal
    """Share of registered resources published in the operation catalog (CAT-3)."""
    objection_handling: Decimal
    """Share of objections resolved in time (CAT-5); 100 with no objection."""
    score: Decimal


def supply_score(c: SupplyCounts) -> SupplyScore:
    """EVA-4: half for publishing what was registered, half for handling objections in
    time; an escalated objection counts against the provider even if resolved later."""
    publication = (
        Decimal(c.resources_published) * HUNDRED / Decimal(c.resources_registered)
        if c.resources_registered
        else Decimal(0)
    )
    publication = min(HUNDRED, publication)
    judged = c.objections_resolved_in_time + c.objections_escalated
    handling = (
        Decimal(c.objections_resolved_in_time) * HUNDRED / Decimal(judged) if judged else HUNDRED
    )
    score = (publication + handling) / 2
    return SupplyScore(
        counts=c,
        publication_rate=publication.quantize(CENT, ROUND_HALF_UP),
        objection_handling=handling.quantize(CENT, ROUND_HALF_UP),
        score=score.quantize(CENT, ROUND_HALF_UP),
    )


@dataclass(frozen=True, slots=True)
class Contribution:
    """EVA-6: what one resource contributed — approved applications (each yields a
    grant) naming it, products released from those scenarios, and metered usage."""

    resource_id: str
    provider_org_id: str
    applications_approved: int
    scenarios: int
    products: int
    usage_quantity: int

    @property
    def index(self) -> int:
        """A plain contribution index: grants weigh 10, products 20, usage 1 per 100."""
        return 10 * self.applications_approved + 20 * self.products + self.usage_quantity // 100
