"""Security commands (SEC-2, SEC-6): incident reports that reach the bureau at once, the
emergency plan the bureau draws up for each authorization and the drills it organizes
(announced to identity, which signs no agreement without its plan), inspections and
their findings."""

from __future__ import annotations

from datetime import date, datetime

from contracts.errors import DomainError, Forbidden, NotFound
from contracts.events import (
    DrillRecorded,
    EmergencyPlanAdopted,
    IncidentReported,
    InspectionRecorded,
)
from libs import aggregate
from libs.aggregate import save
from libs.auth.principal import Principal
from libs.service import ServiceContext
from services.evaluation.commands.evaluations import (
    OVERSEERS,
    audit,
    check_reader,
    new_id,
    overseen,
)
from services.evaluation.domain import security
from services.evaluation.domain.calendar import local_date
from services.evaluation.domain.security import EmergencyPlan, Incident, Inspection
from services.evaluation.repository import FACTS, INCIDENTS, INSPECTIONS, PLANS, from_doc, to_doc

# -- incidents (事件报告, SEC-2) ---------------------------------------------------------


async def report_incident(
    ctx: ServiceContext,
    principal: Principal,
    *,
    severity: str,
    summary: str,
    occurred_at: datetime,
) -> Incident:
    """SEC-2: stored and visible to the bureau the moment the call returns, and
    ``incident.reported`` goes out through the outbox at once."""
    incident = security.report_incident(
        incident_id=new_id("inc"),
        region=ctx.region,
        reporter_org_id=principal.org_id,
        reporter_role=principal.role.value,
        reporter_user_id=principal.user_id,
        severity=severity,
        summary=summary,
        occurred_at=occurred_at,
        now=ctx.clock.now(),
    )
    event = IncidentReported(
        incident_id=incident.incident_id,
        reporter_org_id=incident.reporter_org_id,
        severity=incident.severity,
        summary=incident.summary,
        occurred_at=incident.occurred_at,
    )
    doc = to_doc(incident, incident.incident_id)
    await save(ctx, INCIDENTS, doc, [event], actor=principal.actor(), previous=None)
    await audit(ctx, principal, "incident.report", incident.incident_id, {"severity": severity})
    return incident


async def list_incidents(ctx: ServiceContext, principal: Principal) -> list[Incident]:
    """The bureau and supervisors see every incident; a reporter sees its own."""
    where = {} if principal.role.value in OVERSEERS else {"reporter_org_id": principal.org_id}
    docs = await ctx.store.find(INCIDENTS, where, sort=[("reported_at", -1)])
    found = [from_doc(d, Incident) for d in docs]
    return [i for i in found if overseen(principal, i.region)]


async def get_incident(ctx: ServiceContext, principal: Principal, incident_id: str) -> Incident:
    doc = await ctx.store.get(INCIDENTS, incident_id)
    if doc is None:
        raise NotFound(f"no incident {incident_id}")
    found = from_doc(doc, Incident)
    check_reader(principal, found.reporter_org_id, found.region, f"incident {incident_id}", "SEC-2")
    return found


# -- emergency plans (应急预案, SEC-2) ----------------------------------------------------


async def authorization_parties(ctx: ServiceContext, authorization_id: str) -> tuple[str, str]:
    """The region of an authorization identity announced (``tender.published``) and its
    operator once selected (the last ``selection.publicized`` not annulled since, or the
    ``agreement.signed`` naming the authorization); the operator is "" until then."""
    tenders = await ctx.store.find(
        FACTS, {"kind": "tender.published", "authorization_id": authorization_id}, limit=1
    )
    if not tenders:
        raise DomainError(
            f"no authorization {authorization_id} is known (identity's tender.published)",
            rule="SEC-2",
            field="authorization_id",
        )
    region = str(tenders[0]["payload"].get("region") or tenders[0]["region"])
    operator = ""
    facts = await ctx.store.find(FACTS, {"authorization_id": authorization_id}, sort=[("at", 1)])
    for fact in facts:
        if fact["kind"] in ("selection.publicized", "agreement.signed"):
            operator = str(fact["payload"]["operator_org_id"])
        elif fact["kind"] == "selection.annulled":
            operator = ""
    return region, operator


