"""``/request-review/scenarios``: scenarios (应用场景) filed, changed and re-evaluated
(REQ-1, REQ-8); ``?due=true`` lists those whose re-evaluation day has come."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from contracts.envelope import Role
from libs.auth.guard import roles
from libs.http.calls import Call
from libs.http.paging import Paging
from libs.service import ServiceContext
from services.request_review.api.schemas import (
    ReevaluationBody,
    ScenarioBody,
    ScenarioChangeBody,
    ScenarioPage,
    ScenarioView,
)
from services.request_review.api.views import scenario_view
from services.request_review.commands import scenarios as scenario_commands
from services.request_review.domain.scenario import ScenarioTerms

READERS = (Role.BUREAU, Role.PROVIDER, Role.OPERATOR, Role.DEVELOPER, Role.SUPERVISOR)


class ScenarioController(Controller):
    path = "/scenarios"
    tags = ["scenarios"]

    @post("/", guards=[roles(Role.OPERATOR)], summary="File a scenario (场景备案, REQ-1)")
    async def file(self, call: NamedDependency[Call], data: JSONBody[ScenarioBody]) -> ScenarioView:
        terms = ScenarioTerms(
            name=data.name,
            domain=data.domain,
            purpose=data.purpose,
            expected_value=data.expected_value,
            scenario_class=data.scenario_class,
        )
        scenario = await call(scenario_commands.file_scenario, terms)
        return scenario_view(scenario, call.ctx.clock.now())

    @get("/", guards=[roles(*READERS)], summary="Scenarios; due=true: due for re-evaluation")
    async def browse(
        self,
        ctx: NamedDependency[ServiceContext],
        paging: NamedDependency[Paging],
        due: Annotated[bool, QueryParameter()] = False,
        status: Annotated[str | None, QueryParameter(pattern=r"^(active|retired)$")] = None,
        operator_org_id: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> ScenarioPage:
        found, total = await scenario_commands.list_scenarios(
            ctx,
            due=due,
            status=status,
            operator_org_id=operator_org_id,
            offset=paging.offset,
            limit=paging.limit,
        )
        now = ctx.clock.now()
        return paging.page(
            items=[scenario_view(s, now) for s in found],
            total=total,
        )

    @get("/{scenario_id:str}", guards=[roles(*READERS)], summary="One scenario")
    async def read(
        self, ctx: NamedDependency[ServiceContext], scenario_id: FromPath[str]
    ) -> ScenarioView:
        scenario = await scenario_commands.get_scenario(ctx, scenario_id)
        return scenario_view(scenario, ctx.clock.now())

    @post(
        "/{scenario_id:str}/changes",
        guards=[roles(Role.OPERATOR)],
        status_code=200,
        summary="File a change with the bureau (变更备案, REQ-8)",
    )
    async def change(
        self,
        call: NamedDependency[Call],
        scenario_id: FromPath[str],
        data: JSONBody[ScenarioChangeBody],
    ) -> ScenarioView:
        changes = {
            name: value for name, value in msgspec.structs.asdict(data).items() if value is not None
        }
        scenario = await call(scenario_commands.change_scenario, scenario_id, changes)
        return scenario_view(scenario, call.ctx.clock.now())

    @post(
        "/{scenario_id:str}/reevaluation",
        guards=[roles(Role.BUREAU)],
        status_code=200,
        summary="Record the periodic re-evaluation: continued or retired (REQ-8)",
    )
    async def reevaluate(
        self,
        call: NamedDependency[Call],
        scenario_id: FromPath[str],
        data: JSONBody[ReevaluationBody],
    ) -> ScenarioView:
        scenario = await call(
            scenario_commands.reevaluate,
            scenario_id,
            scenario_commands.Reevaluate(outcome=data.outcome, note=data.note),
        )
        return scenario_view(scenario, call.ctx.clock.now())
