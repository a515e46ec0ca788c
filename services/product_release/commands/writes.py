"""product-release's use of the shared writer (``libs.aggregate``): one write of an
aggregate document with its own events (transactional outbox), retried on a concurrent
write, and its audit entry.

Only product-release's own events are staged: facts of other services folded into an
aggregate (an appeal, a staged output being unavailable) are recorded in the audit entry
but never published again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from contracts.envelope import Actor, Envelope
from contracts.events import Event
from contracts.topics import topic_for
from libs import aggregate
from libs.service import ServiceContext
from libs.store.port import Document

SERVICE = "product_release"

Decision = tuple[Document, Sequence[object]]


def own_events(events: Sequence[object]) -> list[aggregate.Staged]:
    """The events this service publishes (its topics' producer), in order."""
    return [
        e
        for e in events
        if isinstance(e, Event) and topic_for(str(e.__struct_config__.tag)).producer == SERVICE
    ]


async def insert(
    ctx: ServiceContext,
    collection: str,
    doc: Document,
    events: Sequence[aggregate.Staged],
    *,
    actor: Actor,
    action: str,
    detail: dict[str, Any],
) -> Document:
    """A new aggregate with its first events, in one write; then the audit entry."""
    saved = await aggregate.save(ctx, collection, doc, events, actor=actor, previous=None)
    await aggregate.audit(
        ctx, actor, action, doc["_id"], {"events": aggregate.event_tags(events), **detail}
    )
    return saved


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

    def on_doc(doc: Document) -> aggregate.Decision:
        new_doc, events = decide(doc)
        recorded = [e for e in events if isinstance(e, Event)]
        return (new_doc if recorded else doc), recorded

    return await aggregate.update(
        ctx,
        collection,
        doc_id,
        on_doc,
        actor=actor,
        action=action,
        detail=detail,
        causation=causation,
        missing=collection[:-1].replace("_", " "),
        publish=own_events,
    )


def kept(doc: Document, names: Sequence[str]) -> Document:
    """The fields of ``doc`` among ``names`` (what the domain state does not hold)."""
    return {name: doc[name] for name in names if name in doc}