def _adopted(plan: EmergencyPlan) -> EmergencyPlanAdopted:
    return EmergencyPlanAdopted(
        authorization_id=plan.authorization_id,
        version=plan.current.version,
        bureau_org_id=plan.bureau_org_id,
        departments=list(plan.current.departments),
        operator_org_id=plan.operator_org_id,
        region=plan.region,
    )


async def draw_up_plan(
    ctx: ServiceContext,
    principal: Principal,
    authorization_id: str,
    *,
    title: str,
    content: str,
    departments: tuple[str, ...],
) -> EmergencyPlan:
    """一授权一预案: the bureau draws up the plan of one authorization, before its agreement
    is signed; ``emergency_plan.adopted`` tells identity, which signs nothing without it."""
    region, operator = await authorization_parties(ctx, authorization_id)

    async def attempt() -> EmergencyPlan:
        current = await ctx.store.get(PLANS, authorization_id)
        existing = from_doc(current, EmergencyPlan) if current else None
        plan = security.draw_up_plan(
            existing,
            authorization_id=authorization_id,
            region=region,
            actor_role=principal.role.value,
            actor_org_id=principal.org_id,
            actor_within_region=principal.within(region),
            operator_org_id=operator,
            title=title,
            content=content,
            departments=departments,
            now=ctx.clock.now(),
        )
        doc = to_doc(plan, authorization_id, operator_org_id=plan.operator_org_id)
        await save(ctx, PLANS, doc, [_adopted(plan)], actor=principal.actor(), previous=current)
        await audit(
            ctx,
            principal,
            "emergency_plan.draw_up",
            authorization_id,
            {"version": plan.current.version, "departments": list(plan.current.departments)},
        )
        return plan

    return await aggregate.retrying(attempt, on=aggregate.WRITE_CONFLICTS)


async def get_plan(
    ctx: ServiceContext, principal: Principal, authorization_id: str
) -> EmergencyPlan:
    doc = await ctx.store.get(PLANS, authorization_id)
    if doc is None:
        raise NotFound(f"no emergency plan for authorization {authorization_id}")
    plan = from_doc(doc, EmergencyPlan)
    check_reader(principal, plan.operator_org_id, plan.region, "this plan", "SEC-2")
    return plan


async def record_drill(
    ctx: ServiceContext,
    principal: Principal,
    authorization_id: str,
    *,
    held_on: date,
    scenario: str,
    participants: int,
    participating_org_ids: tuple[str, ...],
    lessons: str,
) -> EmergencyPlan:
    """SEC-2: the bureau records a drill it organized, with the operator taking part."""
    _, operator = await authorization_parties(ctx, authorization_id)

    async def attempt() -> EmergencyPlan:
        doc = await ctx.store.get(PLANS, authorization_id)
        if doc is None:
            raise NotFound(f"no emergency plan for authorization {authorization_id}")
        now = ctx.clock.now()
        current = from_doc(doc, EmergencyPlan)
        plan = security.record_drill(
            current,
            actor_role=principal.role.value,
            actor_org_id=principal.org_id,
            actor_within_region=principal.within(current.region),
            operator_org_id=operator,
            held_on=held_on,
            scenario=scenario,
            participants=participants,
            participating_org_ids=participating_org_ids,
            lessons=lessons,
            today=local_date(now),
            now=now,
        )
        drill = plan.drills[-1]
        event = DrillRecorded(
            authorization_id=authorization_id,
            held_on=drill.held_on,
            organized_by_org_id=drill.organized_by_org_id,
            operator_took_part=drill.operator_took_part,
            participants=drill.participants,
        )
        new_doc = to_doc(plan, authorization_id, operator_org_id=plan.operator_org_id)
        await save(ctx, PLANS, new_doc, [event], actor=principal.actor(), previous=doc)
        await audit(
            ctx, principal, "emergency_plan.drill", authorization_id, {"held_on": str(held_on)}
        )
        return plan

    return await aggregate.retrying(attempt, on=aggregate.WRITE_CONFLICTS)


