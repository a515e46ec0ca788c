"""Wires evaluation: its HTTP app, the facts kept of other services' events, the
rectification deadline sweep, and the collections whose outbox the relay drains."""

from __future__ import annotations

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts
from services.evaluation.api import evaluations, rectifications, security, supply
from services.evaluation.commands.sweep import rectification_sweeper
from services.evaluation.handlers import handlers
from services.evaluation.repository import OUTBOX_COLLECTIONS


def build(ctx: ServiceContext) -> ServiceParts:
    sweeper = rectification_sweeper(ctx)
    app = service_app(
        ctx,
        "evaluation — 运营评估",
        [
            evaluations.AnnualReportController,
            evaluations.EvaluationController,
            evaluations.SettingsController,
            rectifications.RectificationController,
            security.IncidentController,
            security.PlanController,
            security.InspectionController,
            supply.SupplyController,
        ],
        description=(
            "The operator's annual report (年度报告) and evaluation (年度评估) with weighted "
            "indicators and targets, rectification orders (整改) with deadlines, provider "
            "supply and resource contribution evaluation, security incidents, emergency "
            "plans (一授权一预案) and inspections."
        ),
    )
    return ServiceParts(
        name="evaluation",
        app=app,
        handlers=handlers(ctx),
        outbox_collections=OUTBOX_COLLECTIONS,
        on_start=(sweeper.start,),
        on_stop=(sweeper.stop,),
    )
