"""Organizations (机构) on the platform: role, region (GB/T 2260) and unified social credit
code (GB 32100), registered by the bureau of the region.

The organization id is derived from the credit code (``org-<code>``), so one legal
entity is registered once and a repeated registration is a conflict, not a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from contracts.errors import DomainError, Forbidden
from contracts.events import OrgRegistered
from contracts.identifiers import credit_code
from services.identity.domain import region

ORG_ROLES: frozenset[str] = frozenset(
    {"bureau", "provider", "operator", "developer", "supervisor", "exchange"}
)


@dataclass(frozen=True, slots=True)
class RegisterOrganization:
    name: str
    role: str
    region: str
    credit_code: str
    org_id: str = ""
    """Empty: derived from the credit code. Set only by loaders that keep ids known
    elsewhere (the demo city's organizations)."""


@dataclass(frozen=True, slots=True)
class Organization:
    org_id: str
    name: str
    role: str
    region: str
    credit_code: str
    registered_at: datetime
    registered_by: str


def org_id_for(code: str) -> str:
    return f"org-{code}"


def register(
    cmd: RegisterOrganization,
    *,
    actor_role: str,
    actor_covers: bool,
    platform_covers: bool,
    now: datetime,
    actor_org_id: str,
) -> tuple[Organization, OrgRegistered]:
    """The bureau registers an organization inside its own jurisdiction."""
    if actor_role != "bureau":
        raise Forbidden("only the bureau (实施机构) registers organizations", rule="AUTH-1")
    if not cmd.name.strip():
        raise DomainError("an organization needs a name", field="name")
    if cmd.role not in ORG_ROLES:
        raise DomainError(
            f"unknown role {cmd.role!r}; one of: {', '.join(sorted(ORG_ROLES))}", field="role"
        )
    region.check(cmd.region)
    credit_code.check(cmd.credit_code)
    if not platform_covers:
        raise DomainError(
            f"region {cmd.region} is not served by this platform",
            rule=region.STANDARD,
            field="region",
        )
    if not actor_covers:
        raise Forbidden(f"region {cmd.region} is outside the bureau's jurisdiction")
    org = Organization(
        org_id=cmd.org_id or org_id_for(cmd.credit_code),
        name=cmd.name.strip(),
        role=cmd.role,
        region=cmd.region,
        credit_code=cmd.credit_code,
        registered_at=now,
        registered_by=actor_org_id,
    )
    event = OrgRegistered(
        org_id=org.org_id,
        name=org.name,
        role=org.role,
        region=org.region,
        credit_code=org.credit_code,
    )
    return org, event
