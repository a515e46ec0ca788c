"""``/identity/tokens``: sign in for an access token (登录) — a user with username and
password, or the exchange's machine client with client credentials."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.params import JSONBody

from libs.service import ServiceContext
from services.identity.api.bodies import ClientCredentialsGrant, PasswordGrant
from services.identity.api.guards import client_address, login_throttle
from services.identity.api.views import TokenView
from services.identity.commands import login


@post(
    "/tokens",
    guards=[login_throttle],
    security=[],
    status_code=200,
    tags=["sign-in"],
    summary="Sign in: password or client-credentials grant for an access token",
    description="Takes no bearer token (it issues them). Five failures within 15 "
    "minutes for one username (or client) from one address, or twenty from one address, "
    "answer 429 with a Retry-After that doubles with every further failure (up to 15 "
    "minutes); failures elsewhere never lock an account.",
)
async def issue(
    ctx: NamedDependency[ServiceContext],
    request: Request[Any, Any, Any],
    data: JSONBody[PasswordGrant | ClientCredentialsGrant],
) -> Response[TokenView]:
    address = client_address(request)
    try:
        if isinstance(data, PasswordGrant):
            issued = await login.password_grant(
                ctx,
                username=data.username,
                password=data.password,
                role=data.role,
                address=address,
            )
        else:
            issued = await login.client_grant(
                ctx,
                client_id=data.client_id,
                client_secret=data.client_secret,
                scopes=tuple(data.scope.split()),
                address=address,
            )
    except login.Throttled as throttled:
        raise TooManyRequestsException(
            str(throttled), headers={"Retry-After": str(throttled.retry_after)}
        ) from None
    except login.InvalidCredentials as refused:
        raise NotAuthorizedException(str(refused)) from None
    principal = issued.principal
    body = TokenView(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        org_id=principal.org_id,
        role=principal.role.value,
        region=principal.region,
        scope=" ".join(sorted(principal.scopes)),
    )
    return Response(body, headers={"Cache-Control": "no-store"})
