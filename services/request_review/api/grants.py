"""``/request-review/grants``: grants of data use (REQ-5), usable only inside a sandbox;
the bureau revokes with a reason."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from contracts.envelope import Role
from libs.auth.guard import roles
from libs.auth.principal import Principal
from libs.http.paging import Paging
from libs.service import ServiceContext
from services.request_review.api.schemas import GrantPage, GrantView, RevocationBody
from services.request_review.api.views import grant_view
from services.request_review.commands import grants as grant_commands

GRANT_READERS = (Role.BUREAU, Role.SUPERVISOR, Role.DEVELOPER, Role.OPERATOR, Role.PROVIDER)


class GrantController(Controller):
    path = "/grants"
    tags = ["grants"]

    @get("/", guards=[roles(*GRANT_READERS)], summary="Grants the caller may see")
    async def browse(
        self,
        ctx: NamedDependency[ServiceContext],
        paging: NamedDependency[Paging],
        principal: NamedDependency[Principal],
        status: Annotated[str | None, QueryParameter(pattern=r"^(active|revoked)$")] = None,
        developer_org_id: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> GrantPage:
        found, total = await grant_commands.list_grants(
            ctx,
            principal,
            status=status,
            developer_org_id=developer_org_id,
            offset=paging.offset,
            limit=paging.limit,
        )
        now = ctx.clock.now()
        return paging.page(
            items=[grant_view(g, now) for g in found],
            total=total,
        )

    @get("/{grant_id:str}", guards=[roles(*GRANT_READERS)], summary="One grant")
    async def read(
        self,
        ctx: NamedDependency[ServiceContext],
        principal: NamedDependency[Principal],
        grant_id: FromPath[str],
    ) -> GrantView:
        grant = await grant_commands.get_grant(ctx, principal, grant_id)
        return grant_view(grant, ctx.clock.now())

    @post(
        "/{grant_id:str}/revocation",
        guards=[roles(Role.BUREAU)],
        status_code=200,
        summary="Revoke a grant, with the reason (REQ-5)",
    )
    async def revoke(
        self,
        ctx: NamedDependency[ServiceContext],
        principal: NamedDependency[Principal],
        grant_id: FromPath[str],
        data: JSONBody[RevocationBody],
    ) -> GrantView:
        grant = await grant_commands.revoke_by_bureau(ctx, principal, grant_id, data.reason)
        return grant_view(grant, ctx.clock.now())
