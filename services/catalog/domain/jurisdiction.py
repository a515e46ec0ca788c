"""Jurisdiction settings of the catalog (辖区设置): limits that differ between regions.

Each region may set its own values; a county without its own takes its city's, a city
without its own takes its province's, and otherwise the defaults below apply (limits that
differ between cities are settings, not constants; the rules are in
``contracts/rules/catalogue.toml``). Regions are GB/T 2260 codes: ``xx0000`` a
province, ``xxxx00`` a city, anything else a county.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from contracts.errors import DomainError
from contracts.topics import REGION_PATTERN

DEFAULT_OBJECTION_DEADLINE_DAYS = 15
"""Days a provider has to correct data after an objection (CAT-5)."""
MAX_OBJECTION_DEADLINE_DAYS = 365


@dataclass(frozen=True, slots=True)
class CatalogSettings:
    region: str
    objection_deadline_days: int = DEFAULT_OBJECTION_DEADLINE_DAYS
    defined_by: str = ""
    """The region whose document these values come from; empty for the defaults."""


def check_region(region: str, *, field: str = "region") -> str:
    if not REGION_PATTERN.match(region):
        raise DomainError(
            f"{region!r} is not a six-digit GB/T 2260 region code", rule="FED-1", field=field
        )
    return region


def lineage(region: str) -> tuple[str, ...]:
    """The region, then its city, then its province (each once)."""
    chain = [region, region[:4] + "00", region[:2] + "0000"]
    return tuple(dict.fromkeys(chain))


def covers(outer: str, inner: str) -> bool:
    """True if ``inner`` lies within ``outer`` (or is it)."""
    return outer in lineage(inner)


def effective(region: str, stored: Mapping[str, CatalogSettings]) -> CatalogSettings:
    """The settings that apply in ``region``: its own, else the nearest enclosing ones."""
    for candidate in lineage(region):
        found = stored.get(candidate)
        if found is not None:
            return CatalogSettings(
                region=region,
                objection_deadline_days=found.objection_deadline_days,
                defined_by=candidate,
            )
    return CatalogSettings(region=region)


def define(region: str, *, objection_deadline_days: int) -> CatalogSettings:
    """The bureau sets the region's own values (CAT-5 deadline)."""
    check_region(region)
    if not 1 <= objection_deadline_days <= MAX_OBJECTION_DEADLINE_DAYS:
        raise DomainError(
            f"the objection deadline is 1 to {MAX_OBJECTION_DEADLINE_DAYS} days",
            rule="CAT-5",
            field="objection_deadline_days",
        )
    return CatalogSettings(
        region=region, objection_deadline_days=objection_deadline_days, defined_by=region
    )
