"""Billing's jurisdiction settings (辖区设置): the pricing regime (定价机制, BIL-1) and the
cultivation period (培育期, BIL-4), with the values of the source texts.

Theory of operation: ``SOURCES`` holds, per region, what its policy text says; a region
without its own entry takes its city's, then its province's, and otherwise the national
default (``NATIONAL``). The bureau may record its own values on top (a stored document,
``apply``), for example the exact publication day of its implementation plan. Nothing
here branches on a region code: the differences are the rows of ``SOURCES``.

Pricing regimes, by who made the product (``Maker``), say whether a concrete price needs
the bureau's cap (上限收费标准, i.e. a government-guided price) or may be a market price:
``CAP_REQUIRED[regime][maker]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from contracts.errors import DomainError
from contracts.topics import REGION_PATTERN

DEFAULT_CULTIVATION_YEARS = 3
"""Years of the cultivation period from the plan's publication (自方案发布起3年内, 000 §4.7)."""
MAX_CULTIVATION_YEARS = 10


class PricingRegime(StrEnum):
    """How chargeable (经营性) uses are priced in a jurisdiction (BIL-1)."""

    GUIDED_OR_MARKET = "guided_or_market"
    """Government-guided price; a market price where none is set (以政府指导价收取…无政府
    指导价的，以市场调节价收取, 000 §4.7)."""
    GUIDED_REQUIRED = "guided_required"
    """Chargeable uses under government-guided pricing (确需收费的，实行政府指导定价管理,
    001 art.21(二)): a price with no cap is refused."""
    GUIDED_FOR_OPERATOR = "guided_for_operator"
    """The operator's products at the guided price, developers' re-developed products at
    market price (授权运营机构提供的数据产品和服务执行政务指导价管理，开发利用机构再开发的
    数据产品和服务按照市场定价, 004)."""


class Maker(StrEnum):
    """Who made a product, as billing knows it from ``product.released``."""

    OPERATOR = "operator"
    DEVELOPER = "developer"
    UNKNOWN = "unknown"
    """Billing has not seen the product released: it is treated as the operator's offer."""


CAP_REQUIRED: Mapping[PricingRegime, Mapping[Maker, bool]] = {
    PricingRegime.GUIDED_OR_MARKET: {
        Maker.OPERATOR: False,
        Maker.DEVELOPER: False,
        Maker.UNKNOWN: False,
    },
    PricingRegime.GUIDED_REQUIRED: {
        Maker.OPERATOR: True,
        Maker.DEVELOPER: True,
        Maker.UNKNOWN: True,
    },
    PricingRegime.GUIDED_FOR_OPERATOR: {
        Maker.OPERATOR: True,
        Maker.DEVELOPER: False,
        Maker.UNKNOWN: True,
    },
}
"""BIL-1: whether a concrete price needs the bureau's cap, by regime and product maker."""


@dataclass(frozen=True, slots=True)
class BillingSettings:
    region: str
    pricing_regime: PricingRegime
    cultivation_starts_on: date | None
    """The implementation plan's publication (方案发布, BIL-4); None: the source has no
    cultivation period."""
    cultivation_years: int = DEFAULT_CULTIVATION_YEARS
    source: str = ""
    """Where the values come from (seed and article), or who set them."""
    defined_by: str = ""
    """The region whose stored document changed the source values; empty if none did."""


NATIONAL = BillingSettings(
    region="",
    pricing_regime=PricingRegime.GUIDED_REQUIRED,
    cultivation_starts_on=None,
    source=(
        "national price notice: the operation service fee is under government-guided "
        "pricing, the concrete price at most the cap (BIL-2); no cultivation period"
    ),
)
"""Where no local text says otherwise."""

