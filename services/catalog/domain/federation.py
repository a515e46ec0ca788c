"""The federated catalog (联邦目录): another region's resources as this platform sees them.

FED-1: a county instance reads the city's operation catalog from the city's topic and
shows it beside its own. FED-2: a province reads the resources its cities publish
upward, and a city receives the province's resources flowing back (回流); either way
the region of origin (来源区划) is recorded on every entry.

Theory of operation: ``decide_relation`` says whether a region's events may enter this
platform's federated catalog at all (only regions on its configured jurisdiction chain,
never its own: its own resources are in its own catalog). ``evolve`` folds one event of
the origin's resource stream into the entry it concerns. It is pure and idempotent: an
event already applied (same event id) or older than the one applied last changes
nothing, so redelivery and replay converge; each entry keeps the id of the city event
that made it what it is (``source_event_id``), so it is traceable to it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from contracts.envelope import Envelope
from contracts.errors import DomainError
from contracts.events import (
    ResourceChanged,
    ResourceNegativeListed,
    ResourcePublished,
    ResourceRegistered,
    ResourceWithdrawn,
)

Relation = Literal["parent", "child"]
"""``parent``: a region above this platform (FED-1, and 回流 from the province, FED-2);
``child``: a region below it publishing upward (FED-2)."""

FederatedStatus = Literal["registered", "published", "withdrawn"]


@dataclass(frozen=True, slots=True)
class FederatedResource:
    """One resource of another region, as its own catalog last announced it."""

    origin_region: str
    """来源区划: the GB/T 2260 code of the region whose catalog holds the resource."""
    resource_id: str
    relation: Relation
    provider_org_id: str
    name: str = ""
    description: str = ""
    category: str = ""
    registration_code: str = ""
    status: FederatedStatus = "registered"
    published_items: tuple[str, ...] = ()
    source_event_id: str = ""
    """The id of the origin's event that last changed this entry (traceability)."""
    source_occurred_at: datetime | None = None
    events_applied: int = 0

    @property
    def key(self) -> str:
        """One entry per origin and resource: ``<origin region>:<resource id>``."""
        return federated_key(self.origin_region, self.resource_id)


def federated_key(origin_region: str, resource_id: str) -> str:
    return f"{origin_region}:{resource_id}"


def decide_relation(
    own_region: str, origin_region: str, parents: tuple[str, ...], children: tuple[str, ...]
) -> Relation:
    """FED-1 and FED-2: how ``origin_region`` stands to this platform; an event of a
    region off the configured chain, or of the platform's own region, is refused."""
    if origin_region in parents:
        return "parent"
    if origin_region in children:
        return "child"
    if origin_region == own_region:
        raise DomainError(
            f"region {origin_region} is this platform's own: its resources are in its own "
            "catalog, not the federated one",
            rule="FED-1",
            field="region",
        )
    raise DomainError(
        f"region {origin_region} is not on the jurisdiction chain of platform {own_region} "
        f"(parents {list(parents)}, children {list(children)})",
        rule="FED-2",
        field="region",
    )


def evolve(
    current: FederatedResource | None, envelope: Envelope, relation: Relation
) -> FederatedResource | None:
    """The entry after ``envelope`` (an event of the origin's resource stream); None
    when the event creates nothing (an event about a resource never seen before that
    does not carry its description). Idempotent: see the module docstring."""
    payload = envelope.payload
    event_id = str(envelope.event_id)
    if current is not None and (
        current.source_event_id == event_id
        or (
            current.source_occurred_at is not None
            and envelope.occurred_at < current.source_occurred_at
        )
    ):
        return current
    base = current
    if isinstance(payload, ResourceRegistered | ResourceChanged):
        base = FederatedResource(
            origin_region=envelope.region,
            resource_id=payload.resource_id,
            relation=relation,
            provider_org_id=payload.provider_org_id,
            name=payload.name,
            description=payload.description,
            category=payload.category,
            registration_code=payload.registration_code,
            status=current.status if current is not None else "registered",
            published_items=current.published_items if current is not None else (),
            events_applied=current.events_applied if current is not None else 0,
        )
    elif base is None:
        return None
    elif isinstance(payload, ResourcePublished):
        base = replace(base, status="published", published_items=tuple(payload.items))
    elif isinstance(payload, ResourceWithdrawn):
        base = replace(base, status="withdrawn", published_items=())
    elif isinstance(payload, ResourceNegativeListed):
        if payload.item_name is None:
            base = replace(base, status="withdrawn", published_items=())
        else:
            kept = tuple(i for i in base.published_items if i != payload.item_name)
            base = replace(base, published_items=kept)
    return replace(
        base,
        source_event_id=event_id,
        source_occurred_at=envelope.occurred_at,
        events_applied=base.events_applied + 1,
    )
