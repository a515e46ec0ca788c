"""``/catalog/objections``: data-quality objections (异议, CAT-5): raised, corrected by the
provider, verified by the bureau (the objector is told), and their deadline sweep."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from contracts.envelope import Role
from libs.auth.guard import principal_of, roles
from libs.http.paging import Paging
from libs.http.views import converted
from libs.service import ServiceContext
from services.catalog.api.resources import READERS
from services.catalog.api.schemas import (
    ObjectionPage,
    ObjectionView,
    RaiseObjectionBody,
    ResolutionBody,
    SweepReport,
    VerificationBody,
)
from services.catalog.commands import objections as objection_commands
from services.catalog.domain.objection import Objection, RaiseObjection, State

OBJECTORS = (*READERS, Role.PUBLIC)
"""Anyone signed in with access may object, citizens included (DESIGN §2)."""


def view(objection: Objection) -> ObjectionView:
    """The objection as answered, converted by msgspec; its due day as ISO text."""
    return converted(objection, ObjectionView, due_on=objection.due_on.isoformat())


class ObjectionController(Controller):
    path = "/objections"
    tags = ["objections"]

    @post("/", guards=[roles(*OBJECTORS)], summary="Raise a data-quality objection (异议)")
    async def raise_(
        self,
        ctx: NamedDependency[ServiceContext],
        request: Request[Any, Any, Any],
        data: JSONBody[RaiseObjectionBody],
    ) -> ObjectionView:
        principal = principal_of(request)
        cmd = RaiseObjection(
            resource_id=data.resource_id,
            description=data.description,
            item_name=data.item_name,
            raised_by_org_id=principal.org_id,
            raised_by_user_id=principal.user_id,
            raised_by_role=principal.role.value,
        )
        return view(await objection_commands.raise_objection(ctx, principal, cmd))

    @get("/", guards=[roles(*OBJECTORS)], summary="Objections the caller may see")
    async def browse(
        self,
        ctx: NamedDependency[ServiceContext],
        paging: NamedDependency[Paging],
        request: Request[Any, Any, Any],
        status: FromQuery[State | None] = None,
        resource_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> ObjectionPage:
        found, total = await objection_commands.list_objections(
            ctx,
            principal_of(request),
            status=status.value if status is not None else None,
            resource_id=resource_id,
            offset=paging.offset,
            limit=paging.limit,
        )
        return paging.page(
            items=[view(o) for o in found],
            total=total,
        )

    @post(
        "/deadline-sweep",
        guards=[roles(Role.BUREAU)],
        status_code=200,
        summary="Escalate overdue objections now (also runs periodically; idempotent)",
    )
    async def sweep(self, ctx: NamedDependency[ServiceContext]) -> SweepReport:
        escalated = await objection_commands.sweep_deadlines(ctx)
        return SweepReport(escalated=escalated, at=ctx.clock.now().isoformat())

    @get("/{objection_id:str}", guards=[roles(*OBJECTORS)], summary="One objection")
    async def read(
        self,
        ctx: NamedDependency[ServiceContext],
        request: Request[Any, Any, Any],
        objection_id: FromPath[str],
    ) -> ObjectionView:
        principal = principal_of(request)
        return view(await objection_commands.get_objection(ctx, principal, objection_id))

    @post(
        "/{objection_id:str}/correction",
        guards=[roles(Role.PROVIDER)],
        status_code=200,
        summary="The assigned provider reports its correction (整改); the bureau verifies",
    )
    async def correct(
        self,
        ctx: NamedDependency[ServiceContext],
        request: Request[Any, Any, Any],
        objection_id: FromPath[str],
        data: JSONBody[ResolutionBody],
    ) -> ObjectionView:
        principal = principal_of(request)
        return view(
            await objection_commands.report_correction(
                ctx, principal, objection_id, data.resolution
            )
        )

    @post(
        "/{objection_id:str}/verification",
        guards=[roles(Role.BUREAU)],
        status_code=200,
        summary=(
            "The bureau verifies the correction (核实): closed and the objector told, or "
            "returned to the provider"
        ),
    )
    async def verify(
        self,
        ctx: NamedDependency[ServiceContext],
        request: Request[Any, Any, Any],
        objection_id: FromPath[str],
        data: JSONBody[VerificationBody],
    ) -> ObjectionView:
        principal = principal_of(request)
        return view(
            await objection_commands.verify_correction(
                ctx, principal, objection_id, verified=data.verified, finding=data.finding
            )
        )
