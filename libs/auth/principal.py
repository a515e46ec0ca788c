"""Who is calling: user, organization, role, region and (for machine clients) scopes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contracts.envelope import Actor, Role


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    org_id: str
    role: Role
    region: str
    scopes: frozenset[str] = frozenset()
    staff: bool = False
    """A person signed in with a password (SEC-4: their confidentiality agreement counts)."""
    confidentiality_until: date | None = None
    """The last day of the person's current confidentiality agreement (保密协议), if any."""

    def actor(self) -> Actor:
        return Actor(org_id=self.org_id, user_id=self.user_id, role=self.role)

    def within(self, region: str) -> bool:
        """True if this principal's jurisdiction covers ``region``."""
        return covers(self.region, region)

    def may_act_in(self, platform_region: str) -> bool:
        """A platform serves its own region and the regions under it (FED-1: counties run
        on the city platform); a principal from above (the province) may act there too."""
        return covers(platform_region, self.region) or covers(self.region, platform_region)


def covers(outer: str, inner: str) -> bool:
    """GB/T 2260: a province code ends in ``0000`` and covers its cities and counties;
    a city code ends in ``00`` and covers its counties (same first four digits)."""
    if outer == inner:
        return True
    if outer.endswith("0000"):
        return inner[:2] == outer[:2]
    if outer.endswith("00"):
        return inner[:4] == outer[:4]
    return False
