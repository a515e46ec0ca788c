"""Jurisdiction settings (辖区设置): the limits that differ between cities, one document per
region, with the values of the source texts as data (``SOURCES``), not branches in code.

What each source says (its decisive words in the comments of ``SOURCES``):

- AUTH-3 term: Zibo 000 §3.2 fixes it (有效期为3年), Xianning 002 §4(一) too (期限為3年);
  Weifang 001 art.12(四) sets a maximum (原则上最长不超过5年); Guizhou 004 a maximum
  (授权运营期限一般不超过3年 — "generally not more than": a maximum, not a fixed term);
  Yinchuan 003 is silent: the default maximum of 3 years.
- AUTH-2 selection modes: Zibo only public tender (以公开招标方式选择运营机构, 000 §3);
  Weifang 001 art.12(三) and Xianning 002 §4(一) name public tender, invited tender and
  (competitive) negotiation; Yinchuan and Guizhou (公平竞争方式) name no mode: all three.
- FED-1 whether a county bureau authorizes: Weifang yes (县级以上数据管理部门为本级实施
  单位, 001 art.3, art.5); Zibo no (区县大数据工作主管部门依托市公共数据运营平台，组织、
  推动、监督, 000 §7); Xianning no (市政數局作為實施機構，統籌推進全市, 002 §1); Yinchuan
  no (counties cooperate with the city's operator, 003 §3(四)); Guizhou is silent: default no.
- The publicity period (公示期, AUTH-2) and the correction deadline (整改期限, AUTH-6)
  have no number in any source: the defaults here (7 and 30 days) are the bureau's to
  change. AUTH-12's 20 working days are Weifang's (001 art.11); the others are silent.

A bureau may narrow what its source allows, never widen it: a fixed term stays fixed and
no term exceeds its source's years (AUTH-3). A county without its own document follows
its city's, a city without one its province's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from contracts.errors import DomainError, Forbidden

DEFAULT_MAX_TERM_YEARS = 3
ALL_SELECTION_MODES: tuple[str, ...] = (
    "public_tender",
    "invited_tender",
    "competitive_negotiation",
)
"""AUTH-2: 公开招标, 邀请招标, 竞争性谈判 — the values of ``SelectionMode``."""


@dataclass(frozen=True, slots=True)
class JurisdictionSettings:
    region: str
    max_term_years: int = DEFAULT_MAX_TERM_YEARS
    """AUTH-3: the term in years — the exact term when ``fixed_term``, else the maximum."""
    fixed_term: bool = False
    renewal_window_months: int = 3
    publicity_days: int = 7
    correction_days: int = 30
    selection_modes: tuple[str, ...] = ALL_SELECTION_MODES
    """AUTH-2: the competitive modes a tender of this jurisdiction may use."""
    counties_may_authorize: bool = False
    """FED-1: whether a county bureau publishes tenders and signs authorizations itself."""
    plan_filing_working_days: int = 20
    """AUTH-12: the implementation plan is filed with the province within these working days."""
    holidays: tuple[date, ...] = field(default_factory=tuple)
    """AUTH-12: public holidays (法定节假日) that are not working days, besides weekends."""


SOURCES: Mapping[str, JurisdictionSettings] = {
    # 000 淄博 §3: 采用整体授权模式，以公开招标方式选择运营机构; §3.2 授权运营协议有效期为3年;
    # §7 区县大数据工作主管部门依托市公共数据运营平台，组织、推动、监督.
    "370300": JurisdictionSettings(
        region="370300",
        max_term_years=3,
        fixed_term=True,
        selection_modes=("public_tender",),
        counties_may_authorize=False,
    ),
    # 001 潍坊 art.12(三) 以公开招标、邀请招标、谈判等公平竞争方式; art.12(四) 运营期限原则上
    # 最长不超过5年; art.3 县级以上数据管理部门为本级实施单位; art.11 20个工作日内备案.
    "370700": JurisdictionSettings(
        region="370700",
        max_term_years=5,
        fixed_term=False,
        selection_modes=ALL_SELECTION_MODES,
        counties_may_authorize=True,
    ),
    # 002 咸宁 §4(一) 通過公開招標、邀請招標、競爭性談判等方式確定運營機構…期限為3年;
    # §1 市政數局作為實施機構，統籌推進全市.
    "421200": JurisdictionSettings(
        region="421200",
        max_term_years=3,
        fixed_term=True,
        selection_modes=ALL_SELECTION_MODES,
        counties_may_authorize=False,
    ),
    # 003 银川: silent on the term and the selection modes (defaults); counties 结合自身优势
    # 与市公共数据授权运营主体合作 (§3(四)), they do not authorize.
    "640100": JurisdictionSettings(region="640100", counties_may_authorize=False),
    # 004 贵州 (interpretation, ch.2): 通过公平竞争方式选定 (no mode named: all three);
    # 授权运营期限一般不超过3年 (a maximum). Silent on counties: the default.
    "520000": JurisdictionSettings(
        region="520000", max_term_years=3, fixed_term=False, counties_may_authorize=False
    ),
}
"""The sources' values per jurisdiction; a region not listed has the defaults above."""

