"""request-review's shared command steps over ``libs.aggregate``: load, decide in the
domain, save state and events in one write, audit.

Each update reads the aggregate's document, lets a pure decision return the new document
and its events (each with its subject, the Kafka key), and writes both at the version
read; a concurrent writer, or the relay clearing the outbox, makes the writer read and
decide again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from contracts.envelope import Actor, Envelope
from contracts.errors import Forbidden
from contracts.events import Event
from libs import aggregate
from libs.auth.principal import Principal
from libs.service import ServiceContext
from libs.store.port import Document
from services.request_review import repository as repo
from services.request_review.domain.calendar import local_day
from services.request_review.domain.settings import ReviewSettings
from services.request_review.domain.standing import (
    AgreementRecord,
    DeveloperRecord,
    ResourceRecord,
)

Staged = list[tuple[str, Event]]
"""Events to record, each with its subject (the aggregate id, the Kafka key)."""


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
    return await aggregate.save(
        ctx, collection, doc, staged, actor=actor, previous=None, causation=causation
    )


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
    decided: list[Staged] = [[]]

    def on_doc(doc: Document) -> aggregate.Decision:
        new_doc, staged = decide(doc)
        decided[0] = staged
        return (new_doc if staged else doc), staged

    saved = await aggregate.update(
        ctx,
        collection,
        doc_id,
        on_doc,
        actor=actor,
        causation=causation,
        missing=collection[:-1],
    )
    return saved, decided[0]


async def audit(
    ctx: ServiceContext, actor: Actor, action: str, subject: str, detail: dict[str, Any]
) -> None:
    await aggregate.audit(ctx, actor, action, subject, detail)


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
    """The bureau sets the platform region's values (REQ-5, REQ-8); the settings name the
    bureau that set them (SEC-3)."""
    in_jurisdiction(ctx, principal, "REQ-8")
    doc = repo.settings_to_doc(wanted, ctx.region, set_by_org_id=principal.org_id)
    await aggregate.upsert(
        ctx, repo.SETTINGS, ctx.region, lambda _: (doc, []), actor=principal.actor()
    )
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
