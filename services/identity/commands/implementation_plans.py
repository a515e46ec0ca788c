"""Implementation plan commands (实施方案, AUTH-12): the bureau records the versions of its
region's plan, the government's approving decision and the provincial filing; anyone
with jurisdiction reads the plan with its filing deadline and whether it is overdue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from contracts.errors import Forbidden, NotFound
from libs import aggregate
from libs.aggregate import retrying
from libs.auth.principal import Principal, covers
from libs.service import ServiceContext
from libs.store.port import Document
from services.identity.commands import jurisdictions
from services.identity.commands.common import audit
from services.identity.domain import implementation_plan as plans
from services.identity.domain import region as regions
from services.identity.domain.dates import local_date
from services.identity.domain.implementation_plan import ImplementationPlan
from services.identity.repository import IMPLEMENTATION_PLANS, from_doc, to_doc


async def find(ctx: ServiceContext, region: str) -> ImplementationPlan | None:
    """The region's own plan (本级: a county that authorizes has its own, FED-1)."""
    doc = await ctx.store.get(IMPLEMENTATION_PLANS, region)
    return from_doc(doc, ImplementationPlan) if doc is not None else None


async def _write(
    ctx: ServiceContext,
    principal: Principal,
    plan: ImplementationPlan,
    previous: Document | None,
) -> ImplementationPlan:
    """One write through the shared writer, at the version read. The plan names the
    bureau that recorded it last (SEC-3, ``bureau_org_id``): only the region's own bureau
    records its plan (AUTH-12), so that is the caller's organization. A plan stored
    before the field was kept still reads (``from_doc`` ignores it)."""
    doc = to_doc(plan, plan.region, bureau_org_id=principal.org_id)
    await aggregate.save(
        ctx, IMPLEMENTATION_PLANS, doc, [], actor=principal.actor(), previous=previous
    )
    return plan


async def draft(
    ctx: ServiceContext,
    principal: Principal,
    region: str,
    *,
    modes: tuple[str, ...],
    resources: tuple[str, ...],
    revenue_sharing: str,
    summary: str,
) -> ImplementationPlan:
    regions.check(region)

    async def attempt() -> ImplementationPlan:
        previous = await ctx.store.get(IMPLEMENTATION_PLANS, region)
        current = from_doc(previous, ImplementationPlan) if previous else None
        plan = plans.draft(
            current,
            region=region,
            modes=modes,
            resources=resources,
            revenue_sharing=revenue_sharing,
            summary=summary,
            actor_role=principal.role.value,
            actor_region=principal.region,
            now=ctx.clock.now(),
        )
        return await _write(ctx, principal, plan, previous)

    plan = await retrying(attempt)
    detail = {"version": plan.latest.version, "needs_approval": plan.latest.needs_approval}
    await audit(ctx, principal, "implementation_plan.draft", region, detail)
    return plan


async def _change(
    ctx: ServiceContext,
    principal: Principal,
    region: str,
    action: str,
    change: Callable[[ImplementationPlan], ImplementationPlan],
) -> ImplementationPlan:
    async def attempt() -> ImplementationPlan:
        previous = await ctx.store.get(IMPLEMENTATION_PLANS, region)
        if previous is None:
            raise NotFound(f"no implementation plan for region {region}")
        plan = change(from_doc(previous, ImplementationPlan))
        return await _write(ctx, principal, plan, previous)

    plan = await retrying(attempt)
    await audit(ctx, principal, action, region, {"version": plan.latest.version})
    return plan


async def approve(
    ctx: ServiceContext, principal: Principal, region: str, *, meeting: str, decided_on: date
) -> ImplementationPlan:
    """AUTH-12: record the government's collective decision approving the latest version."""
    today = local_date(ctx.clock.now())

    def change(plan: ImplementationPlan) -> ImplementationPlan:
        return plans.approve(
            plan,
            meeting=meeting,
            decided_on=decided_on,
            today=today,
            actor_role=principal.role.value,
            actor_region=principal.region,
        )

    return await _change(ctx, principal, region, "implementation_plan.approve", change)


async def record_filing(
    ctx: ServiceContext, principal: Principal, region: str, *, filed_on: date, reference: str
) -> ImplementationPlan:
    """AUTH-12: record the filing with the provincial data department (省级数据管理部门备案)."""
    today = local_date(ctx.clock.now())

    def change(plan: ImplementationPlan) -> ImplementationPlan:
        return plans.record_filing(
            plan,
            filed_on=filed_on,
            reference=reference,
            today=today,
            actor_role=principal.role.value,
            actor_region=principal.region,
        )

    return await _change(ctx, principal, region, "implementation_plan.file", change)


async def read(
    ctx: ServiceContext, principal: Principal, region: str
) -> tuple[ImplementationPlan, date | None, bool]:
    """The plan, the filing deadline of the version in force and whether it is overdue."""
    regions.check(region)
    if not (principal.within(region) or covers(region, principal.region)):
        raise Forbidden(f"region {region} is outside your jurisdiction")
    plan = await find(ctx, region)
    if plan is None:
        raise NotFound(f"no implementation plan for region {region}")
    settings = await jurisdictions.effective(ctx, region)
    approved = plan.approved
    if approved is None:
        return plan, None, False
    days = settings.plan_filing_working_days
    due = plans.filing_due_on(approved, settings.holidays, days)
    today = local_date(ctx.clock.now())
    return plan, due, plans.filing_overdue(approved, today, settings.holidays, days)
