"""``/evaluation/rectifications``: rectification orders (整改, EVA-3) and their deadline
sweep; ``rectification.overdue`` leads identity to suspend or terminate (AUTH-6)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from contracts.envelope import Role
from libs.auth.guard import roles
from libs.http.calls import Call
from libs.service import ServiceContext
from services.evaluation.api import schemas as s
from services.evaluation.api import views
from services.evaluation.commands import rectifications as orders
from services.evaluation.domain.rectification import State

READERS = (Role.BUREAU, Role.SUPERVISOR, Role.OPERATOR)


class RectificationController(Controller):
    path = "/rectifications"
    tags = ["rectifications"]

    @post("/", guards=[roles(Role.BUREAU)], summary="Order a rectification (EVA-3)")
    async def order(self, call: NamedDependency[Call], data: JSONBody[s.OrderBody]) -> s.OrderView:
        made = await call(
            orders.order,
            operator_org_id=data.operator_org_id,
            finding=data.finding,
            due_on=data.due_on,
        )
        return views.order(made)

    @get("/", guards=[roles(*READERS)], summary="Orders the caller may see")
    async def browse(
        self,
        call: NamedDependency[Call],
        order_state: Annotated[State | None, QueryParameter(name="state")] = None,
        operator_org_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> list[s.OrderView]:
        found = await call(
            orders.browse,
            state=order_state.value if order_state is not None else None,
            operator_org_id=operator_org_id,
        )
        return [views.order(o) for o in found]

    @post(
        "/deadline-sweep",
        guards=[roles(Role.BUREAU)],
        status_code=200,
        summary="Mark overdue orders now (also runs periodically; idempotent)",
    )
    async def sweep(self, ctx: NamedDependency[ServiceContext]) -> s.SweepReport:
        marked = await orders.sweep_deadlines(ctx)
        return s.SweepReport(overdue=marked, at=ctx.clock.now())

    @get("/{order_id:str}", guards=[roles(*READERS)], summary="One order")
    async def read(self, call: NamedDependency[Call], order_id: FromPath[str]) -> s.OrderView:
        return await call.view(views.order, orders.get, order_id)

    @post(
        "/{order_id:str}/report",
        guards=[roles(Role.OPERATOR)],
        status_code=200,
        summary="The operator reports its rectification, by the deadline",
    )
    async def report(
        self, call: NamedDependency[Call], order_id: FromPath[str], data: JSONBody[s.ReportBody]
    ) -> s.OrderView:
        done = await call(orders.report, order_id, data.report)
        return views.order(done)

    @post(
        "/{order_id:str}/acceptance",
        guards=[roles(Role.BUREAU)],
        status_code=200,
        summary="The bureau accepts the rectification (rectification.completed)",
    )
    async def accept(self, call: NamedDependency[Call], order_id: FromPath[str]) -> s.OrderView:
        return await call.view(views.order, orders.accept, order_id)

    @post(
        "/{order_id:str}/return",
        guards=[roles(Role.BUREAU)],
        status_code=200,
        summary="The bureau returns the rectification; the deadline stands",
    )
    async def return_(
        self, call: NamedDependency[Call], order_id: FromPath[str], data: JSONBody[s.ReasonBody]
    ) -> s.OrderView:
        done = await call(orders.return_, order_id, data.reason)
        return views.order(done)
