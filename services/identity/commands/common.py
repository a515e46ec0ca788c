"""What identity's commands share beyond ``libs.aggregate``: new ids and auditing a
command by the signed-in principal (or the platform itself)."""

from __future__ import annotations

import uuid
from typing import Any

from libs import aggregate
from libs.auth.principal import Principal
from libs.service import ServiceContext


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


async def audit(
    ctx: ServiceContext,
    principal: Principal | None,
    action: str,
    subject: str,
    detail: dict[str, Any] | None = None,
) -> None:
    await aggregate.audit(ctx, aggregate.actor_of(principal), action, subject, detail)
