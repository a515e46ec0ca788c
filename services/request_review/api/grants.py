"""``/request-review/grants``: grants of data use (REQ-5), usable only inside a sandbox;
the bureau revokes with a reason."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from contracts.envelope import Role
from libs.auth.guard import roles
from libs.http.calls import Call
from libs.http.paging import Paging
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
        call: NamedDependency[Call],
        paging: NamedDependency[Paging],
        status: Annotated[str | None, QueryParameter(pattern=r"^(active|revoked)$")] = None,
        developer_org_id: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> GrantPage:
        found, total = await call(
            grant_commands.list_grants,
            status=status,
            developer_org_id=developer_org_id,
            offset=paging.offset,
            limit=paging.limit,
        )
        now = call.ctx.clock.now()
        return paging.page(
            items=[grant_view(g, now) for g in found],
            total=total,
        )

    @get("/{grant_id:str}", guards=[roles(*GRANT_READERS)], summary="One grant")
    async def read(self, call: NamedDependency[Call], grant_id: FromPath[str]) -> GrantView:
        grant = await call(grant_commands.get_grant, grant_id)
        return grant_view(grant, call.ctx.clock.now())

    @post(
        "/{grant_id:str}/revocation",
        guards=[roles(Role.BUREAU)],
        status_code=200,
        summary="Revoke a grant, with the reason (REQ-5)",
    )
    async def revoke(
        self, call: NamedDependency[Call], grant_id: FromPath[str], data: JSONBody[RevocationBody]
    ) -> GrantView:
        grant = await call(grant_commands.revoke_by_bureau, grant_id, data.reason)
        return grant_view(grant, call.ctx.clock.now())
