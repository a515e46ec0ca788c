"""``/evaluation/annual-reports``, ``/evaluation/evaluations`` and ``/evaluation/settings``:
the operator's annual report (EVA-1), the bureau's evaluation (EVA-2, EVA-3) and the
jurisdiction's weights and targets (EVA-5)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter

from contracts.envelope import Role
from libs.auth.guard import roles
from libs.http.calls import Call
from libs.service import ServiceContext
from services.evaluation.api import schemas as s
from services.evaluation.api import views
from services.evaluation.commands import evaluations as commands
from services.evaluation.domain.evaluation import FindingDue
from services.evaluation.domain.settings import EvaluationSettings, Target

READERS = (Role.BUREAU, Role.SUPERVISOR, Role.OPERATOR)
RegionPath = Annotated[str, PathParameter(pattern=r"^[1-9]\d{5}$")]


class AnnualReportController(Controller):
    path = "/annual-reports"
    tags = ["annual reports"]

    @post("/", guards=[roles(Role.OPERATOR)], summary="File the annual report (EVA-1)")
    async def file(
        self, call: NamedDependency[Call], data: JSONBody[s.AnnualReportBody]
    ) -> s.AnnualReportView:
        statements = {
            "authorized_storage": data.authorized_storage,
            "development_and_use": data.development_and_use,
            "market_operation": data.market_operation,
            "security_and_compliance": data.security_and_compliance,
        }
        return await call.view(views.report, commands.file_annual_report, data.year, statements)

    @get("/{report_id:str}", guards=[roles(*READERS)], summary="One annual report")
    async def read(
        self, call: NamedDependency[Call], report_id: FromPath[str]
    ) -> s.AnnualReportView:
        return await call.view(views.report, commands.get_annual_report, report_id)


class EvaluationController(Controller):
    path = "/evaluations"
    tags = ["evaluations"]

    @post(
        "/",
        guards=[roles(Role.BUREAU)],
        summary="Evaluate the operator for a year that has ended (EVA-2); findings "
        "become rectification orders (EVA-3)",
    )
    async def evaluate(
        self, call: NamedDependency[Call], data: JSONBody[s.EvaluateBody]
    ) -> s.EvaluationView:
        findings = tuple(FindingDue(finding=f.finding, due_on=f.due_on) for f in data.findings)
        made = await call(
            commands.evaluate_operator,
            operator_org_id=data.operator_org_id,
            year=data.year,
            findings=findings,
            remarks=data.remarks,
        )
        return views.evaluation(made)

    @get("/", guards=[roles(*READERS)], summary="Evaluations the caller may see")
    async def browse(
        self,
        call: NamedDependency[Call],
        operator_org_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> list[s.EvaluationView]:
        found = await call(commands.list_evaluations, operator_org_id)
        return [views.evaluation(e) for e in found]

    @get("/{evaluation_id:str}", guards=[roles(*READERS)], summary="One evaluation")
    async def read(
        self, call: NamedDependency[Call], evaluation_id: FromPath[str]
    ) -> s.EvaluationView:
        return await call.view(views.evaluation, commands.get_evaluation, evaluation_id)


class SettingsController(Controller):
    path = "/settings"
    tags = ["settings"]

    @get("/{region:str}", guards=[roles(*READERS)], summary="Weights and targets in force")
    async def read(
        self, ctx: NamedDependency[ServiceContext], region: RegionPath
    ) -> s.SettingsView:
        return views.settings(await commands.effective_settings(ctx, region))

    @put(
        "/{region:str}",
        guards=[roles(Role.BUREAU)],
        summary="Set a region's weights and targets (EVA-2, EVA-5)",
    )
    async def define(
        self, call: NamedDependency[Call], region: RegionPath, data: JSONBody[s.SettingsBody]
    ) -> s.SettingsView:
        wanted = EvaluationSettings(
            region=region,
            weights={
                "agreement_execution": data.weights.agreement_execution,
                "scenarios": data.weights.scenarios,
                "products": data.weights.products,
                "usage": data.weights.usage,
                "revenue": data.weights.revenue,
                "security": data.weights.security,
                "rectification": data.weights.rectification,
            },
            targets=tuple(
                Target(year=t.year, scenarios=t.scenarios, products=t.products)
                for t in data.targets
            ),
            usage_target=data.usage_target,
            revenue_target_fen=data.revenue_target_fen,
            defined_by=region,
        )
        return await call.view(views.settings, commands.define_settings, wanted)
