"""Security commands (SEC-2, SEC-6): incident reports that reach the bureau at once, the
emergency plan of each authorization and its drills, inspections and their findings."""

from __future__ import annotations

from datetime import date, datetime

from contracts.errors import DomainError, Forbidden, NotFound
from contracts.events import IncidentReported, InspectionRecorded
from libs.auth.principal import Principal
from libs.service import ServiceContext
from libs.store.port import DuplicateDocument, VersionConflict
from services.evaluation.commands import (
    ATTEMPTS,
    OVERSEERS,
    audit,
    check_reader,
    new_id,
    overseen,
    save,
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


async def _agreement_operator(ctx: ServiceContext, agreement_id: str) -> str:
    signed = await ctx.store.find(
        FACTS, {"kind": "agreement.signed", "agreement_id": agreement_id}, limit=1
    )
    if not signed:
        raise DomainError(
            f"no signed agreement {agreement_id} is known", rule="SEC-2", field="agreement_id"
        )
    operator: str = signed[0]["operator_org_id"]
    return operator


async def file_plan(
    ctx: ServiceContext, principal: Principal, agreement_id: str, *, title: str, content: str
) -> EmergencyPlan:
    """一授权一预案: one document per agreement; filing again versions it."""
    operator = await _agreement_operator(ctx, agreement_id)
    for attempt in range(ATTEMPTS):
        current = await ctx.store.get(PLANS, agreement_id)
        existing = from_doc(current, EmergencyPlan) if current else None
        plan = security.file_plan(
            existing,
            agreement_id=agreement_id,
            region=ctx.region,
            operator_org_id=principal.org_id,
            agreement_operator_org_id=operator,
            title=title,
            content=content,
            now=ctx.clock.now(),
        )
        doc = to_doc(plan, agreement_id, operator_org_id=plan.operator_org_id)
        try:
            if current is None:
                await ctx.store.insert(PLANS, doc)
            else:
                await ctx.store.replace(PLANS, doc, current["_version"])
        except (DuplicateDocument, VersionConflict):
            if attempt == ATTEMPTS - 1:
                raise
            continue
        await audit(
            ctx, principal, "emergency_plan.file", agreement_id, {"version": plan.current.version}
        )
        return plan
    raise AssertionError("unreachable")  # pragma: no cover


async def get_plan(ctx: ServiceContext, principal: Principal, agreement_id: str) -> EmergencyPlan:
    doc = await ctx.store.get(PLANS, agreement_id)
    if doc is None:
        raise NotFound(f"no emergency plan for agreement {agreement_id}")
    plan = from_doc(doc, EmergencyPlan)
    check_reader(principal, plan.operator_org_id, plan.region, "this plan", "SEC-2")
    return plan


async def record_drill(
    ctx: ServiceContext,
    principal: Principal,
    agreement_id: str,
    *,
    held_on: date,
    scenario: str,
    participants: int,
    lessons: str,
) -> EmergencyPlan:
    for attempt in range(ATTEMPTS):
        doc = await ctx.store.get(PLANS, agreement_id)
        if doc is None:
            raise NotFound(f"no emergency plan for agreement {agreement_id}")
        now = ctx.clock.now()
        plan = security.record_drill(
            from_doc(doc, EmergencyPlan),
            by_org_id=principal.org_id,
            held_on=held_on,
            scenario=scenario,
            participants=participants,
            lessons=lessons,
            today=local_date(now),
            now=now,
        )
        try:
            await ctx.store.replace(
                PLANS,
                to_doc(plan, agreement_id, operator_org_id=plan.operator_org_id),
                doc["_version"],
            )
        except VersionConflict:
            if attempt == ATTEMPTS - 1:
                raise
            continue
        await audit(ctx, principal, "emergency_plan.drill", agreement_id, {"held_on": str(held_on)})
        return plan
    raise AssertionError("unreachable")  # pragma: no cover


# -- inspections (安全检查, SEC-6) --------------------------------------------------------


def _recorded(inspection: Inspection) -> InspectionRecorded:
    return InspectionRecorded(
        inspection_id=inspection.inspection_id,
        subject_org_id=inspection.subject_org_id,
        findings=len(inspection.findings),
        open_findings=inspection.open_findings,
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
    for attempt in range(ATTEMPTS):
        doc = await ctx.store.get(INSPECTIONS, inspection_id)
        if doc is None:
            raise NotFound(f"no inspection {inspection_id}")
        current = from_doc(doc, Inspection)
        if not principal.within(current.region):
            raise Forbidden(f"inspection {inspection_id} is outside your jurisdiction")
        after = security.close_finding(current, index, note=note, now=ctx.clock.now())
        try:
            await save(
                ctx,
                INSPECTIONS,
                to_doc(after, inspection_id),
                [_recorded(after)],
                actor=principal.actor(),
                previous=doc,
            )
        except VersionConflict:
            if attempt == ATTEMPTS - 1:
                raise
            continue
        await audit(ctx, principal, "inspection.close_finding", inspection_id, {"index": index})
        return after
    raise AssertionError("unreachable")  # pragma: no cover


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
