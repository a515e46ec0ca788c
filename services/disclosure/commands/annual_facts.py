"""The facts the annual disclosure report (DIS-2) is built from, in disclosure's own store.

One document per event, keyed by the event id: recording a redelivered event meets the
existing document and changes nothing. The report and the public pages replay the facts
through the pure ``domain.annual_report``; a city's facts (organizations, agreements,
resources, scenarios, products, caps and prices) number in the thousands, so reading
them whole per request is cheap and keeps the report a function of the facts alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from libs.service import ServiceContext
from libs.store.port import Document, DocumentStore, DuplicateDocument
from services.disclosure.domain.annual_report import AnnualReport, Fact, build_report, public_lists

FACTS = "annual_facts"


def to_doc(fact: Fact) -> Document:
    return {
        "_id": fact.event_id,
        "type": fact.type,
        "occurred_at": fact.occurred_at.isoformat(),
        "actor_org_id": fact.actor_org_id,
        "actor_role": fact.actor_role,
        "data": dict(fact.data),
    }


def from_doc(doc: Document) -> Fact:
    return Fact(
        event_id=str(doc["_id"]),
        type=str(doc["type"]),
        occurred_at=datetime.fromisoformat(str(doc["occurred_at"])),
        actor_org_id=str(doc["actor_org_id"]),
        actor_role=str(doc["actor_role"]),
        data=dict(doc["data"]),
    )


async def record(store: DocumentStore, fact: Fact) -> bool:
    """Keep the fact; False when this event was recorded before (idempotent)."""
    try:
        await store.insert(FACTS, to_doc(fact))
    except DuplicateDocument:
        return False
    return True


async def all_facts(store: DocumentStore) -> list[Fact]:
    """Every recorded fact; the domain orders them by time and event id."""
    return [from_doc(d) for d in await store.find(FACTS)]


async def annual_report(ctx: ServiceContext, year: int) -> AnnualReport:
    """The report for ``year`` from every recorded fact, generated now (DIS-2)."""
    return build_report(
        await all_facts(ctx.store), year=year, region=ctx.region, generated_at=ctx.clock.now()
    )


async def public_listing(ctx: ServiceContext) -> dict[str, Any]:
    """What the public pages list now (DIS-1): products with prices, selections,
    authorizations and approved scenarios, from every recorded fact."""
    return public_lists(await all_facts(ctx.store), region=ctx.region, at=ctx.clock.now())
