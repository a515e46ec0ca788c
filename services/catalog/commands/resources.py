"""Catalog commands on resources (资源登记与运营目录): load, decide in the domain, save state
and events in one write, audit — through the shared writer ``libs.aggregate``.

Each update reads the resource document, lets a pure decision return the new resource
and its events, and writes both at the version read; a concurrent writer, or the relay
clearing the outbox, makes the writer read and decide again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from contracts.envelope import Actor
from contracts.errors import Forbidden, NotFound
from contracts.events import Event
from libs import aggregate
from libs.auth.principal import Principal
from libs.sequences import next_value
from libs.service import ServiceContext
from libs.store.port import Document
from services.catalog.domain import negative_list, operation_catalog
from services.catalog.domain.listing import Listing
from services.catalog.domain.resource import RegisterResource, Resource, cancel, change, register
from services.catalog.repository import (
    NEGATIVE_LIST,
    RESOURCES,
    from_doc,
    negative_entry_docs,
    negative_entry_from_doc,
    to_doc,
)

Decision = tuple[Resource, list[Event]]


def registration_detail(resource: Resource) -> dict[str, Any]:
    """What the audit chain keeps of a registration act (CAT-4)."""
    act = resource.registrations[-1] if resource.registrations else None
    return {
        "act": act.kind if act else "first",
        "registration_code": resource.registration_code,
        "evidence_hash": resource.evidence_hash,
    }


async def _next_code_sequence(ctx: ServiceContext) -> int:
    return await next_value(ctx.store, f"registration:{ctx.region}:resource")


async def register_resource(
    ctx: ServiceContext, principal: Principal, cmd: RegisterResource
) -> Resource:
    """A provider registers one of its own resources (CAT-1, CAT-4)."""
    resource_id = str(uuid.uuid4())
    sequence = await _next_code_sequence(ctx)
    now = ctx.clock.now()
    resource, payload = register(
        cmd, resource_id=resource_id, region=ctx.region, sequence=sequence, at=now.isoformat()
    )
    actor = principal.actor()
    await aggregate.save(ctx, RESOURCES, to_doc(resource), [payload], actor=actor, previous=None)
    await aggregate.audit(
        ctx, actor, "resource.register", resource_id, registration_detail(resource)
    )
    return resource


async def get_resource(ctx: ServiceContext, resource_id: str) -> Resource:
    doc = await ctx.store.get(RESOURCES, resource_id)
    if doc is None:
        raise NotFound(f"no resource {resource_id}")
    return from_doc(doc)


async def update_resource(
    ctx: ServiceContext,
    actor: Actor,
    resource_id: str,
    decide: Callable[[Resource], Decision],
    *,
    action: str,
    detail: Callable[[Resource], dict[str, Any]] = lambda _: {},
) -> Resource:
    """Read, decide, write state and events at the version read, audit; retried on a
    concurrent write. A decision without events writes and records nothing."""

    def on_doc(doc: Document) -> aggregate.Decision:
        after, events = decide(from_doc(doc))
        return to_doc(after), events

    saved = await aggregate.update(
        ctx,
        RESOURCES,
        resource_id,
        on_doc,
        actor=actor,
        action=action,
        detail=lambda d: detail(from_doc(d)),
        missing="resource",
    )
    return from_doc(saved)


def _in_jurisdiction(principal: Principal, resource: Resource, rule: str) -> None:
    """A bureau acts on the resources of its own region and the regions inside it."""
    if not principal.within(resource.home_region):
        raise Forbidden(
            f"resource {resource.resource_id} belongs to region {resource.home_region}, "
            f"outside the jurisdiction of {principal.region}",
            rule=rule,
        )


async def change_registration(
    ctx: ServiceContext, principal: Principal, resource_id: str, cmd: RegisterResource
) -> Resource:
    """Change registration (变更登记) of the provider's own resource (CAT-4)."""
    sequence = await _next_code_sequence(ctx)
    at = ctx.clock.now().isoformat()
    return await update_resource(
        ctx,
        principal.actor(),
        resource_id,
        lambda r: change(r, cmd, actor_org_id=principal.org_id, sequence=sequence, at=at),
        action="resource.change",
        detail=registration_detail,
    )