BOUNDS: dict[str, tuple[int, int, str]] = {
    "max_term_years": (1, 5, "AUTH-3"),
    "renewal_window_months": (1, 12, "AUTH-5"),
    "publicity_days": (5, 30, "AUTH-2"),
    "correction_days": (1, 180, "AUTH-6"),
}
"""Allowed range of each number a bureau may change and the rule it serves. No source
allows a term longer than 5 years (Weifang's); each region's own source caps it further."""

CHANGEABLE: frozenset[str] = frozenset({*BOUNDS, "selection_modes", "holidays"})


def source_of(region: str) -> JurisdictionSettings:
    """The source text's settings for ``region``: its own, its city's, its province's,
    else the defaults (with ``region`` set to the region asked for)."""
    city = region if region.endswith("00") else region[:4] + "00"
    for candidate in (region, city, region[:2] + "0000"):
        found = SOURCES.get(candidate)
        if found is not None:
            return replace(found, region=region)
    return JurisdictionSettings(region=region)


def defaults_for(region: str) -> JurisdictionSettings:
    """The built-in settings of a region: those of its source (AUTH-3, AUTH-2, FED-1)."""
    return source_of(region)


def is_county(region: str) -> bool:
    """GB/T 2260: a county or district code does not end in ``00``."""
    return not region.endswith("00")


def check_county_may_authorize(region: str, settings: JurisdictionSettings, what: str) -> None:
    """FED-1: a county bureau authorizes only where its jurisdiction's source says so."""
    if is_county(region) and not settings.counties_may_authorize:
        raise Forbidden(
            f"a county bureau ({region}) may not {what} here: the city implements the "
            "authorization, counties organize and supervise it (FED-1)",
            rule="FED-1",
        )


def check_selection_mode(mode: str, settings: JurisdictionSettings) -> None:
    """AUTH-2: the tender uses one of the jurisdiction's allowed competitive modes."""
    if mode not in settings.selection_modes:
        raise DomainError(
            f"region {settings.region} selects its operator only by "
            f"{', '.join(settings.selection_modes)}; {mode} is not allowed (AUTH-2)",
            rule="AUTH-2",
            field="selection_mode",
        )


def change(
    current: JurisdictionSettings,
    changes: dict[str, object],
    *,
    actor_role: str,
    actor_region: str,
) -> JurisdictionSettings:
    """The bureau of the region itself (not a county, not a neighbour) changes its settings,
    within the bounds and never beyond its source text (AUTH-3: a fixed term stays fixed,
    no longer term than the source's; AUTH-2: no mode the source does not allow)."""
    if actor_role != "bureau" or actor_region != current.region:
        raise Forbidden(
            f"only the bureau of region {current.region} changes its jurisdiction settings",
            rule="AUTH-1",
        )
    source = source_of(current.region)
    updated = current
    for name, value in changes.items():
        if name not in CHANGEABLE:
            raise DomainError(f"unknown setting {name!r}", field=name)
        if name == "holidays":
            days = value if isinstance(value, list | tuple) else []
            if not all(isinstance(d, date) for d in days) or len(days) > 60:
                raise DomainError("holidays are up to 60 dates", rule="AUTH-12", field=name)
            updated = replace(updated, holidays=tuple(sorted(set(days))))
            continue
        if name == "selection_modes":
            modes = tuple(dict.fromkeys(str(m) for m in value))  # type: ignore[attr-defined]
            widened = [m for m in modes if m not in source.selection_modes]
            if not modes or widened:
                raise DomainError(
                    f"selection_modes must be a non-empty subset of "
                    f"{', '.join(source.selection_modes)} (the source of region "
                    f"{current.region})",
                    rule="AUTH-2",
                    field=name,
                )
            updated = replace(updated, selection_modes=modes)
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            raise DomainError(f"{name} is a whole number", field=name)
        low, high, rule = BOUNDS[name]
        if not low <= value <= high:
            raise DomainError(
                f"{name} must be between {low} and {high}, got {value}", rule=rule, field=name
            )
        if name == "max_term_years":
            _check_term_against_source(value, source)
        numbers: dict[str, Any] = {name: value}
        updated = replace(updated, **numbers)
    return updated


def _check_term_against_source(years: int, source: JurisdictionSettings) -> None:
    """AUTH-3: a bureau cannot raise its own jurisdiction's term beyond its source."""
    if source.fixed_term and years != source.max_term_years:
        raise DomainError(
            f"the term of region {source.region} is fixed at {source.max_term_years} years by "
            "its source text; a bureau cannot change it",
            rule="AUTH-3",
            field="max_term_years",
        )
    if years > source.max_term_years:
        raise DomainError(
            f"region {source.region}'s source allows a term of at most "
            f"{source.max_term_years} years; {years} exceeds it",
            rule="AUTH-3",
            field="max_term_years",
        )
