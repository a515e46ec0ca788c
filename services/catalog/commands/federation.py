"""The federated catalog's service layer (联邦目录): folds other regions' resource events
into this platform's ``federated_resources`` collection and lists them (FED-1, FED-2).

``apply`` is called (``handlers/on_parent_catalog_resources``) for records of a parent's
or a child's ``catalog.resources`` topic only (``libs.bus.federation``): never for the
platform's own resources. The inbox drops redelivered events; the domain's ``evolve``
makes a replay harmless anyway; a concurrent write is retried by the shared writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from contracts.envelope import Envelope
from libs import aggregate
from libs.service import ServiceContext
from libs.store.port import Document
from services.catalog.domain.federation import (
    FederatedResource,
    decide_relation,
    evolve,
    federated_key,
)

FEDERATED_RESOURCES = "federated_resources"


def to_doc(entry: FederatedResource) -> Document:
    return {
        "_id": entry.key,
        "origin_region": entry.origin_region,
        "resource_id": entry.resource_id,
        "relation": entry.relation,
        "provider_org_id": entry.provider_org_id,
        "name": entry.name,
        "description": entry.description,
        "category": entry.category,
        "registration_code": entry.registration_code,
        "status": entry.status,
        "published_items": list(entry.published_items),
        "source_event_id": entry.source_event_id,
        "source_occurred_at": (
            entry.source_occurred_at.isoformat() if entry.source_occurred_at else None
        ),
        "events_applied": entry.events_applied,
    }


def from_doc(doc: Mapping[str, Any]) -> FederatedResource:
    occurred = doc.get("source_occurred_at")
    return FederatedResource(
        origin_region=doc["origin_region"],
        resource_id=doc["resource_id"],
        relation=doc["relation"],
        provider_org_id=doc["provider_org_id"],
        name=doc["name"],
        description=doc["description"],
        category=doc["category"],
        registration_code=doc["registration_code"],
        status=doc["status"],
        published_items=tuple(doc["published_items"]),
        source_event_id=doc["source_event_id"],
        source_occurred_at=datetime.fromisoformat(occurred) if occurred else None,
        events_applied=int(doc["events_applied"]),
    )


async def apply(ctx: ServiceContext, envelope: Envelope) -> FederatedResource | None:
    """Fold one event of another region's resource stream into its entry: a read-model
    write through the shared writer's ``project`` (retried on a concurrent write)."""
    relation = decide_relation(ctx.region, envelope.region, ctx.parents, ctx.children)
    key = federated_key(envelope.region, envelope.subject)

    def change(doc: Document | None) -> Document | None:
        current = from_doc(doc) if doc is not None else None
        after = evolve(current, envelope, relation)
        if after is None or after == current:
            return None
        return to_doc(after)

    saved = await aggregate.project(ctx.store, FEDERATED_RESOURCES, key, change)
    return from_doc(saved) if saved is not None else None


async def listing(
    ctx: ServiceContext, origin_region: str | None = None, *, skip: int = 0, limit: int = 0
) -> tuple[list[FederatedResource], int]:
    """One window of the federated entries (of one origin region, or all) by key, paged in
    the store, and how many there are in all; ``limit`` 0 means every entry."""
    where = {"origin_region": origin_region} if origin_region else None
    docs = await ctx.store.find(
        FEDERATED_RESOURCES, where, sort=(("_id", 1),), skip=skip, limit=limit
    )
    return [from_doc(d) for d in docs], await ctx.store.count(FEDERATED_RESOURCES, where)
