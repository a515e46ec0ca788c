"""Free use (有条件无偿): public-interest scenarios (BIL-1), providers' own use of results
from their data (BIL-6) and the cultivation period (培育期, BIL-4) during which data is
supplied to the operator free of charge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from contracts.errors import DomainError

DEFAULT_CULTIVATION_YEARS = 3
"""Years from the launch during which the government supplies data free (BIL-4, 000 §4.7)."""
MAX_CULTIVATION_YEARS = 10

PUBLIC_INTEREST = "public_interest"
COMMERCIAL = "commercial"

FREE_PUBLIC_INTEREST = "public_interest"
FREE_PROVIDER_OWN_USE = "provider_own_use"
FREE_CULTIVATION_PERIOD = "cultivation_period"
UNPRICED = "no_published_price"
"""Not a free use: nothing was listed for the product and unit at the time of use, and
only a published price may be charged (BIL-5)."""

FREE_REASONS: Mapping[str, str] = {
    FREE_PUBLIC_INTEREST: "public-interest scenario, free of charge (BIL-1, 公益无偿)",
    FREE_PROVIDER_OWN_USE: "provider's own use of results from its data (BIL-6)",
    FREE_CULTIVATION_PERIOD: "data supplied to the operator in the cultivation period (BIL-4)",
    UNPRICED: "no published price in force at the time of use (BIL-5, 明码标价)",
}


def check_cultivation_years(years: int) -> int:
    if not 0 <= years <= MAX_CULTIVATION_YEARS:
        raise DomainError(
            f"the cultivation period is 0 to {MAX_CULTIVATION_YEARS} years",
            rule="BIL-4",
            field="cultivation_years",
        )
    return years


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True, slots=True)
class CultivationPeriod:
    """``[starts_on, ends_before)``: from the launch (the operator's first agreement)."""

    operator_org_id: str
    starts_on: date
    ends_before: date

    def covers(self, day: date) -> bool:
        return self.starts_on <= day < self.ends_before


def cultivation_period(operator_org_id: str, launched_on: date, years: int) -> CultivationPeriod:
    """BIL-4: ``years`` (a jurisdiction setting, default 3) from the launch."""
    return CultivationPeriod(operator_org_id, launched_on, add_years(launched_on, years))


@dataclass(frozen=True, slots=True)
class FreeUseFacts:
    """What billing knows from other services when it decides whether a use is free."""

    scenario_classes: Mapping[str, str] = field(default_factory=dict)
    """scenario id → ``public_interest`` or ``commercial`` (request-review)."""
    product_providers: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """product id → the providers whose resources the product was built from."""
    cultivation: CultivationPeriod | None = None


def free_reason(
    facts: FreeUseFacts, *, customer_org_id: str, product_id: str, scenario_id: str, on: date
) -> str | None:
    """Why a use is free, or None when it is charged at the published price."""
    if scenario_id and facts.scenario_classes.get(scenario_id) == PUBLIC_INTEREST:
        return FREE_PUBLIC_INTEREST
    if product_id and customer_org_id in facts.product_providers.get(product_id, frozenset()):
        return FREE_PROVIDER_OWN_USE
    period = facts.cultivation
    if period is not None and customer_org_id == period.operator_org_id and period.covers(on):
        return FREE_CULTIVATION_PERIOD
    return None
