"""``/<service>/audit/operations``: one person's data operations as this service's audit
chain recorded them (SEC-4: 从业人员数据操作有记录、可审查), filterable by time, for the
bureau and supervisors of the region. The console merges every service's answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Request, get
from litestar.params import FromQuery

from contracts.envelope import Role
from contracts.errors import Forbidden
from libs.auth.guard import principal_of, roles
from libs.service import ServiceContext


class OperationView(msgspec.Struct, kw_only=True):
    service: str
    seq: int
    at: str
    action: str
    subject: str
    org_id: str
    role: str
    detail: dict[str, Any]
    hash: str


def _utc(moment: datetime | None) -> datetime | None:
    """A time without a zone is read as UTC (the chains record UTC)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def route(ctx: ServiceContext) -> Any:
    @get(
        "/audit/operations",
        guards=[roles(Role.BUREAU, Role.SUPERVISOR)],
        summary="One person's recorded operations in this service (SEC-4)",
        tags=["audit"],
    )
    async def operations(
        request: Request[Any, Any, Any],
        user_id: FromQuery[str],
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
    ) -> list[OperationView]:
        principal = principal_of(request)
        if not principal.within(ctx.region):
            raise Forbidden(
                f"the audit records of region {ctx.region} are outside your jurisdiction",
                rule="SEC-4",
            )
        found = await ctx.audit.by_person(user_id, since=_utc(since), until=_utc(until))
        return [
            OperationView(
                service=ctx.name,
                seq=e.seq,
                at=e.at,
                action=e.action,
                subject=e.subject,
                org_id=e.actor.get("org_id", ""),
                role=e.actor.get("role", ""),
                detail=e.detail,
                hash=e.hash,
            )
            for e in found[-1000:]
        ]

    return operations
