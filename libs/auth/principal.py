"""Who is calling: user, organization, role, region and (for machine clients) scopes."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.envelope import Actor, Role


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    org_id: str
    role: Role
    region: str
    scopes: frozenset[str] = frozenset()

    def actor(self) -> Actor:
        return Actor(org_id=self.org_id, user_id=self.user_id, role=self.role)

    def within(self, region: str) -> bool:
        """True if this principal's jurisdiction covers ``region``.

        GB/T 2260: a city code ends in ``00`` and covers its counties (same first four
        digits); a province code ends in ``0000`` and covers its cities."""
        own = self.region
        if own == region:
            return True
        if own.endswith("0000"):
            return region[:2] == own[:2]
        if own.endswith("00"):
            return region[:4] == own[:4]
        return False
