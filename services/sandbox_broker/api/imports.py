"""``/sandbox_broker/sandboxes/{id}/imports`` and ``/sandbox_broker/imports``: own-data
imports (SBX-4). The developer uploads the file as the raw request body (CSV or Parquet,
≤ 50 MiB); the operator approves or rejects; only an approved file enters the sandbox.
The controller is module-level; ``Imports`` is injected as the ``imports`` dependency
(``api.router``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from contracts.envelope import Role
from libs.auth.guard import principal_of, roles
from services.sandbox_broker.api.schemas import DecisionBody, ImportView, import_view
from services.sandbox_broker.commands import Imports
from services.sandbox_broker.domain.imports import MAX_IMPORT_BYTES


class ImportController(Controller):
    path = "/"
    tags = ["imports"]

    @post(
        "/sandboxes/{sandbox_id:str}/imports",
        guards=[roles(Role.DEVELOPER)],
        request_max_body_size=MAX_IMPORT_BYTES,
        summary="Ask to import one's own data into one's sandbox (SBX-4)",
        description=(
            "The request body is the file itself (CSV with a header row, UTF-8; or "
            "Parquet), at most 50 MiB. It is kept outside the sandbox until the "
            "operator approves."
        ),
    )
    async def request_import(
        self,
        request: Request[Any, Any, Any],
        sandbox_id: FromPath[str],
        table: Annotated[str, QueryParameter(min_length=1, max_length=63)],
        format: Annotated[Literal["csv", "parquet"], QueryParameter()],
        imports: NamedDependency[Imports],
    ) -> ImportView:
        content = await request.body()
        doc = await imports.request(principal_of(request), sandbox_id, table, format, content)
        return import_view(doc)

    @get(
        "/imports",
        guards=[roles(Role.DEVELOPER, Role.OPERATOR, Role.BUREAU, Role.SUPERVISOR)],
        summary="Import requests (own, or all for the operator and overseers)",
    )
    async def list_imports(
        self, request: Request[Any, Any, Any], imports: NamedDependency[Imports]
    ) -> list[ImportView]:
        return [import_view(d) for d in await imports.listed(principal_of(request))]

    @post(
        "/imports/{import_id:str}/decision",
        guards=[roles(Role.OPERATOR)],
        status_code=200,
        summary="Approve (the table is loaded) or reject an import (SBX-4)",
    )
    async def decide(
        self,
        request: Request[Any, Any, Any],
        import_id: FromPath[str],
        data: JSONBody[DecisionBody],
        imports: NamedDependency[Imports],
    ) -> ImportView:
        doc = await imports.decide(
            principal_of(request), import_id, approve=data.approve, reason=data.reason
        )
        return import_view(doc)
