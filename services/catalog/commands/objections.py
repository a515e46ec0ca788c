"""Catalog commands on data-quality objections (异议, CAT-5) and the jurisdiction settings
their deadlines come from: raise, the provider's correction, the bureau's verification,
the deadline sweep, and who may read what."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from contracts.envelope import SYSTEM_ACTOR
from contracts.errors import DomainError, Forbidden, NotFound
from contracts.events import (
    ObjectionCorrected,
    ObjectionEscalated,
    ObjectionRaised,
    ObjectionResolved,
    ObjectionReturned,
)
from libs import aggregate
from libs.auth.principal import Principal
from libs.service import ServiceContext
from libs.store.port import Document
from services.catalog.domain import jurisdiction, objection
from services.catalog.domain.jurisdiction import CatalogSettings
from services.catalog.domain.objection import Objection, RaiseObjection
from services.catalog.repository import (
    OBJECTIONS,
    RESOURCES,
    SETTINGS,
    from_doc,
    objection_from_doc,
    objection_to_doc,
    settings_from_doc,
    settings_to_doc,
)

ObjectionEvent = (
    ObjectionRaised
    | ObjectionResolved
    | ObjectionEscalated
    | ObjectionCorrected
    | ObjectionReturned
)


async def effective_settings(ctx: ServiceContext, region: str) -> CatalogSettings:
    """The settings in force in ``region``: its own document, else the nearest enclosing
    region's, else the defaults. One lookup by id."""
    lineage = list(jurisdiction.lineage(jurisdiction.check_region(region)))
    docs = await ctx.store.find(SETTINGS, {"_id": {"$in": lineage}})
    return jurisdiction.effective(region, {d["_id"]: settings_from_doc(d) for d in docs})


def check_served(ctx: ServiceContext, region: str) -> None:
    jurisdiction.check_region(region)
    if not jurisdiction.covers(ctx.region, region):
        raise DomainError(
            f"region {region} is not within this platform's region {ctx.region}",
            rule="FED-1",
            field="region",
        )


async def define_settings(
    ctx: ServiceContext, principal: Principal, region: str, *, objection_deadline_days: int
) -> CatalogSettings:
    """The bureau sets its region's (or an inner region's) own values."""
    check_served(ctx, region)
    if not principal.within(region):
        raise Forbidden(
            f"a bureau of region {principal.region} cannot set region {region}", rule="FED-1"
        )
    wanted = jurisdiction.define(region, objection_deadline_days=objection_deadline_days)
    actor = principal.actor()
    await aggregate.upsert(
        ctx,
        SETTINGS,
        region,
        lambda _: (settings_to_doc(wanted, set_by_org_id=principal.org_id), []),
        actor=actor,
    )
    await aggregate.audit(
        ctx,
        actor,
        "settings.define",
        f"settings:{region}",
        {"objection_deadline_days": objection_deadline_days},
    )
    return wanted


async def raise_objection(
    ctx: ServiceContext, principal: Principal, cmd: RaiseObjection
) -> Objection:
    """CAT-5: anyone with access objects; the resource's provider gets it with a deadline."""
    resource_doc = await ctx.store.get(RESOURCES, cmd.resource_id)
    if resource_doc is None:
        raise DomainError(f"no resource {cmd.resource_id}", rule="CAT-5", field="resource_id")
    resource = from_doc(resource_doc)
    settings = await effective_settings(ctx, resource.home_region)
    objection_id = str(uuid.uuid4())
    raised, event = objection.raise_objection(
        cmd,
        resource,
        objection_id=objection_id,
        now=ctx.clock.now(),
        deadline_days=settings.objection_deadline_days,
    )
    actor = principal.actor()
    await aggregate.save(
        ctx, OBJECTIONS, objection_to_doc(raised), [event], actor=actor, previous=None
    )
    await aggregate.audit(
        ctx,
        actor,
        "objection.raise",
        objection_id,
        {
            "resource_id": resource.resource_id,
            "assigned_to": raised.provider_org_id,
            "due_on": raised.due_on.isoformat(),
            "deadline_days": settings.objection_deadline_days,
        },
    )
    return raised


async def _load(ctx: ServiceContext, objection_id: str) -> tuple[Document, Objection]:
    doc = await ctx.store.get(OBJECTIONS, objection_id)
    if doc is None:
        raise NotFound(f"no objection {objection_id}")
    return doc, objection_from_doc(doc)


