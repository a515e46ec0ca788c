"""One write of an aggregate document with its events (transactional outbox), retried on
a concurrent write, and its audit entry.

Each update reads the document, lets a pure decision return the new document and the
events to publish, and writes both with one ``replace`` at the version read (pending
events already in the document are kept: the relay may not have published them yet).
Only product-release's own events are staged: facts of other services folded into an
aggregate (an appeal, a staged output being unavailable) are never published again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from contracts.envelope import Actor, Envelope, new_envelope
from contracts.errors import NotFound
from contracts.events import Event, Payload
from contracts.topics import topic_for
from libs.outbox import stage
from libs.service import ServiceContext
from libs.store.port import Document, VersionConflict

ATTEMPTS = 5
SERVICE = "product_release"

Decision = tuple[Document, Sequence[object]]


def audit_actor(actor: Actor) -> dict[str, str]:
    return {"org_id": actor.org_id, "user_id": actor.user_id, "role": actor.role.value}


def own_events(events: Sequence[object]) -> list[Event]:
    """The events this service publishes (its topics' producer), in order."""
    return [
        e
        for e in events
        if isinstance(e, Event) and topic_for(str(e.__struct_config__.tag)).producer == SERVICE
    ]


def envelopes(
    ctx: ServiceContext,
    events: Sequence[Event],
    *,
    actor: Actor,
    subject: str,
    causation: Envelope | None = None,
) -> list[Envelope]:
    now = ctx.clock.now()
    return [
        new_envelope(
            cast(Payload, e),  # every contract event is a member of the Payload union
            region=ctx.region,
            actor=actor,
            subject=subject,
            occurred_at=now,
            causation=causation,
        )
        for e in events
    ]


def tags(events: Sequence[object]) -> list[str]:
    return [str(e.__struct_config__.tag) for e in events if isinstance(e, Event)]


async def insert(
    ctx: ServiceContext,
    collection: str,
    doc: Document,
    events: Sequence[Event],
    *,
    actor: Actor,
    action: str,
    detail: dict[str, Any],
) -> Document:
    """A new aggregate with its first events, in one write; then the audit entry."""
    staged = stage(doc, envelopes(ctx, events, actor=actor, subject=doc["_id"]))
    await ctx.store.insert(collection, staged)
    ctx.notify_outbox()
    await ctx.audit.append(
        actor=audit_actor(actor),
        action=action,
        subject=doc["_id"],
        detail={"events": tags(events), **detail},
    )
    return staged


async def update(
    ctx: ServiceContext,
    collection: str,
    doc_id: str,
    decide: Callable[[Document], Decision],
    *,
    actor: Actor,
    action: str,
    detail: Callable[[Document], dict[str, Any]] = lambda _: {},
    causation: Envelope | None = None,
) -> Document:
    """Read, decide, write state and own events at the version read, audit; retried on
    a concurrent write. A decision without events writes and records nothing."""
    for attempt in range(ATTEMPTS):
        doc = await ctx.store.get(collection, doc_id)
        if doc is None:
            raise NotFound(f"no {collection[:-1].replace('_', ' ')} {doc_id}")
        new_doc, events = decide(doc)
        if not events:
            return doc
        published = own_events(events)
        new_doc["_outbox"] = list(doc.get("_outbox", []))
        staged = stage(
            new_doc,
            envelopes(ctx, published, actor=actor, subject=doc_id, causation=causation),
        )
        try:
            await ctx.store.replace(collection, staged, doc["_version"])
        except VersionConflict:
            if attempt == ATTEMPTS - 1:
                raise
            continue
        if published:
            ctx.notify_outbox()
        await ctx.audit.append(
            actor=audit_actor(actor),
            action=action,
            subject=doc_id,
            detail={"events": tags(events), **detail(staged)},
        )
        return staged
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def kept(doc: Document, names: Sequence[str]) -> Document:
    """The fields of ``doc`` among ``names`` (what the domain state does not hold)."""
    return {name: doc[name] for name in names if name in doc}