SOURCES: Mapping[str, BillingSettings] = {
    "370300": BillingSettings(
        region="370300",
        pricing_regime=PricingRegime.GUIDED_OR_MARKET,
        cultivation_starts_on=date(2025, 7, 1),
        source=(
            "000 §4.7(七): 以政府指导价收取…无政府指导价的，以市场调节价收取; "
            "自方案发布起3年内为培育期 — the seed (the draft) names no publication day; "
            "the plan applies from 2025-07-01 (本方案自2025年7月1日起施行), used until the "
            "bureau records the day"
        ),
    ),
    "370700": BillingSettings(
        region="370700",
        pricing_regime=PricingRegime.GUIDED_REQUIRED,
        cultivation_starts_on=None,
        source="001 art.21(二): 确需收费的，实行政府指导定价管理; no cultivation period",
    ),
    "421200": BillingSettings(
        region="421200",
        pricing_regime=PricingRegime.GUIDED_REQUIRED,
        cultivation_starts_on=None,
        source=(
            "002 §5: 嚴格執行國家、省關於…價格相關政策和收費標準 (and 政府指導價 enforced by "
            "market regulation) — the national rule; no cultivation period"
        ),
    ),
    "640100": BillingSettings(
        region="640100",
        pricing_regime=NATIONAL.pricing_regime,
        cultivation_starts_on=None,
        source=(
            "003 is silent on the pricing regime (授权运营主体可以收取…收益; 按照新政策要求及时"
            "调整): the national default; no cultivation period"
        ),
    ),
    "520000": BillingSettings(
        region="520000",
        pricing_regime=PricingRegime.GUIDED_FOR_OPERATOR,
        cultivation_starts_on=None,
        source=(
            "004: 授权运营机构提供的数据产品和服务执行政务指导价管理，开发利用机构再开发的"
            "数据产品和服务按照市场定价; no cultivation period"
        ),
    ),
}
"""The source texts' values per region (GB/T 2260): Zibo, Weifang, Xianning, Yinchuan and
Guizhou (a province: its cities and counties take its values)."""


def lineage(region: str) -> tuple[str, ...]:
    """The region, then its city, then its province (each once)."""
    return tuple(dict.fromkeys((region, region[:4] + "00", region[:2] + "0000")))


def from_sources(region: str) -> BillingSettings:
    """What the source texts say for ``region``: its own entry, else the nearest enclosing
    one's, else the national default."""
    if not REGION_PATTERN.match(region):
        raise DomainError(f"{region!r} is not a GB/T 2260 region code", field="region")
    for candidate in lineage(region):
        found = SOURCES.get(candidate)
        if found is not None:
            return replace(found, region=region)
    return replace(NATIONAL, region=region)


def check_cultivation_years(years: int) -> int:
    if not 0 <= years <= MAX_CULTIVATION_YEARS:
        raise DomainError(
            f"the cultivation period is 0 to {MAX_CULTIVATION_YEARS} years",
            rule="BIL-4",
            field="cultivation_years",
        )
    return years


def check_regime(value: str) -> PricingRegime:
    try:
        return PricingRegime(value)
    except ValueError:
        allowed = ", ".join(r.value for r in PricingRegime)
        raise DomainError(
            f"pricing regime {value!r} is not one of {allowed}",
            rule="BIL-1",
            field="pricing_regime",
        ) from None


UNSET_DAY = "unset"
"""Stored for ``cultivation_starts_on`` when the bureau recorded that there is none."""


def apply(base: BillingSettings, stored: Mapping[str, object] | None) -> BillingSettings:
    """The source values with the bureau's own recorded on top (only the keys it set)."""
    if not stored:
        return base
    settings = base
    if "pricing_regime" in stored:
        settings = replace(settings, pricing_regime=check_regime(str(stored["pricing_regime"])))
    if "cultivation_starts_on" in stored:
        day = stored["cultivation_starts_on"]
        starts = None if day in (None, UNSET_DAY) else date.fromisoformat(str(day))
        settings = replace(settings, cultivation_starts_on=starts)
    if "cultivation_years" in stored:
        years = stored["cultivation_years"]
        settings = replace(settings, cultivation_years=check_cultivation_years(int(str(years))))
    changed = settings != base
    return replace(
        settings,
        defined_by=base.region if changed else "",
        source=f"{base.source}; changed by the bureau" if changed else base.source,
    )


def cap_required(regime: PricingRegime, maker: Maker) -> bool:
    """BIL-1: does a concrete price of a product by ``maker`` need the bureau's cap?"""
    return CAP_REQUIRED[regime][maker]


def check_priced_under_regime(
    settings: BillingSettings, maker: Maker, *, product_id: str, unit: str, cap_fen: int | None
) -> None:
    """BIL-1: where the regime puts a product under government-guided pricing, a concrete
    price needs the bureau's cap first; a price with no cap is refused."""
    if cap_fen is None and cap_required(settings.pricing_regime, maker):
        raise DomainError(
            f"in region {settings.region} a price of {maker.value}'s product {product_id} "
            f"is government-guided ({settings.pricing_regime.value}: {settings.source}); "
            f"the bureau has set no cap for it per {unit}, so no price can be listed yet",
            rule="BIL-1",
            field="unit_price_fen",
        )
