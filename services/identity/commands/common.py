"""What every identity command shares: the acting party, saving with the outbox, audit."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from contracts.envelope import SYSTEM_ACTOR, Actor, new_envelope
from contracts.events import Event
from libs.auth.principal import Principal
from libs.outbox import stage
from libs.service import ServiceContext
from libs.store.port import Document, VersionConflict

T = TypeVar("T")
ATTEMPTS = 5


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def actor_of(principal: Principal | None) -> Actor:
    return principal.actor() if principal is not None else SYSTEM_ACTOR


def audit_actor(principal: Principal | None) -> dict[str, str]:
    actor = actor_of(principal)
    return {"org_id": actor.org_id, "user_id": actor.user_id, "role": actor.role.value}


async def save(
    ctx: ServiceContext,
    collection: str,
    doc: Document,
    events: Sequence[Event],
    *,
    actor: Actor,
    previous: Document | None,
) -> None:
    """One write: the new state and the events it caused (transactional outbox).

    A replacement keeps events still waiting in the stored outbox and names the version
    it read, so a concurrent change is refused (409) rather than overwritten."""
    envelopes = [
        new_envelope(
            event,  # type: ignore[arg-type]  # every contract event is a member of Payload
            region=ctx.region,
            actor=actor,
            subject=str(doc["_id"]),
            occurred_at=ctx.clock.now(),
        )
        for event in events
    ]
    if previous is None:
        await ctx.store.insert(collection, stage(doc, envelopes))
    else:
        doc["_outbox"] = list(previous.get("_outbox", []))
        await ctx.store.replace(collection, stage(doc, envelopes), int(previous["_version"]))
    if envelopes:
        ctx.notify_outbox()


async def audit(
    ctx: ServiceContext,
    principal: Principal | None,
    action: str,
    subject: str,
    detail: dict[str, Any] | None = None,
) -> None:
    await ctx.audit.append(
        actor=audit_actor(principal), action=action, subject=subject, detail=detail or {}
    )


async def retrying(attempt: Callable[[], Awaitable[T]]) -> T:
    """Load, decide and save again when the stored version moved meanwhile — most often
    the outbox relay clearing published events, sometimes another command (whose effect
    the new decision then sees). After ``ATTEMPTS`` the conflict answers 409."""
    for _ in range(ATTEMPTS - 1):
        try:
            return await attempt()
        except VersionConflict:
            continue
    return await attempt()
