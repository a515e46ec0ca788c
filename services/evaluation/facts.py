"""Evaluation's facts (the read model of other services' events): each consumed event
becomes one fact document keyed by its event id, so a redelivered event is the same
insert refused as a duplicate and counts never double. The fact keeps the payload, the
evaluation year of the event (local date, UTC+8) and top-level copies of the ids the
counts filter on, and the organization it answers to (``responsible_org_id``, SEC-3).
Counting happens when a figure is asked for
(``services.evaluation.commands.figures``), so late or reordered events converge.
"""

from __future__ import annotations

from typing import Any

import msgspec

from contracts.envelope import Envelope
from contracts.events import UsageMetered
from libs.service import ServiceContext
from libs.store.port import Document, DuplicateDocument
from services.evaluation.domain.calendar import fact_year
from services.evaluation.repository import FACTS

KEYS: tuple[str, ...] = (
    "operator_org_id",
    "provider_org_id",
    "resource_id",
    "scenario_id",
    "product_id",
    "objection_id",
    "application_id",
    "agreement_id",
    "authorization_id",
)
"""Payload fields copied to the top level of a fact, for equality filters."""

RESPONSIBLE_KEYS: tuple[str, ...] = ("operator_org_id", "provider_org_id", "developer_org_id")
"""SEC-3 (谁采集/持有/使用/运营谁负责): the payload fields naming the organization a fact
answers to, in order: the operator's, else the provider's (a resource's), else the
developer's; an event naming none answers to its actor (e.g. the bureau)."""


def responsible_org_of(envelope: Envelope, payload: dict[str, Any]) -> str:
    """The organization responsible for the fact of ``envelope`` (SEC-3)."""
    for key in RESPONSIBLE_KEYS:
        value = payload.get(key)
        if isinstance(value, str) and value:
            return value
    return envelope.actor.org_id


def fact_of(envelope: Envelope) -> Document:
    payload: dict[str, Any] = msgspec.to_builtins(envelope.payload)
    used_at = envelope.payload.metered_at if isinstance(envelope.payload, UsageMetered) else None
    year = fact_year(
        envelope.type,
        envelope.occurred_at,
        period=str(payload.get("period", "")),
        used_at=used_at,
    )
    fact: Document = {
        "_id": str(envelope.event_id),
        "kind": envelope.type,
        "year": year,
        "region": envelope.region,
        "at": envelope.occurred_at.isoformat(),
        "payload": payload,
        "responsible_org_id": responsible_org_of(envelope, payload),
    }
    for key in KEYS:
        value = payload.get(key)
        if isinstance(value, str) and value:
            fact[key] = value
    return fact


async def record(ctx: ServiceContext, envelope: Envelope) -> None:
    """Idempotent: keyed by the event id."""
    try:
        await ctx.store.insert(FACTS, fact_of(envelope))
    except DuplicateDocument:
        return
