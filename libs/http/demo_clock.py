"""``/demo/clock``: the demo clock of an embedded instance (演示时钟), for ``pdo demo``.

``GET`` tells the platform's time (public); ``PUT {"at": "<ISO time>"}`` moves it and
``PUT {"at": null}`` hands over to wall time — the bureau only, with a token signed by
the instance's key. Mounted only when the platform runs on a ``DemoClock``, which only
embedded mode does (``libs.cli``); a distributed deployment never serves it, so its time
is never moved.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, get, put
from litestar.exceptions import PermissionDeniedException
from litestar.params import JSONBody
from litestar.types import ControllerRouterHandler

from contracts.envelope import Role
from contracts.errors import DomainError
from libs.auth.guard import authenticate
from libs.auth.tokens import TokenVerifier
from libs.clock import DemoClock
from libs.secrets.port import SecretStore


class ClockBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    at: datetime | None


class ClockView(msgspec.Struct, kw_only=True):
    now: datetime


def routes(clock: DemoClock, secrets: SecretStore, region: str) -> list[ControllerRouterHandler]:
    verifier = TokenVerifier(secrets, clock, region=region)

    @get("/demo/clock", opt={"public": True}, summary="The demo clock's time (embedded demo)")
    async def tell() -> ClockView:
        return ClockView(now=clock.now())

    @put(
        "/demo/clock",
        opt={"public": True},
        status_code=200,
        summary="Move the demo clock (the bureau; embedded demo only)",
    )
    async def move(request: Request[Any, Any, Any], data: JSONBody[ClockBody]) -> ClockView:
        principal = await authenticate(request, verifier)
        if principal.role != Role.BUREAU or not principal.may_act_in(region):
            raise PermissionDeniedException("only the bureau of this region moves the demo clock")
        if data.at is None:
            clock.hand_over()
        elif data.at.tzinfo is None:
            raise DomainError("a time with its UTC offset is needed", field="at")
        else:
            clock.set(data.at)
        return ClockView(now=clock.now())

    return [tell, move]
