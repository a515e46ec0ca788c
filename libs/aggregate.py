"""The one aggregate write (聚合写入): load, decide, stage events in the outbox, write at the
version read, retry on a concurrent write, notify the relay, audit.

Theory of operation: an aggregate is one document. A command reads it, lets a pure
decision return the new document and the events it caused, and writes both with one
``insert`` or one ``replace`` at the version it read (transactional outbox: the events
ride in the document's ``_outbox``; events still pending there are kept, the relay may
not have published them yet). A concurrent writer — most often the relay clearing
published events — bumps the version; the write is then refused with ``VersionConflict``
and the command reads and decides again, up to ``ATTEMPTS`` times, after which the
conflict answers 409. After the write the relay is woken and, when the command names an
action, one entry is appended to the audit chain (行为留痕) with the typed ``Actor``.

This module is the only place in services and libs that touches ``_outbox`` besides the
outbox relay and the stores, and the only write loop; ``tests/unit/test_import_directions``
enforces both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast

from contracts.envelope import SYSTEM_ACTOR, Actor, Envelope, new_envelope
from contracts.errors import NotFound
from contracts.events import Event, Payload
from libs.auth.principal import Principal
from libs.outbox import stage
from libs.service import ServiceContext
from libs.store.port import Document, DocumentStore, DuplicateDocument, VersionConflict

T = TypeVar("T")
ATTEMPTS = 5
"""Reads and decisions per command before a persisting conflict answers 409."""
OUTBOX = "_outbox"

WRITE_CONFLICTS: tuple[type[Exception], ...] = (VersionConflict, DuplicateDocument)
"""What a write at a stale version (or a concurrent creation) raises; a caller that gives
up on a conflict instead of deciding again (a sweep that comes back later) names this."""

Staged = Event | tuple[str, Event]
"""An event of the aggregate, or ``(subject, event)`` for an event keyed by another
aggregate's id (the Kafka key), e.g. a grant issued while an application is approved."""

Decision = tuple[Document, Sequence[Staged]]
"""What a decision returns: the new document and the events it caused."""


def actor_of(principal: Principal | None) -> Actor:
    """The acting party of a command; the platform itself when nobody is signed in."""
    return principal.actor() if principal is not None else SYSTEM_ACTOR


def audit_actor(actor: Actor) -> dict[str, str]:
    """The actor as the audit chain records it."""
    return {"org_id": actor.org_id, "user_id": actor.user_id, "role": actor.role.value}


def _split(staged: Staged, subject: str) -> tuple[str, Event]:
    return staged if isinstance(staged, tuple) else (subject, staged)


def event_tags(events: Sequence[object]) -> list[str]:
    """The event types of a decision, as the audit entry lists them."""
    found = [e[1] if isinstance(e, tuple) else e for e in events]
    return [str(e.__struct_config__.tag) for e in found if isinstance(e, Event)]


def envelopes(
    ctx: ServiceContext,
    events: Sequence[Staged],
    *,
    actor: Actor,
    subject: str,
    causation: Envelope | None = None,
) -> list[Envelope]:
    """Wrap domain events for the aggregate ``subject`` (one timestamp for all)."""
    now = ctx.clock.now()
    return [
        new_envelope(
            cast(Payload, event),  # every contract event is a member of the Payload union
            region=ctx.region,
            actor=actor,
            subject=key,
            occurred_at=now,
            causation=causation,
        )
        for key, event in (_split(e, subject) for e in events)
    ]


def keep_pending(doc: Document, previous: Document | None) -> Document:
    """``doc`` carrying the events still pending in the stored ``previous``."""
    doc[OUTBOX] = list(previous.get(OUTBOX, [])) if previous is not None else []
    return doc


def without_outbox(doc: Document) -> Document:
    """A copy of a stored document without its pending events (for views and copies)."""
    return {k: v for k, v in doc.items() if k != OUTBOX}


async def save(
    ctx: ServiceContext,
    collection: str,
    doc: Document,
    events: Sequence[Staged],
    *,
    actor: Actor,
    previous: Document | None,
    causation: Envelope | None = None,
) -> Document:
    """One write: the new state and the events it caused.

    ``previous`` is the document as read (``None`` for a new aggregate): a replacement
    keeps its pending events and names its version, so a concurrent change is refused
    with ``VersionConflict`` (``DuplicateDocument`` for a concurrent creation) rather
    than overwritten."""
    staged = stage(
        keep_pending(doc, previous),
        envelopes(ctx, events, actor=actor, subject=str(doc["_id"]), causation=causation),
    )
    if previous is None:
        saved = await ctx.store.insert(collection, staged)
    else:
        saved = await ctx.store.replace(collection, staged, int(previous["_version"]))
    if events:
        ctx.notify_outbox()
    return saved


async def insert_events(
    ctx: ServiceContext,
    collection: str,
    doc: Document,
    events: Sequence[Staged],
    *,
    actor: Actor,
) -> bool:
    """Write a new document whose content is ``events`` (staged in its outbox), unless a
    document of that ``_id`` exists already; returns whether it was written.

    For an aggregate that keeps its events beside itself rather than inside (the
    transparency log stages a run's events in a document of their own, written after
    the run is committed, so its head stays small): one ``insert_many``, which neither
    reads the document back nor fails on an id already written (an idempotent retry of
    the same write). The envelopes are staged encoded (``libs.outbox.stage``)."""
    staged = stage(doc, envelopes(ctx, events, actor=actor, subject=str(doc["_id"])), encoded=True)
    written = await ctx.store.insert_many(collection, [staged]) == 1
    if written and events:
        ctx.notify_outbox()
    return written


