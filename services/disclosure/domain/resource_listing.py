"""The public listing of a registered resource (DIS-1: authorized content and scope).

A listing shows what a citizen may know about a resource: who provides it, what it is,
its registration code and evidence hash (so the registration can be checked), and the
names of its data items — never any data. It evolves by the catalog's events, in order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from contracts.events import ResourceChanged, ResourceRegistered, ResourceWithdrawn


@dataclass(frozen=True, slots=True)
class ResourceListing:
    resource_id: str
    region: str
    provider_org_id: str
    name: str
    description: str
    category: str
    update_frequency: str
    item_names: tuple[str, ...]
    registration_code: str
    evidence_hash: str
    status: str
    registered_at: str
    updated_at: str


def listed(event: ResourceRegistered, *, region: str, at: str) -> ResourceListing:
    return ResourceListing(
        resource_id=event.resource_id,
        region=region,
        provider_org_id=event.provider_org_id,
        name=event.name,
        description=event.description,
        category=event.category,
        update_frequency=event.update_frequency,
        item_names=tuple(i.name for i in event.items),
        registration_code=event.registration_code,
        evidence_hash=event.evidence_hash,
        status="listed",
        registered_at=at,
        updated_at=at,
    )


def changed(listing: ResourceListing, event: ResourceChanged, *, at: str) -> ResourceListing:
    return replace(
        listing,
        name=event.name,
        description=event.description,
        category=event.category,
        update_frequency=event.update_frequency,
        item_names=tuple(i.name for i in event.items),
        registration_code=event.registration_code,
        evidence_hash=event.evidence_hash,
        updated_at=at,
    )


def withdrawn(listing: ResourceListing, event: ResourceWithdrawn, *, at: str) -> ResourceListing:
    return replace(listing, status="withdrawn", updated_at=at)
