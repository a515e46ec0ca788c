"""Catalog commands: load, decide in the domain, save state and events in one write, audit."""

from __future__ import annotations

import uuid

from contracts.envelope import new_envelope
from contracts.errors import NotFound
from libs.auth.principal import Principal
from libs.outbox import stage
from libs.sequences import next_value
from libs.service import ServiceContext
from services.catalog.domain.resource import RegisterResource, Resource, register
from services.catalog.repository import RESOURCES, from_doc, to_doc


async def register_resource(
    ctx: ServiceContext, principal: Principal, cmd: RegisterResource
) -> Resource:
    """A provider registers one of its own resources (CAT-1, CAT-4)."""
    resource_id = str(uuid.uuid4())
    sequence = await next_value(ctx.store, f"registration:{ctx.region}:resource")
    resource, payload = register(cmd, resource_id=resource_id, region=ctx.region, sequence=sequence)
    envelope = new_envelope(
        payload,
        region=ctx.region,
        actor=principal.actor(),
        subject=resource_id,
        occurred_at=ctx.clock.now(),
    )
    await ctx.store.insert(RESOURCES, stage(to_doc(resource), [envelope]))
    ctx.notify_outbox()
    await ctx.audit.append(
        actor={
            "org_id": principal.org_id,
            "user_id": principal.user_id,
            "role": principal.role.value,
        },
        action="resource.register",
        subject=resource_id,
        detail={
            "registration_code": resource.registration_code,
            "evidence_hash": resource.evidence_hash,
        },
    )
    return resource


async def get_resource(ctx: ServiceContext, resource_id: str) -> Resource:
    doc = await ctx.store.get(RESOURCES, resource_id)
    if doc is None:
        raise NotFound(f"no resource {resource_id}")
    return from_doc(doc)


async def list_resources(
    ctx: ServiceContext,
    *,
    category: str | None,
    provider_org_id: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Resource], int]:
    where: dict[str, str] = {}
    if category:
        where["category"] = category
    if provider_org_id:
        where["provider_org_id"] = provider_org_id
    docs = await ctx.store.find(
        RESOURCES, where, sort=[("registration_code", 1)], skip=offset, limit=limit
    )
    total = await ctx.store.count(RESOURCES, where)
    return [from_doc(d) for d in docs], total