async def cancel_registration(
    ctx: ServiceContext, principal: Principal, resource_id: str, reason: str
) -> Resource:
    """Cancellation registration (注销登记) of the provider's own resource (CAT-4)."""
    sequence = await _next_code_sequence(ctx)
    at = ctx.clock.now().isoformat()
    return await update_resource(
        ctx,
        principal.actor(),
        resource_id,
        lambda r: cancel(r, actor_org_id=principal.org_id, reason=reason, sequence=sequence, at=at),
        action="resource.cancel",
        detail=registration_detail,
    )


async def propose(ctx: ServiceContext, principal: Principal, resource_id: str) -> Resource:
    """The provider proposes its resource for the operation catalog (CAT-3)."""
    return await update_resource(
        ctx,
        principal.actor(),
        resource_id,
        lambda r: operation_catalog.propose(r, actor_org_id=principal.org_id),
        action="resource.propose",
    )


async def publish(ctx: ServiceContext, principal: Principal, resource_id: str) -> Resource:
    """The bureau approves and publishes the resource in the operation catalog (CAT-3)."""

    def decide(resource: Resource) -> Decision:
        _in_jurisdiction(principal, resource, "CAT-3")
        return operation_catalog.publish(resource)

    return await update_resource(
        ctx,
        principal.actor(),
        resource_id,
        decide,
        action="resource.publish",
        detail=lambda r: {"items": list(r.grantable_items)},
    )


async def reject(
    ctx: ServiceContext, principal: Principal, resource_id: str, reason: str
) -> Resource:
    """The bureau rejects the proposal with its reason (CAT-3)."""

    def decide(resource: Resource) -> Decision:
        _in_jurisdiction(principal, resource, "CAT-3")
        return operation_catalog.reject(resource, reason=reason)

    return await update_resource(
        ctx,
        principal.actor(),
        resource_id,
        decide,
        action="resource.reject",
        detail=lambda _: {"reason": reason},
    )


async def add_to_negative_list(
    ctx: ServiceContext,
    principal: Principal,
    resource_id: str,
    *,
    reason: str,
    item_name: str | None,
) -> Resource:
    """The bureau lists a resource or one of its items (CAT-2); a published resource
    leaves the operation catalog in the same write."""
    at = ctx.clock.now().isoformat()

    def decide(resource: Resource) -> Decision:
        _in_jurisdiction(principal, resource, "CAT-2")
        return negative_list.add(
            resource, reason=reason, item_name=item_name, actor_org_id=principal.org_id, at=at
        )

    resource = await update_resource(
        ctx,
        principal.actor(),
        resource_id,
        decide,
        action="negative_list.add",
        detail=lambda r: {"item_name": item_name, "reason": reason, "status": r.status},
    )
    await ctx.store.insert_many(NEGATIVE_LIST, negative_entry_docs(resource))
    return resource


async def negative_list_page(
    ctx: ServiceContext, *, skip: int, limit: int
) -> tuple[list[tuple[Resource, Listing]], int]:
    """One window of the negative list (CAT-2), paged in the store in registration order,
    each entry with its resource as it is now, and how many entries there are in all."""
    docs = await ctx.store.find(NEGATIVE_LIST, sort=(("order", 1),), skip=skip, limit=limit)
    ids = sorted({d["resource_id"] for d in docs})
    found = await ctx.store.find(RESOURCES, {"_id": {"$in": ids}}) if ids else []
    resources = {r.resource_id: r for r in map(from_doc, found)}
    page = [(resources[d["resource_id"]], negative_entry_from_doc(d)) for d in docs]
    return page, await ctx.store.count(NEGATIVE_LIST)


async def keep_negative_list(ctx: ServiceContext) -> None:
    """At start: every negative-listed resource's entries are in ``NEGATIVE_LIST`` (an
    entry written before this collection existed, or lost between the resource's write
    and its own, is added; present ones are skipped)."""
    for doc in await ctx.store.find(RESOURCES, {"negative_listed": True}):
        await ctx.store.insert_many(NEGATIVE_LIST, negative_entry_docs(from_doc(doc)))
