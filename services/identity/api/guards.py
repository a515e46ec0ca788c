"""Route guards of identity: signed-in roles, the bureau alone (naming AUTH-1 where the
route authorizes), and the sign-in throttle of the token endpoint."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler

from contracts.envelope import Role
from contracts.errors import Forbidden
from libs.auth.guard import PRINCIPAL_KEY, roles
from libs.auth.principal import Principal
from libs.service import ServiceContext
from services.identity.commands import login

SIGNED_IN = (
    Role.BUREAU,
    Role.PROVIDER,
    Role.OPERATOR,
    Role.DEVELOPER,
    Role.SUPERVISOR,
    Role.EXCHANGE,
    Role.PUBLIC,
)
Guard = Any


def bureau_only(*, rule: str | None = None) -> Guard:
    """Any signed-in caller of this platform's region passes authentication; then only the
    bureau (实施机构) passes. With ``rule`` the 403 problem names it (AUTH-1 on the routes
    that authorize an operator)."""
    signed_in = roles(*SIGNED_IN)

    async def guard(
        connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        await signed_in(connection, handler)
        principal: Principal = connection.scope["state"][PRINCIPAL_KEY]
        if principal.role is not Role.BUREAU:
            suffix = f" ({rule}: providers and others never authorize)" if rule else ""
            raise Forbidden(
                f"only the bureau (实施机构) may do this; role '{principal.role.value}' may not"
                + suffix,
                rule=rule,
            )

    return guard


async def login_throttle(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Refuse a sign-in from an address with too many recent failures before reading the
    body; the token endpoint takes no bearer token (it issues them). A guard gets no
    dependencies, so it reads the service context the app keeps (``libs.http.app``)."""
    ctx: ServiceContext = connection.app.state.context
    try:
        await login.check_address(ctx, client_address(connection))
    except login.Throttled as throttled:
        raise TooManyRequestsException(
            str(throttled), headers={"Retry-After": str(throttled.retry_after)}
        ) from None


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The peer address (a proxy in front is expected to be the trusted edge)."""
    return connection.client.host if connection.client else "unknown"
