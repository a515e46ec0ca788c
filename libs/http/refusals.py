"""Every refusal of a signed-in caller is recorded on the service's audit chain.

A refused command writes nothing else, so without this an attempt to read another
developer's sandbox (SBX-2), to approve an export that failed its checks (EXP-2) or to
re-develop a delivered product (EXP-4) would leave no trace; SBX-5 and SEC-4 want every
operation recorded and reviewable. Recorded: domain refusals (403, 404, 409, 422 with
their rule) and role or region refusals by the guards. Not recorded: anonymous callers
(401 — there is no one to name) and malformed bodies (400, refused before any rule ran).
Recording never changes the answer: if the audit store is down the refusal still goes
out, and the failure is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.exceptions import PermissionDeniedException
from litestar.types import Scope

from contracts.errors import DomainError
from libs.auth.guard import PRINCIPAL_KEY
from libs.auth.principal import Principal
from libs.http.problems import sent_path
from libs.service import ServiceContext

log = logging.getLogger(__name__)

AfterException = Callable[[Exception, Scope], Awaitable[None]]


def refusal_recorder(ctx: ServiceContext) -> AfterException:
    async def record(exc: Exception, scope: Scope) -> None:
        if not isinstance(exc, DomainError | PermissionDeniedException):
            return
        state: dict[str, Any] = scope.get("state", {})
        principal = state.get(PRINCIPAL_KEY)
        if not isinstance(principal, Principal):
            return
        if isinstance(exc, DomainError):
            detail = {
                "kind": exc.kind,
                "rule": exc.rule or "",
                "field": exc.field or "",
                "why": exc.detail,
            }
        else:
            detail = {"kind": "forbidden", "rule": "", "field": "", "why": str(exc.detail)}
        try:
            await ctx.audit.append(
                actor={
                    "org_id": principal.org_id,
                    "user_id": principal.user_id,
                    "role": principal.role.value,
                },
                action="refused",
                subject=f"{scope.get('method', '')} {sent_path(scope)}",
                detail=detail,
            )
        except Exception:
            log.exception("could not record a refusal on the audit chain")

    return record
