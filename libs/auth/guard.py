"""Litestar glue: every route gets the caller's ``Principal`` or a 401/403 problem.

Routes declare who may call them with ``roles(...)``; public routes opt out explicitly
with ``opt={"public": True}``, so forgetting a guard fails closed.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from contracts.envelope import Role
from libs.auth.principal import Principal
from libs.auth.tokens import TokenError, TokenVerifier

PRINCIPAL_KEY = "pdo_principal"


async def authenticate(
    connection: ASGIConnection[Any, Any, Any, Any], verifier: TokenVerifier
) -> Principal:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException("A bearer access token is required.")
    try:
        return await verifier.verify(token.strip())
    except TokenError as exc:
        raise NotAuthorizedException(str(exc)) from None


def roles(*allowed: Role) -> Any:
    """A guard admitting only the given roles, within the service's region."""
    allowed_set = frozenset(allowed)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = connection.scope.get("state", {}).get(PRINCIPAL_KEY)
        if not isinstance(principal, Principal):
            verifier: TokenVerifier = connection.app.state.verifier
            principal = await authenticate(connection, verifier)
            connection.scope.setdefault("state", {})[PRINCIPAL_KEY] = principal
        if principal.role not in allowed_set:
            raise PermissionDeniedException(
                f"role '{principal.role.value}' may not do this; allowed: "
                + ", ".join(sorted(r.value for r in allowed_set))
            )
        region: str = connection.app.state.region
        if not principal.may_act_in(region):
            raise PermissionDeniedException(
                f"a token of region {principal.region} cannot act in region {region}"
            )

    return guard


def principal_of(request: Request[Any, Any, Any]) -> Principal:
    """The caller established by the route's guard."""
    principal = request.scope.get("state", {}).get(PRINCIPAL_KEY)
    if not isinstance(principal, Principal):
        raise NotAuthorizedException("A bearer access token is required.")
    return principal