async def get_objection(ctx: ServiceContext, principal: Principal, objection_id: str) -> Objection:
    _, found = await _load(ctx, objection_id)
    if not objection.visible_to(
        found, role=principal.role.value, org_id=principal.org_id, user_id=principal.user_id
    ):
        raise Forbidden(f"objection {objection_id} is not yours to read", rule="CAT-5")
    return found


async def list_objections(
    ctx: ServiceContext,
    principal: Principal,
    *,
    status: str | None,
    resource_id: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Objection], int]:
    """The objections the caller may see: all for the bureau and supervisors, those
    assigned to a provider, those raised by anyone else (equality filters only)."""
    where: dict[str, str] = {}
    role = principal.role.value
    if role == "provider":
        where["provider_org_id"] = principal.org_id
    elif role == "public":
        where["raised_by_user_id"] = principal.user_id
    elif role not in {"bureau", "supervisor"}:
        where["raised_by_org_id"] = principal.org_id
    if status:
        where["status"] = status
    if resource_id:
        where["resource_id"] = resource_id
    docs = await ctx.store.find(
        OBJECTIONS, where, sort=[("raised_at", 1)], skip=offset, limit=limit
    )
    total = await ctx.store.count(OBJECTIONS, where)
    return [objection_from_doc(d) for d in docs], total


async def _decide(
    ctx: ServiceContext,
    principal: Principal,
    objection_id: str,
    decide: Callable[[Objection], tuple[Objection, ObjectionEvent]],
    action: str,
) -> tuple[Objection, Objection]:
    """Load, decide, save with the event in the outbox (re-deciding on a lost race),
    audit; returns the objection before and after."""
    before: list[Objection] = []

    def on_doc(doc: Document) -> aggregate.Decision:
        current = objection_from_doc(doc)
        before[:] = [current]
        after, event = decide(current)
        return objection_to_doc(after), [event]

    saved = await aggregate.update(
        ctx,
        OBJECTIONS,
        objection_id,
        on_doc,
        actor=principal.actor(),
        action=action,
        detail=lambda d: {
            "resource_id": d["resource_id"],
            "status": d["status"],
            "late": before[0].status == objection.State.ESCALATED,
        },
        missing="objection",
    )
    return before[0], objection_from_doc(saved)


async def report_correction(
    ctx: ServiceContext, principal: Principal, objection_id: str, correction: str
) -> Objection:
    """CAT-5: the assigned provider reports what it corrected; the bureau verifies next."""
    now = ctx.clock.now()
    _, after = await _decide(
        ctx,
        principal,
        objection_id,
        lambda current: objection.report_correction(
            current, actor_org_id=principal.org_id, correction=correction, now=now
        ),
        "objection.correct",
    )
    return after


async def verify_correction(
    ctx: ServiceContext, principal: Principal, objection_id: str, *, verified: bool, finding: str
) -> Objection:
    """CAT-5: the bureau verifies the correction (核实, 校核确认): the objection closes and
    the objector is told, or it goes back to the provider."""
    now = ctx.clock.now()
    _, after = await _decide(
        ctx,
        principal,
        objection_id,
        lambda current: objection.verify(
            current,
            actor_org_id=principal.org_id,
            actor_region=principal.region,
            verified=verified,
            finding=finding,
            now=now,
        ),
        "objection.verify" if verified else "objection.return",
    )
    return after


async def sweep_deadlines(ctx: ServiceContext) -> int:
    """CAT-5: escalate every open objection past its deadline; returns how many. Safe to
    run any number of times and on several processes: an objection already escalated
    (or resolved) is left alone, and a write that loses a race is re-decided."""
    now = ctx.clock.now()
    escalated = 0
    written: list[bool] = [False]

    def on_doc(current: Document) -> aggregate.Decision:
        decided = objection.escalate_if_overdue(objection_from_doc(current), now=now)
        written[0] = decided is not None
        if decided is None:
            return current, []
        after, event = decided
        return objection_to_doc(after), [event]

    for doc in await ctx.store.find(OBJECTIONS, {"status": objection.State.OPEN.value}):
        await aggregate.update(
            ctx,
            OBJECTIONS,
            doc["_id"],
            on_doc,
            actor=SYSTEM_ACTOR,
            action="objection.escalate",
            detail=lambda d: {
                "resource_id": d["resource_id"],
                "provider_org_id": d["provider_org_id"],
                "due_on": d["due_on"],
            },
            missing="objection",
        )
        escalated += written[0]
    return escalated
