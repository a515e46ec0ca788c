"""Evaluation commands: jurisdiction settings, the operator's annual report (EVA-1) and
the bureau's evaluation (EVA-2) with its rectification orders (EVA-3). Each loads,
decides in the domain, saves state and contract events in one write (outbox), audits."""

from __future__ import annotations

import uuid

from contracts.errors import Conflict, DomainError, Forbidden, NotFound
from contracts.events import AnnualReportFiled, EvaluationPublished, RectificationOrdered
from libs import aggregate
from libs.aggregate import save
from libs.auth.principal import Principal, covers
from libs.service import ServiceContext
from libs.store.port import DuplicateDocument
from services.evaluation.commands import figures as figures_of
from services.evaluation.domain import annual_report, indicators, settings
from services.evaluation.domain.annual_report import AnnualReport
from services.evaluation.domain.evaluation import (
    Evaluation,
    FindingDue,
    evaluate,
    evaluation_id_of,
)
from services.evaluation.domain.settings import EvaluationSettings
from services.evaluation.repository import (
    EVALUATIONS,
    ORDERS,
    REPORTS,
    SETTINGS,
    from_doc,
    to_doc,
)

ATTEMPTS = 5
OVERSEERS = frozenset({"bureau", "supervisor"})


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


audit = aggregate.audit_by


def check_reader(
    principal: Principal, owner_org_id: str, region: str, what: str, rule: str
) -> None:
    """Object-level authorization: the bureau and supervisors whose jurisdiction covers
    the record read it; anyone else only what concerns their own organization."""
    if principal.role.value in OVERSEERS and principal.within(region):
        return
    if principal.org_id != owner_org_id:
        raise Forbidden(f"{what} is not yours to read", rule=rule)


def overseen(principal: Principal, region: str) -> bool:
    """Lists show an overseer what its jurisdiction covers (as ``check_reader`` does)."""
    return principal.role.value not in OVERSEERS or principal.within(region)


# -- settings (辖区设置) ----------------------------------------------------------------


async def effective_settings(ctx: ServiceContext, region: str) -> EvaluationSettings:
    lineage = list(settings.lineage(region))
    docs = await ctx.store.find(SETTINGS, {"_id": {"$in": lineage}})
    own = {d["_id"]: from_doc(d, EvaluationSettings) for d in docs}
    return settings.effective(region, own)


async def define_settings(
    ctx: ServiceContext, principal: Principal, wanted: EvaluationSettings
) -> EvaluationSettings:
    """EVA-5: the bureau of the region (or above) sets weights and targets; the settings
    name the bureau that set them (SEC-3, ``set_by_org_id``)."""
    if not principal.within(wanted.region):
        raise Forbidden(f"a bureau of {principal.region} cannot set {wanted.region}", rule="EVA-5")
    if not covers(ctx.region, wanted.region):
        raise DomainError(f"region {wanted.region} is not served here", rule="FED-1")
    settings.check(wanted)
    doc = to_doc(wanted, wanted.region, set_by_org_id=principal.org_id)
    await aggregate.upsert(
        ctx, SETTINGS, wanted.region, lambda _: (doc, []), actor=principal.actor()
    )
    await audit(ctx, principal, "settings.define", f"settings:{wanted.region}")
    return await effective_settings(ctx, wanted.region)


# -- annual report (年度报告, EVA-1) ------------------------------------------------------


def report_id_of(operator_org_id: str, year: int) -> str:
    return f"report-{operator_org_id}-{year}"


async def file_annual_report(
    ctx: ServiceContext, principal: Principal, year: int, statements: dict[str, str]
) -> AnnualReport:
    """EVA-1: the figures come from the year's events; the statements from the operator."""
    report_id = report_id_of(principal.org_id, year)

    async def attempt() -> AnnualReport:
        previous_doc = await ctx.store.get(REPORTS, report_id)
        previous = from_doc(previous_doc, AnnualReport) if previous_doc else None
        year_figures = await figures_of.year_figures(ctx, principal.org_id, year)
        report = annual_report.file(
            report_id=report_id,
            region=ctx.region,
            operator_org_id=principal.org_id,
            year=year,
            figures=year_figures.as_dict(),
            statements=statements,
            now=ctx.clock.now(),
            user_id=principal.user_id,
            previous=previous,
        )
        event = AnnualReportFiled(
            report_id=report_id,
            operator_org_id=principal.org_id,
            year=year,
            content_hash=report.content_hash,
        )
        doc = to_doc(report, report_id)
        await save(ctx, REPORTS, doc, [event], actor=principal.actor(), previous=previous_doc)
        await audit(
            ctx,
            principal,
            "annual_report.file",
            report_id,
            {"year": year, "content_hash": report.content_hash, "revision": report.revision},
        )
        return report

    try:
        report: AnnualReport = await aggregate.retrying(attempt, on=aggregate.WRITE_CONFLICTS)
    except aggregate.WRITE_CONFLICTS:
        raise Conflict("the report changed meanwhile; file again", rule="EVA-1") from None
    return report


