"""Free use (无偿使用): public-interest uses on conditions the bureau confirmed (有条件无偿,
BIL-1), the cultivation period (培育期, BIL-4) during which the government supplies data
to the operator free of charge, and providers' free use of what was produced from the
data they supplied free (BIL-6).

Theory of operation: a use is free only for one of the reasons below, decided from the
facts billing holds at the moment of the use; everything else is charged at the
published price (BIL-5).

- BIL-1: a public-interest scenario is free only from the bureau's confirmation of its
  conditions on, and until the bureau withdraws it. Without a confirmation the use is
  charged: free use is the conditional exception (有条件无偿使用, 001 art.21(一); 市大数据局
  指导推动…有条件无偿使用, 000 §4.7), and the ordinary rule for a use that is not
  confirmed free is the operation service fee. Billing meters uses after they happened,
  so it cannot refuse them; it charges them.
- BIL-4: from the plan's publication (a jurisdiction date, not an agreement's) for the
  jurisdiction's years, every operator authorized on the day of the use — a later or
  replacement operator too — is supplied free.
- BIL-6: a provider uses free a product made from its data only when that data was
  supplied free: the product's grant was issued inside the cultivation period.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from contracts.errors import DomainError

PUBLIC_INTEREST = "public_interest"
COMMERCIAL = "commercial"

FREE_PUBLIC_INTEREST = "public_interest"
FREE_PROVIDER_OWN_USE = "provider_own_use"
FREE_CULTIVATION_PERIOD = "cultivation_period"
UNPRICED = "no_published_price"
"""Not a free use: nothing was listed for the product and unit at the time of use, and
only a published price may be charged (BIL-5)."""

FREE_REASONS: Mapping[str, str] = {
    FREE_PUBLIC_INTEREST: "public-interest use on the bureau's confirmed conditions (BIL-1)",
    FREE_PROVIDER_OWN_USE: "provider's use of results from data it supplied free (BIL-6)",
    FREE_CULTIVATION_PERIOD: "data supplied to the operator in the cultivation period (BIL-4)",
    UNPRICED: "no published price in force at the time of use (BIL-5, 明码标价)",
}


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True, slots=True)
class CultivationPeriod:
    """``[starts_on, ends_before)``: from the implementation plan's publication (BIL-4)."""

    starts_on: date
    ends_before: date

    def covers(self, day: date) -> bool:
        return self.starts_on <= day < self.ends_before


def cultivation_period(starts_on: date | None, years: int) -> CultivationPeriod | None:
    """BIL-4: ``years`` from the plan's publication; None when the jurisdiction has none."""
    if starts_on is None or years <= 0:
        return None
    return CultivationPeriod(starts_on, add_years(starts_on, years))


@dataclass(frozen=True, slots=True)
class OperatorTerm:
    """An operator's agreement term (授权运营协议), inclusive of both days."""

    operator_org_id: str
    starts_on: date
    ends_on: date

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True, slots=True)
class Confirmation:
    """The bureau's decision on a public-interest scenario's conditions (BIL-1), from
    ``at`` on: ``confirmed`` False withdraws an earlier confirmation."""

    at: datetime
    confirmed: bool
    conditions: str
    by_org_id: str


def check_confirmation(scenario_class: str | None, conditions: str, confirmed: bool) -> None:
    """BIL-1: only a public-interest scenario can be confirmed free, and the bureau says
    on which conditions."""
    if scenario_class is None:
        raise DomainError(
            "billing has not seen this scenario filed; confirm it once it is",
            rule="BIL-1",
            field="scenario_id",
        )
    if confirmed and scenario_class != PUBLIC_INTEREST:
        raise DomainError(
            f"a {scenario_class} scenario pays the operation service fee; only public "
            "governance and public-welfare uses are free on conditions",
            rule="BIL-1",
            field="scenario_id",
        )
    if not conditions.strip():
        raise DomainError(
            "state the conditions confirmed (or why they no longer hold)",
            rule="BIL-1",
            field="conditions",
        )


def confirmed_at(history: Sequence[Confirmation], at: datetime) -> bool:
    """The latest decision at or before ``at`` confirmed the conditions (BIL-1)."""
    in_force = [c for c in history if c.at <= at]
    return bool(in_force) and max(in_force, key=lambda c: c.at).confirmed


@dataclass(frozen=True, slots=True)
class Supply:
    """The data a product was made from: its providers and the day the grant supplied it."""

    providers: frozenset[str]
    supplied_on: date | None


@dataclass(frozen=True, slots=True)
class FreeUseFacts:
    """What billing knows from other services when it decides whether a use is free."""

    scenario_classes: Mapping[str, str] = field(default_factory=dict)
    """scenario id → ``public_interest`` or ``commercial`` (request-review)."""
    confirmations: Mapping[str, tuple[Confirmation, ...]] = field(default_factory=dict)
    """scenario id → the bureau's decisions on its public-interest conditions (BIL-1)."""
    product_supply: Mapping[str, Supply] = field(default_factory=dict)
    """product id → the providers whose resources it was built from, and when supplied."""
    operators: tuple[OperatorTerm, ...] = ()
    cultivation: CultivationPeriod | None = None


def free_reason(
    facts: FreeUseFacts, *, customer_org_id: str, product_id: str, scenario_id: str, at: datetime
) -> str | None:
    """Why a use at ``at`` is free, or None when it is charged; ``at`` is in China
    Standard Time, so its date is the day of the use."""
    on = at.date()
    if (
        scenario_id
        and facts.scenario_classes.get(scenario_id) == PUBLIC_INTEREST
        and confirmed_at(facts.confirmations.get(scenario_id, ()), at)
    ):
        return FREE_PUBLIC_INTEREST
    period = facts.cultivation
    supply = facts.product_supply.get(product_id) if product_id else None
    if (
        supply is not None
        and customer_org_id in supply.providers
        and period is not None
        and supply.supplied_on is not None
        and period.covers(supply.supplied_on)
    ):
        return FREE_PROVIDER_OWN_USE
    if (
        period is not None
        and period.covers(on)
        and any(t.operator_org_id == customer_org_id and t.covers(on) for t in facts.operators)
    ):
        return FREE_CULTIVATION_PERIOD
    return None