async def audit(
    ctx: ServiceContext,
    actor: Actor,
    action: str,
    subject: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry to the service's audit chain."""
    await ctx.audit.append(
        actor=audit_actor(actor), action=action, subject=subject, detail=detail or {}
    )


async def audit_by(
    ctx: ServiceContext,
    principal: Principal | None,
    action: str,
    subject: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """``audit`` by the signed-in principal, or the platform itself without one."""
    await audit(ctx, actor_of(principal), action, subject, detail)


async def _audit_decision(
    ctx: ServiceContext,
    actor: Actor,
    action: str | None,
    subject: str,
    events: Sequence[Staged],
    detail: Callable[[Document], dict[str, Any]] | None,
    saved: Document,
) -> None:
    if action is not None:
        extra = detail(saved) if detail else {}
        await audit(ctx, actor, action, subject, {"events": event_tags(events), **extra})


async def retrying(
    attempt: Callable[[], Awaitable[T]],
    *,
    on: tuple[type[Exception], ...] = (VersionConflict,),
    attempts: int = ATTEMPTS,
) -> T:
    """Run ``attempt`` (load, decide, save) again when the stored version moved
    meanwhile; after ``attempts`` the conflict propagates (409)."""
    for _ in range(attempts - 1):
        try:
            return await attempt()
        except on:
            continue
    return await attempt()


async def update(
    ctx: ServiceContext,
    collection: str,
    doc_id: str,
    decide: Callable[[Document], Decision],
    *,
    actor: Actor,
    action: str | None = None,
    detail: Callable[[Document], dict[str, Any]] | None = None,
    causation: Envelope | None = None,
    missing: str | None = None,
    publish: Callable[[Sequence[Staged]], Sequence[Staged]] | None = None,
) -> Document:
    """Load the aggregate, decide, save state and events at the version read, audit;
    retried on a concurrent write. A decision without events writes and records nothing
    and returns the decided document. ``NotFound`` names ``missing`` (default: the
    collection) when there is no such aggregate. ``publish`` picks the events to stage
    when a decision also records facts of other services it must not publish again (the
    audit entry lists them all)."""

    async def attempt() -> Document:
        doc = await ctx.store.get(collection, doc_id)
        if doc is None:
            what = missing or collection.rstrip("s").replace("_", " ")
            raise NotFound(f"no {what} {doc_id}")
        new_doc, events = decide(dict(doc))
        if not events:
            return new_doc
        new_doc["_id"] = doc_id
        staged = publish(events) if publish is not None else events
        saved = await save(
            ctx, collection, new_doc, staged, actor=actor, previous=doc, causation=causation
        )
        await _audit_decision(ctx, actor, action, doc_id, events, detail, saved)
        return saved

    return await retrying(attempt)


async def upsert(
    ctx: ServiceContext,
    collection: str,
    doc_id: str,
    decide: Callable[[Document | None], Decision],
    *,
    actor: Actor,
    action: str | None = None,
    detail: Callable[[Document], dict[str, Any]] | None = None,
    causation: Envelope | None = None,
) -> Document:
    """``update`` for an aggregate that may not exist yet: ``decide`` receives ``None``
    then, and the first write inserts (a concurrent creation is retried too). The
    decided document is written even without events."""

    async def attempt() -> Document:
        doc = await ctx.store.get(collection, doc_id)
        new_doc, events = decide(None if doc is None else dict(doc))
        new_doc["_id"] = doc_id
        saved = await save(
            ctx, collection, new_doc, events, actor=actor, previous=doc, causation=causation
        )
        await _audit_decision(ctx, actor, action, doc_id, events, detail, saved)
        return saved

    return await retrying(attempt, on=WRITE_CONFLICTS)


async def project(
    store: DocumentStore,
    collection: str,
    doc_id: str,
    change: Callable[[Document | None], Document | None],
    *,
    attempts: int = ATTEMPTS,
) -> Document | None:
    """A read model's write (投影): read, ``change(doc | None)``, write at the version read;
    retried on a concurrent write. ``change`` returning ``None`` writes nothing; it
    receives the stored document whole, pending events included, and returns them."""

    async def attempt() -> Document | None:
        current = await store.get(collection, doc_id)
        new = change(None if current is None else dict(current))
        if new is None:
            return None
        new["_id"] = doc_id
        if current is None:
            return await store.insert(collection, new)
        return await store.replace(collection, new, current["_version"])

    return await retrying(attempt, on=WRITE_CONFLICTS, attempts=attempts)


async def fold(
    store: DocumentStore,
    collection: str,
    doc_id: str,
    change: Callable[[Document], Document],
) -> Document:
    """``project`` for a read model folded from ``{"_id": doc_id}`` when there is none yet;
    returns what was written."""
    saved = await project(
        store, collection, doc_id, lambda current: change(dict(current or {"_id": doc_id}))
    )
    return saved if saved is not None else {"_id": doc_id}
