"""``/product-release/exports``: export requests (出域申请), their automated check reports
(EXP-2) and the human review (出域审核, EXP-1, EXP-6)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from contracts.envelope import Role
from contracts.events import OutputColumn
from libs.auth.guard import principal_of, roles
from libs.http.paging import Paging
from libs.http.views import converted
from libs.service import ServiceContext
from libs.store.port import Document
from services.product_release.api.schemas import (
    DecisionBody,
    ExportBody,
    ExportPage,
    ExportView,
)
from services.product_release.commands import exports as export_commands
from services.product_release.domain.export_request import ExportState

READERS = (Role.DEVELOPER, Role.OPERATOR, Role.BUREAU, Role.SUPERVISOR)


def view(doc: Document) -> ExportView:
    """The export request as answered, converted from its document by msgspec; given by
    hand only the id (stored as ``_id``) and the kind of a request stored before kinds."""
    return converted(doc, ExportView, export_id=doc["_id"], kind=doc.get("kind", "table"))


class ExportController(Controller):
    path = "/exports"
    tags = ["exports"]

    @post(
        "/",
        guards=[roles(Role.DEVELOPER)],
        summary="Request an export (出域申请) from one's own production sandbox",
    )
    async def request_export(
        self,
        ctx: NamedDependency[ServiceContext],
        request: Request[Any, Any, Any],
        data: JSONBody[ExportBody],
    ) -> ExportView:
        principal = principal_of(request)
        state = await export_commands.request_export(
            ctx,
            principal,
            sandbox_id=data.sandbox_id,
            output_name=data.output_name,
            kind=data.kind,
            columns=[
                OutputColumn(name=c.name, role=c.role, of=c.of, source=c.source)
                for c in data.columns
            ],
            universe=data.universe,
            key_column=data.key_column,
            answer_column=data.answer_column,
        )
        return view(await export_commands.get_export(ctx, principal, state.export_id))

    @get("/", guards=[roles(*READERS)], summary="Export requests one may see")
    async def browse(
        self,
        ctx: NamedDependency[ServiceContext],
        paging: NamedDependency[Paging],
        request: Request[Any, Any, Any],
        in_state: Annotated[ExportState | None, QueryParameter(name="state")] = None,
    ) -> ExportPage:
        docs, total = await export_commands.list_exports(
            ctx,
            principal_of(request),
            state=in_state.value if in_state else None,
            offset=paging.offset,
            limit=paging.limit,
        )
        return paging.page(
            items=[view(d) for d in docs],
            total=total,
        )

    @get("/{export_id:str}", guards=[roles(*READERS)], summary="One export request")
    async def read(
        self,
        ctx: NamedDependency[ServiceContext],
        request: Request[Any, Any, Any],
        export_id: FromPath[str],
    ) -> ExportView:
        return view(await export_commands.get_export(ctx, principal_of(request), export_id))

    @get(
        "/{export_id:str}/report",
        guards=[roles(*READERS)],
        summary="The automated disclosure check report (EXP-2), as stored by its hash",
    )
    async def report(
        self,
        ctx: NamedDependency[ServiceContext],
        request: Request[Any, Any, Any],
        export_id: FromPath[str],
    ) -> dict[str, Any]:
        return await export_commands.get_report(ctx, principal_of(request), export_id)

    @post(
        "/{export_id:str}/decision",
        guards=[roles(Role.OPERATOR, Role.BUREAU, Role.PROVIDER, Role.DEVELOPER)],
        status_code=200,
        summary="Approve or reject a checked export (出域审核; four eyes, EXP-6)",
        description=(
            "The grant's operator or the authorizing body decides (谁授权、谁审核, "
            "EXP-1): the bureau, or under domain authorization the industry authority "
            "in its place. A developer reaching this route is refused: whoever "
            "requested an export never approves it (EXP-6)."
        ),
    )
    async def decide(
        self,
        ctx: NamedDependency[ServiceContext],
        request: Request[Any, Any, Any],
        export_id: FromPath[str],
        data: JSONBody[DecisionBody],
    ) -> ExportView:
        principal = principal_of(request)
        await export_commands.decide_export(
            ctx, principal, export_id, approve=data.approve, reason=data.reason
        )
        return view(await export_commands.get_export(ctx, principal, export_id, decided=True))
