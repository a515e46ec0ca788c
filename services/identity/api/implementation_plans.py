"""``/identity/implementation-plans/{region}``: the region's implementation plan (实施方案,
AUTH-12) — its versions, the government's approval, the provincial filing, the filing
deadline (20 working days) and whether it was missed. The bureau of the region records."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from libs.auth.guard import roles
from libs.auth.principal import Principal
from libs.http.calls import Call
from libs.service import ServiceContext
from services.identity.api.bodies import PlanApprovalBody, PlanBody, PlanFilingBody
from services.identity.api.guards import SIGNED_IN, bureau_only
from services.identity.api.views import ImplementationPlanView
from services.identity.commands import implementation_plans as commands
from services.identity.domain.implementation_plan import ImplementationPlan


async def _view(ctx: ServiceContext, principal: Principal, region: str) -> Any:
    plan, due, overdue = await commands.read(ctx, principal, region)
    return view(plan, due, overdue)


def view(plan: ImplementationPlan, due: Any, overdue: bool) -> ImplementationPlanView:
    approved = plan.approved
    return msgspec.convert(
        {
            "region": plan.region,
            "versions": msgspec.to_builtins(list(plan.versions)),
            "approved_version": approved.version if approved else None,
            "pending_approval": not plan.latest.in_force,
            "filing_due_on": due.isoformat() if due else None,
            "filing_overdue": overdue,
        },
        ImplementationPlanView,
    )


class ImplementationPlanController(Controller):
    path = "/implementation-plans"
    tags = ["implementation plan"]

    @get("/{region:str}", guards=[roles(*SIGNED_IN)], summary="The region's plan (AUTH-12)")
    async def read(
        self, call: NamedDependency[Call], region: FromPath[str]
    ) -> ImplementationPlanView:
        result: ImplementationPlanView = await call(_view, region)
        return result

    @put(
        "/{region:str}",
        guards=[bureau_only(rule="AUTH-12")],
        summary="Draft a version; a change of mode, scope or sharing needs approval again",
    )
    async def draft(
        self, call: NamedDependency[Call], region: FromPath[str], data: JSONBody[PlanBody]
    ) -> ImplementationPlanView:
        await call(
            commands.draft,
            region,
            modes=tuple(data.modes),
            resources=tuple(data.resources),
            revenue_sharing=data.revenue_sharing,
            summary=data.summary,
        )
        result: ImplementationPlanView = await call(_view, region)
        return result

    @post(
        "/{region:str}/approval",
        guards=[bureau_only(rule="AUTH-12")],
        status_code=200,
        summary="Record the government's collective decision approving the latest version",
    )
    async def approve(
        self, call: NamedDependency[Call], region: FromPath[str], data: JSONBody[PlanApprovalBody]
    ) -> ImplementationPlanView:
        await call(commands.approve, region, meeting=data.meeting, decided_on=data.decided_on)
        result: ImplementationPlanView = await call(_view, region)
        return result

    @post(
        "/{region:str}/filing",
        guards=[bureau_only(rule="AUTH-12")],
        status_code=200,
        summary="Record the filing with the provincial data department",
    )
    async def file(
        self, call: NamedDependency[Call], region: FromPath[str], data: JSONBody[PlanFilingBody]
    ) -> ImplementationPlanView:
        await call(commands.record_filing, region, filed_on=data.filed_on, reference=data.reference)
        result: ImplementationPlanView = await call(_view, region)
        return result
