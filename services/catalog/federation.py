"""The federated catalog's service layer (联邦目录): folds other regions' resource events
into this platform's ``federated_resources`` collection and lists them (FED-1, FED-2).

The handler is called by the runtime's consumer group ``pdo.<own region>.catalog`` for
records of a parent's or a child's ``catalog.resources`` topic only (``libs.bus.federation``):
it never sees the platform's own resources. The inbox drops redelivered events; the
domain's ``evolve`` makes a replay harmless anyway; a conflicting concurrent write is
retried once, then left to the consumer's retries (and its own-region dead letters).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from contracts.envelope import Envelope
from libs.bus.consumer import EnvelopeHandler
from libs.service import ServiceContext
from libs.store.port import Document, DuplicateDocument, VersionConflict
from services.catalog.domain.federation import (
    FederatedResource,
    decide_relation,
    evolve,
    federated_key,
)
from services.catalog.handlers.on_catalog_resources import RESOURCE_EVENT_TYPES

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
    """Fold one event of another region's resource stream into its entry."""
    relation = decide_relation(ctx.region, envelope.region, ctx.parents, ctx.children)
    key = federated_key(envelope.region, envelope.subject)
    for _ in range(2):
        doc = await ctx.store.get(FEDERATED_RESOURCES, key)
        current = from_doc(doc) if doc is not None else None
        after = evolve(current, envelope, relation)
        if after is None or after == current:
            return after
        try:
            if doc is None:
                await ctx.store.insert(FEDERATED_RESOURCES, to_doc(after))
            else:
                await ctx.store.replace(
                    FEDERATED_RESOURCES, to_doc(after), expected_version=int(doc["_version"])
                )
            return after
        except (VersionConflict, DuplicateDocument):
            continue
    raise VersionConflict(FEDERATED_RESOURCES, key, -1)


async def listing(ctx: ServiceContext, origin_region: str | None = None) -> list[FederatedResource]:
    where = {"origin_region": origin_region} if origin_region else None
    docs = await ctx.store.find(FEDERATED_RESOURCES, where, sort=(("_id", 1),))
    return [from_doc(d) for d in docs]


def handlers(ctx: ServiceContext) -> Mapping[str, EnvelopeHandler]:
    """Every event type of the resource topic, for records of other regions."""

    async def on_foreign_resource(envelope: Envelope) -> None:
        await apply(ctx, envelope)

    return {event_type: on_foreign_resource for event_type in RESOURCE_EVENT_TYPES}
