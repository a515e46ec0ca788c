"""Keeps the public resource listings in step with ``pdo.<region>.catalog.resources.v1``.

Each handler is keyed by the resource id, so a replayed event rewrites the same listing
with the same content: replays converge instead of doubling.
"""

from __future__ import annotations

from contracts.envelope import Envelope
from contracts.events import ResourceChanged, ResourceRegistered, ResourceWithdrawn
from contracts.expect import UnexpectedEvent, expect
from libs import aggregate
from libs.service import ServiceContext
from libs.store.port import Document, DuplicateDocument
from services.disclosure.domain import resource_listing
from services.disclosure.repository import LISTINGS, from_doc, to_doc


async def on_resource_registered(ctx: ServiceContext, envelope: Envelope) -> None:
    registered = expect(envelope, ResourceRegistered)
    listing = resource_listing.listed(
        registered, region=envelope.region, at=envelope.occurred_at.isoformat()
    )
    try:
        await ctx.store.insert(LISTINGS, to_doc(listing))
    except DuplicateDocument:
        return  # already listed by an earlier delivery of this event


async def on_resource_changed(ctx: ServiceContext, envelope: Envelope) -> None:
    expect(envelope, ResourceChanged)
    await _update(ctx, envelope)


async def on_resource_withdrawn(ctx: ServiceContext, envelope: Envelope) -> None:
    expect(envelope, ResourceWithdrawn)
    await _update(ctx, envelope)


async def _update(ctx: ServiceContext, envelope: Envelope) -> None:
    at = envelope.occurred_at.isoformat()

    def change(doc: Document | None) -> Document:
        if doc is None:
            raise LookupError(f"resource {envelope.subject} changed before it was listed")
        current = from_doc(doc)
        payload = envelope.payload
        if isinstance(payload, ResourceChanged):
            updated = resource_listing.changed(current, payload, at=at)
        elif isinstance(payload, ResourceWithdrawn):
            updated = resource_listing.withdrawn(current, payload, at=at)
        else:
            raise UnexpectedEvent(f"unexpected event {envelope.type}")
        return to_doc(updated)

    # A listing is changed by every event of its resource: many may race on one document.
    await aggregate.project(ctx.store, LISTINGS, envelope.subject, change, attempts=100)
