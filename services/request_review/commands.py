"""request-review commands: load, decide in the domain, save state and events in one
write, audit.

Each update reads the aggregate's document, lets a pure decision return the new document
and its events, and writes both with one ``replace`` at the version read (events already
pending in the outbox are kept: the relay may not have published them yet). A concurrent
writer, or the relay clearing the outbox, bumps the version: the command then reads again
and decides again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from contracts.envelope import Actor, Envelope, new_envelope
from contracts.errors import Forbidden, NotFound
from contracts.events import Event, Payload
from libs.auth.principal import Principal
from libs.outbox import stage
from libs.service import ServiceContext
from libs.store.port import Document, DuplicateDocument, VersionConflict
from services.request_review import repository as repo
from services.request_review.domain.calendar import local_day
from services.request_review.domain.settings import ReviewSettings
from services.request_review.domain.standing import (
    AgreementRecord,
    DeveloperRecord,
    ResourceRecord,
)

ATTEMPTS = 5
Staged = list[tuple[str, Event]]
"""Events to record, each with its subject (the aggregate id, the Kafka key)."""


def audit_actor(actor: Actor) -> dict[str, str]:
    return {"org_id": actor.org_id, "user_id": actor.user_id, "role": actor.role.value}


def envelopes(
    ctx: ServiceContext, actor: Actor, staged: Staged, *, causation: Envelope | None = None
) -> list[Envelope]:
    now = ctx.clock.now()
    return [
        new_envelope(
            cast(Payload, event),  # every domain event is a member of the Payload union
            region=ctx.region,
            actor=actor,
            subject=subject,
            occurred_at=now,
            causation=causation,
        )
        for subject, event in staged
    ]


async def insert(
    ctx: ServiceContext,
    collection: str,
    doc: Document,
    actor: Actor,
    staged: Staged,
    *,
    causation: Envelope | None = None,
) -> Document:
    """A new aggregate and its events in one write."""
    stored = await ctx.store.insert(
        collection, stage(doc, envelopes(ctx, actor, staged, causation=causation))
    )
    ctx.notify_outbox()
    return stored


async def update(
    ctx: ServiceContext,
    collection: str,
    doc_id: str,
    decide: Callable[[Document], tuple[Document, Staged]],
    actor: Actor,
    *,
    causation: Envelope | None = None,
) -> tuple[Document, Staged]:
    """Read, decide, write state and events at the version read; retried on a concurrent
    write. A decision without events writes nothing."""
    for attempt in range(ATTEMPTS):
        doc = await ctx.store.get(collection, doc_id)
        if doc is None:
            raise NotFound(f"no {collection[:-1]} {doc_id}")
        new_doc, staged = decide(doc)
        if not staged:
            return doc, staged
        new_doc["_outbox"] = list(doc.get("_outbox", []))
        stage(new_doc, envelopes(ctx, actor, staged, causation=causation))
        try:
            saved = await ctx.store.replace(collection, new_doc, doc["_version"])
        except VersionConflict:
            if attempt == ATTEMPTS - 1:
                raise
            continue
        ctx.notify_outbox()
        return saved, staged
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


async def audit(
    ctx: ServiceContext, actor: Actor, action: str, subject: str, detail: dict[str, Any]
) -> None:
    await ctx.audit.append(actor=audit_actor(actor), action=action, subject=subject, detail=detail)


def in_jurisdiction(ctx: ServiceContext, principal: Principal, rule: str) -> None:
    """A bureau acts on this platform's region only if its jurisdiction covers it (a
    county bureau does not decide for the city)."""
    if not principal.within(ctx.region):
        raise Forbidden(
            f"a bureau of region {principal.region} does not act for region {ctx.region}",
            rule=rule,
        )


async def settings(ctx: ServiceContext) -> ReviewSettings:
    doc = await ctx.store.get(repo.SETTINGS, ctx.region)
    return repo.settings_from_doc(doc) if doc else ReviewSettings()


async def define_settings(
    ctx: ServiceContext, principal: Principal, wanted: ReviewSettings
) -> ReviewSettings:
    """The bureau sets the platform region's values (REQ-5, REQ-8)."""
    in_jurisdiction(ctx, principal, "REQ-8")
    doc = repo.settings_to_doc(wanted, ctx.region)
    for attempt in range(ATTEMPTS):
        current = await ctx.store.get(repo.SETTINGS, ctx.region)
        try:
            if current is None:
                await ctx.store.insert(repo.SETTINGS, doc)
            else:
                await ctx.store.replace(repo.SETTINGS, doc, current["_version"])
            break
        except (DuplicateDocument, VersionConflict):
            if attempt == ATTEMPTS - 1:
                raise
    await audit(
        ctx,
        principal.actor(),
        "settings.define",
        f"settings:{ctx.region}",
        {
            "reevaluation_interval_days": wanted.reevaluation_interval_days,
            "default_grant_validity_days": wanted.default_grant_validity_days,
        },
    )
    return wanted


async def developer(ctx: ServiceContext, org_id: str) -> DeveloperRecord | None:
    doc = await ctx.store.get(repo.DEVELOPERS, org_id)
    return repo.developer_from_doc(doc) if doc else None


async def agreement(ctx: ServiceContext, agreement_id: str) -> AgreementRecord | None:
    doc = await ctx.store.get(repo.AGREEMENTS, agreement_id)
    return repo.agreement_from_doc(doc) if doc else None


async def agreements_of(ctx: ServiceContext, operator_org_id: str) -> list[AgreementRecord]:
    docs = await ctx.store.find(repo.AGREEMENTS, {"operator_org_id": operator_org_id})
    return [repo.agreement_from_doc(d) for d in docs]


async def operator_has_active_agreement(ctx: ServiceContext, operator_org_id: str) -> bool:
    today = local_day(ctx.clock.now())
    return any(a.is_active(today) for a in await agreements_of(ctx, operator_org_id))


async def resources(ctx: ServiceContext, ids: Sequence[str]) -> Mapping[str, ResourceRecord]:
    if not ids:
        return {}
    docs = await ctx.store.find(repo.RESOURCES, {"_id": {"$in": list(ids)}})
    return {d["_id"]: repo.resource_from_doc(d) for d in docs}


async def page(
    ctx: ServiceContext,
    collection: str,
    where: Mapping[str, Any],
    *,
    sort_key: str,
    offset: int,
    limit: int,
) -> tuple[list[Document], int]:
    docs = await ctx.store.find(collection, where, sort=[(sort_key, 1)], skip=offset, limit=limit)
    return docs, await ctx.store.count(collection, where)
