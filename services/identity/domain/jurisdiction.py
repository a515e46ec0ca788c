"""Jurisdiction settings (辖区设置): the limits that differ between cities, one document per
region, with the defaults of RULES.md.

AUTH-3 agreement term at most 3 years by default (Weifang 潍坊 allows 5, 001 art.12);
AUTH-5 renewal applied for within the last 3 months. The publicity period (公示期, AUTH-2)
and the correction deadline (整改期限, AUTH-6) have no number in the policies: the
defaults here (7 and 30 days) are the bureau's to change. A county without its own
document follows its city's.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.errors import DomainError, Forbidden

DEFAULT_MAX_TERM_YEARS = 3
WEIFANG = "370700"


@dataclass(frozen=True, slots=True)
class JurisdictionSettings:
    region: str
    max_term_years: int = DEFAULT_MAX_TERM_YEARS
    renewal_window_months: int = 3
    publicity_days: int = 7
    correction_days: int = 30


BOUNDS: dict[str, tuple[int, int, str]] = {
    "max_term_years": (1, 5, "AUTH-3"),
    "renewal_window_months": (1, 12, "AUTH-5"),
    "publicity_days": (5, 30, "AUTH-2"),
    "correction_days": (1, 180, "AUTH-6"),
}
"""Allowed range of each setting and the rule it serves. No source policy allows a term
longer than 5 years (Weifang's)."""


def defaults_for(region: str) -> JurisdictionSettings:
    """The built-in settings of a region: AUTH-3 gives Weifang and its counties 5 years."""
    if region[:4] == WEIFANG[:4]:
        return JurisdictionSettings(region=region, max_term_years=5)
    return JurisdictionSettings(region=region)


def change(
    current: JurisdictionSettings,
    changes: dict[str, int],
    *,
    actor_role: str,
    actor_region: str,
) -> JurisdictionSettings:
    """The bureau of the region itself (not a county, not a neighbour) changes its settings."""
    if actor_role != "bureau" or actor_region != current.region:
        raise Forbidden(
            f"only the bureau of region {current.region} changes its jurisdiction settings",
            rule="AUTH-1",
        )
    values = {
        "max_term_years": current.max_term_years,
        "renewal_window_months": current.renewal_window_months,
        "publicity_days": current.publicity_days,
        "correction_days": current.correction_days,
    }
    for name, value in changes.items():
        if name not in BOUNDS:
            raise DomainError(f"unknown setting {name!r}", field=name)
        low, high, rule = BOUNDS[name]
        if not low <= value <= high:
            raise DomainError(
                f"{name} must be between {low} and {high}, got {value}", rule=rule, field=name
            )
        values[name] = value
    return JurisdictionSettings(region=current.region, **values)
