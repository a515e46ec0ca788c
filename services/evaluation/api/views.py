"""Domain records to API views (msgspec Structs): converted with ``converted`` where the view
carries the record's own field names, built here where it shows them otherwise."""

from __future__ import annotations

from libs.http.views import converted
from services.evaluation.api import schemas as s
from services.evaluation.domain.annual_report import AnnualReport
from services.evaluation.domain.evaluation import Evaluation
from services.evaluation.domain.rectification import RectificationOrder
from services.evaluation.domain.security import EmergencyPlan, Incident, Inspection, PlanVersion
from services.evaluation.domain.settings import EvaluationSettings
from services.evaluation.domain.supply import Contribution, SupplyScore


def report(r: AnnualReport) -> s.AnnualReportView:
    return converted(r, s.AnnualReportView)


def evaluation(e: Evaluation) -> s.EvaluationView:
    return s.EvaluationView(
        evaluation_id=e.evaluation_id,
        operator_org_id=e.operator_org_id,
        year=e.year,
        score=str(e.score),
        conclusion=e.conclusion,
        indicators=[
            s.IndicatorView(name=i.name, value=str(i.value), weight=i.weight, basis=i.basis)
            for i in e.indicators
        ],
        figures=e.figures.as_dict(),
        remarks=e.remarks,
        order_ids=list(e.order_ids),
        evaluated_at=e.evaluated_at,
    )


def order(o: RectificationOrder) -> s.OrderView:
    return converted(o, s.OrderView)


def incident(i: Incident) -> s.IncidentView:
    return converted(i, s.IncidentView)


def _version(v: PlanVersion) -> s.PlanVersionView:
    return converted(v, s.PlanVersionView)


def plan(p: EmergencyPlan) -> s.PlanView:
    return s.PlanView(
        authorization_id=p.authorization_id,
        bureau_org_id=p.bureau_org_id,
        operator_org_id=p.operator_org_id,
        current=_version(p.current),
        versions=[_version(v) for v in p.versions],
        drills=[
            s.DrillView(
                held_on=d.held_on,
                scenario=d.scenario,
                participants=d.participants,
                lessons=d.lessons,
                organized_by_org_id=d.organized_by_org_id,
                participating_org_ids=list(d.participating_org_ids),
                operator_took_part=d.operator_took_part,
            )
            for d in p.drills
        ],
    )


def inspection(i: Inspection) -> s.InspectionView:
    return s.InspectionView(
        inspection_id=i.inspection_id,
        subject_org_id=i.subject_org_id,
        inspected_on=i.inspected_on,
        findings=[
            s.FindingView(
                index=n,
                text=f.text,
                closed=f.closed_at is not None,
                closed_at=f.closed_at,
                closure_note=f.closure_note,
            )
            for n, f in enumerate(i.findings)
        ],
        open_findings=i.open_findings,
    )


def supply(score: SupplyScore, year: int | None) -> s.SupplyView:
    c = score.counts
    return s.SupplyView(
        provider_org_id=c.provider_org_id,
        year=year,
        resources_registered=c.resources_registered,
        resources_published=c.resources_published,
        objections_raised=c.objections_raised,
        objections_resolved_in_time=c.objections_resolved_in_time,
        objections_resolved_late=c.objections_resolved_late,
        objections_escalated=c.objections_escalated,
        objections_open=c.objections_open,
        publication_rate=str(score.publication_rate),
        objection_handling=str(score.objection_handling),
        score=str(score.score),
    )


def contribution(c: Contribution) -> s.ContributionView:
    return s.ContributionView(
        resource_id=c.resource_id,
        provider_org_id=c.provider_org_id,
        applications_approved=c.applications_approved,
        scenarios=c.scenarios,
        products=c.products,
        usage_quantity=c.usage_quantity,
        contribution_index=c.index,
    )


def settings(x: EvaluationSettings) -> s.SettingsView:
    return s.SettingsView(
        region=x.region,
        weights=dict(x.weights),
        targets=[
            s.TargetBody(year=t.year, scenarios=t.scenarios, products=t.products)
            for t in sorted(x.targets, key=lambda t: t.year)
        ],
        usage_target=x.usage_target,
        revenue_target_fen=x.revenue_target_fen,
        defined_by=x.defined_by,
    )