# -- inspections (安全检查, SEC-6) --------------------------------------------------------


def _recorded(inspection: Inspection) -> InspectionRecorded:
    return InspectionRecorded(
        inspection_id=inspection.inspection_id,
        subject_org_id=inspection.subject_org_id,
        findings=len(inspection.findings),
        open_findings=inspection.open_findings,
    )


async def _require_known_org(ctx: ServiceContext, org_id: str) -> None:
    """An inspection names an operator or provider evaluation has seen in its facts."""
    for key in ("operator_org_id", "provider_org_id"):
        if await ctx.store.count(FACTS, {key: org_id}):
            return
    raise NotFound(
        f"organization {org_id!r} is neither an operator nor a provider known to evaluation",
        rule="SEC-6",
        field="subject_org_id",
    )


async def record_inspection(
    ctx: ServiceContext,
    principal: Principal,
    *,
    subject_org_id: str,
    inspected_on: date,
    findings: tuple[str, ...],
) -> Inspection:
    if not principal.within(ctx.region):
        raise Forbidden(f"a bureau of {principal.region} cannot inspect here", rule="SEC-6")
    await _require_known_org(ctx, subject_org_id)
    now = ctx.clock.now()
    inspection = security.inspect(
        inspection_id=new_id("insp"),
        region=ctx.region,
        subject_org_id=subject_org_id,
        inspected_on=inspected_on,
        inspector_org_id=principal.org_id,
        findings=findings,
        today=local_date(now),
        now=now,
    )
    doc = to_doc(inspection, inspection.inspection_id)
    await save(
        ctx, INSPECTIONS, doc, [_recorded(inspection)], actor=principal.actor(), previous=None
    )
    await audit(
        ctx, principal, "inspection.record", inspection.inspection_id, {"findings": len(findings)}
    )
    return inspection


async def close_finding(
    ctx: ServiceContext, principal: Principal, inspection_id: str, index: int, note: str
) -> Inspection:
    """SEC-6: each closure republishes the inspection with fewer open findings."""

    async def attempt() -> Inspection:
        doc = await ctx.store.get(INSPECTIONS, inspection_id)
        if doc is None:
            raise NotFound(f"no inspection {inspection_id}")
        current = from_doc(doc, Inspection)
        if not principal.within(current.region):
            raise Forbidden(f"inspection {inspection_id} is outside your jurisdiction")
        after = security.close_finding(current, index, note=note, now=ctx.clock.now())
        await save(
            ctx,
            INSPECTIONS,
            to_doc(after, inspection_id),
            [_recorded(after)],
            actor=principal.actor(),
            previous=doc,
        )
        await audit(ctx, principal, "inspection.close_finding", inspection_id, {"index": index})
        return after

    return await aggregate.retrying(attempt, on=aggregate.WRITE_CONFLICTS)


async def get_inspection(
    ctx: ServiceContext, principal: Principal, inspection_id: str
) -> Inspection:
    doc = await ctx.store.get(INSPECTIONS, inspection_id)
    if doc is None:
        raise NotFound(f"no inspection {inspection_id}")
    found = from_doc(doc, Inspection)
    check_reader(principal, found.subject_org_id, found.region, "this inspection", "SEC-6")
    return found


async def list_inspections(ctx: ServiceContext, principal: Principal) -> list[Inspection]:
    where = {} if principal.role.value in OVERSEERS else {"subject_org_id": principal.org_id}
    docs = await ctx.store.find(INSPECTIONS, where, sort=[("recorded_at", 1)])
    found = [from_doc(d, Inspection) for d in docs]
    return [i for i in found if overseen(principal, i.region)]
