"""``/sandbox_broker/sandboxes``: sandboxes (授权运营空间), their jobs and outputs, and the
expiry sweep.

A developer sees and works only in its own sandboxes (SBX-2); the operator, the bureau
and supervisors see every sandbox and every job record (有记录、可审查, SBX-5). A job is
answered with its record — one the SQL guard refuses is a record with status ``refused``,
its reason and rule. A job refused by admission (``domain.admission``) is recorded too,
and answered as an import or an export refused for that reason is: 403 in another
organization's sandbox (SBX-2), 409 in a closed, suspended or unready sandbox or outside
the grant's validity (SBX-7, AUTH-6, REQ-5, SBX-1). A production job never returns rows
(可用不可见).

The controller is module-level; the ``SandboxService`` it calls is injected as the
``service`` dependency (``api.router``).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from contracts.envelope import Role
from libs.auth.guard import principal_of, roles
from services.sandbox_broker.api.schemas import (
    JobBody,
    JobView,
    OutputView,
    PurgeView,
    SandboxView,
    SweepView,
    job_doc_view,
    job_view,
    output_view,
    sandbox_view,
)
from services.sandbox_broker.commands import SandboxService

READERS = (Role.DEVELOPER, Role.OPERATOR, Role.BUREAU, Role.SUPERVISOR)


class SandboxController(Controller):
    path = "/"
    tags = ["sandboxes"]

    @get("/sandboxes", guards=[roles(*READERS)], summary="Sandboxes (own, or all for overseers)")
    async def list_sandboxes(
        self, request: Request[Any, Any, Any], service: NamedDependency[SandboxService]
    ) -> list[SandboxView]:
        return [sandbox_view(d) for d in await service.listed(principal_of(request))]

    @get("/sandboxes/{sandbox_id:str}", guards=[roles(*READERS)], summary="One sandbox")
    async def read(
        self,
        request: Request[Any, Any, Any],
        sandbox_id: FromPath[str],
        service: NamedDependency[SandboxService],
    ) -> SandboxView:
        return sandbox_view(await service.readable(principal_of(request), sandbox_id))

    @post(
        "/sandboxes/{sandbox_id:str}/jobs",
        guards=[roles(Role.DEVELOPER)],
        summary="Run a job (SQL) in one's own sandbox",
        description=(
            "One query, or `CREATE TABLE output_<name> AS <query>`; the result stays "
            "inside as an output. The answer is the job record (`status` succeeded, "
            "failed, refused, blocked, timed_out …, with `reason` and `rule`); the "
            "development sandbox adds a preview of the result, production never. A job "
            "admission refuses (another organization's sandbox, a closed, suspended or "
            "unready one, a grant not yet valid or expired) is recorded and answered 403 "
            "or 409 naming the rule, as an import there would be."
        ),
    )
    async def submit(
        self,
        request: Request[Any, Any, Any],
        sandbox_id: FromPath[str],
        data: JSONBody[JobBody],
        service: NamedDependency[SandboxService],
    ) -> JobView:
        result = await service.submit_job(principal_of(request), sandbox_id, data.sql)
        return job_view(result.record, result.preview)

    @get(
        "/sandboxes/{sandbox_id:str}/jobs",
        guards=[roles(*READERS)],
        summary="Job records (SBX-5)",
    )
    async def jobs(
        self,
        request: Request[Any, Any, Any],
        sandbox_id: FromPath[str],
        service: NamedDependency[SandboxService],
    ) -> list[JobView]:
        return [
            job_doc_view(d) for d in await service.job_records(principal_of(request), sandbox_id)
        ]

    @get(
        "/sandboxes/{sandbox_id:str}/outputs",
        guards=[roles(*READERS)],
        summary="Outputs kept inside: names, columns and row counts, never contents",
    )
    async def outputs(
        self,
        request: Request[Any, Any, Any],
        sandbox_id: FromPath[str],
        service: NamedDependency[SandboxService],
    ) -> list[OutputView]:
        return [output_view(d) for d in await service.outputs(principal_of(request), sandbox_id)]

    @post(
        "/expiry-sweep",
        guards=[roles(Role.BUREAU)],
        status_code=200,
        summary="Close every sandbox whose grant expired (SBX-7)",
    )
    async def sweep(
        self, request: Request[Any, Any, Any], service: NamedDependency[SandboxService]
    ) -> SweepView:
        actor = principal_of(request).actor()
        return SweepView(closed=await service.sweep_expired(actor))

    @post(
        "/sandboxes/{sandbox_id:str}/logs/purge",
        guards=[roles(Role.BUREAU)],
        status_code=200,
        summary="Purge a deleted sandbox's logs once their retention ended (AUTH-7)",
        description=(
            "Job records with their stderr, import decisions and the executor's record "
            "(isolation, executions) are kept six calendar months after the operator's "
            "authorization ended; before that, or while it lives, the purge is refused "
            "(409, AUTH-7) and nothing is removed. The audit chain is never purged."
        ),
    )
    async def purge(
        self,
        request: Request[Any, Any, Any],
        sandbox_id: FromPath[str],
        service: NamedDependency[SandboxService],
    ) -> PurgeView:
        actor = principal_of(request).actor()
        removed = await service.purge_logs(sandbox_id, actor)
        return PurgeView(sandbox_id=sandbox_id, removed=removed)