async def get_annual_report(
    ctx: ServiceContext, principal: Principal, report_id: str
) -> AnnualReport:
    doc = await ctx.store.get(REPORTS, report_id)
    if doc is None:
        raise NotFound(f"no annual report {report_id}")
    report = from_doc(doc, AnnualReport)
    check_reader(
        principal, report.operator_org_id, report.region, f"annual report {report_id}", "EVA-1"
    )
    return report


# -- evaluation (年度评估, EVA-2, EVA-3) -------------------------------------------------


async def evaluate_operator(
    ctx: ServiceContext,
    principal: Principal,
    *,
    operator_org_id: str,
    year: int,
    findings: tuple[FindingDue, ...],
    remarks: str,
) -> Evaluation:
    """EVA-2: the weighted score from the year's figures and the settings in force;
    EVA-3: the findings become rectification orders with deadlines."""
    if await ctx.store.get(EVALUATIONS, evaluation_id_of(operator_org_id, year)) is not None:
        raise Conflict(f"{operator_org_id} was evaluated for {year} already", rule="EVA-2")
    year_figures = await figures_of.year_figures(ctx, operator_org_id, year)
    in_force = await effective_settings(ctx, ctx.region)
    evaluation, orders = evaluate(
        region=ctx.region,
        operator_org_id=operator_org_id,
        year=year,
        figures=year_figures,
        assessment=indicators.assess(year_figures, in_force),
        findings=findings,
        remarks=remarks,
        now=ctx.clock.now(),
        bureau_org_id=principal.org_id,
    )
    published = EvaluationPublished(
        evaluation_id=evaluation.evaluation_id,
        operator_org_id=operator_org_id,
        year=year,
        score=str(evaluation.score),
        conclusion=evaluation.conclusion,
    )
    # Orders first, each with its own event: if the process dies before the evaluation
    # is saved, a second attempt finds them (same ids) and the evaluation completes.
    for o in orders:
        ordered = RectificationOrdered(
            order_id=o.order_id,
            operator_org_id=o.operator_org_id,
            finding=o.finding,
            due_on=o.due_on,
        )
        order_doc = to_doc(o, o.order_id, state=o.state.value)
        if await ctx.store.get(ORDERS, o.order_id) is None:
            await save(ctx, ORDERS, order_doc, [ordered], actor=principal.actor(), previous=None)
    doc = to_doc(evaluation, evaluation.evaluation_id, operator_org_id=operator_org_id)
    try:
        await save(ctx, EVALUATIONS, doc, [published], actor=principal.actor(), previous=None)
    except DuplicateDocument:
        raise Conflict(
            f"{operator_org_id} was evaluated for {year} already", rule="EVA-2"
        ) from None
    await audit(
        ctx,
        principal,
        "evaluation.publish",
        evaluation.evaluation_id,
        {"score": str(evaluation.score), "orders": list(evaluation.order_ids)},
    )
    return evaluation


async def get_evaluation(
    ctx: ServiceContext, principal: Principal, evaluation_id: str
) -> Evaluation:
    doc = await ctx.store.get(EVALUATIONS, evaluation_id)
    if doc is None:
        raise NotFound(f"no evaluation {evaluation_id}")
    evaluation = from_doc(doc, Evaluation)
    check_reader(
        principal,
        evaluation.operator_org_id,
        evaluation.region,
        f"evaluation {evaluation_id}",
        "EVA-2",
    )
    return evaluation


async def list_evaluations(
    ctx: ServiceContext, principal: Principal, operator_org_id: str | None
) -> list[Evaluation]:
    where: dict[str, str] = {}
    if principal.role.value not in OVERSEERS:
        where["operator_org_id"] = principal.org_id
    elif operator_org_id:
        where["operator_org_id"] = operator_org_id
    docs = await ctx.store.find(EVALUATIONS, where, sort=[("year", 1)])
    found = [from_doc(d, Evaluation) for d in docs]
    return [e for e in found if overseen(principal, e.region)]
