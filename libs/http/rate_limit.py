"""Per-client rate limits on every service (DESIGN §10: rate limits answer 429).

Litestar's own ``RateLimitMiddleware`` counts requests in a fixed one-minute window per
client and per service. The limit is ``PDO_RATE_LIMIT_PER_MINUTE`` (default 600; ``0``
turns limiting off), read once when the service's app is built.

The client is the caller's IP address (``scope["client"]``), never a token's ``sub``:
the middleware runs before the route's guard has verified the token, so an unverified
``sub`` would let anyone mint a fresh bucket per request, and verifying it here would
spend a signature check on callers that are being throttled. Behind a proxy or an
ingress, run the server with trusted proxy headers (uvicorn ``--forwarded-allow-ips``)
so the address is the caller's and not the proxy's.

Counters live in the app's in-memory store: each process (each replica in distributed
mode) counts on its own, so a caller spread over N replicas gets up to N times the limit.

``/healthz`` and the OpenAPI documents under ``/schema`` are not limited, so probes and
documentation readers never consume a caller's budget. A refused request is an RFC 9457
problem (``application/problem+json``) with ``Retry-After`` and the ``RateLimit-*``
headers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import RateLimitConfig

from libs.config import ConfigError
from libs.http.problems import problem

RATE_LIMIT_ENV = "PDO_RATE_LIMIT_PER_MINUTE"
DEFAULT_PER_MINUTE = 600
"""Ten requests a second on average per client and service: far above a person or a
polite integration, low enough that one runaway client cannot starve the others."""

UNLIMITED_PATHS = (r"^/healthz$", r"^/schema(?:/|$)")
"""Paths inside one service's app (the ``/<service>`` mount prefix is already stripped)."""


def per_minute_from_env(env: Mapping[str, str] | None = None) -> int:
    """``PDO_RATE_LIMIT_PER_MINUTE`` as a whole number; unset means the default."""
    env = os.environ if env is None else env
    raw = env.get(RATE_LIMIT_ENV, "").strip()
    if not raw:
        return DEFAULT_PER_MINUTE
    if not raw.isdigit():
        raise ConfigError(
            f"{RATE_LIMIT_ENV}={raw!r} is not a whole number of requests per minute (0 disables)"
        )
    return int(raw)


def client_address(request: Request[Any, Any, Any]) -> str:
    """The rate-limit key: the caller's IP address as the server saw it."""
    return f"ip:{request.client.host}" if request.client else "ip:unknown"


def rate_limit_config(per_minute: int) -> RateLimitConfig | None:
    """Litestar's rate limiting at ``per_minute`` requests per client, or ``None`` if 0."""
    if per_minute < 0:
        raise ConfigError(f"{RATE_LIMIT_ENV} must not be negative (got {per_minute})")
    if per_minute == 0:
        return None
    return RateLimitConfig(
        rate_limit=("minute", per_minute),
        exclude=list(UNLIMITED_PATHS),
        identifier_for_request=client_address,
    )


def on_rate_limited(
    request: Request[Any, Any, Any], exc: TooManyRequestsException
) -> Response[dict[str, Any]]:
    """429 as a problem, always with ``Retry-After``.

    From the middleware (no ``Retry-After`` of its own) it is the seconds until the
    client's window resets (``RateLimit-Reset``). A route's own 429 (e.g. a sign-in
    throttle) keeps the ``Retry-After`` and detail it raised with.
    """
    headers = {str(k): str(v) for k, v in (exc.headers or {}).items()}
    given = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if given is None:
        reset = headers.get("RateLimit-Reset", "")
        given = headers["Retry-After"] = str(max(1, int(reset)) if reset.isdigit() else 60)
    detail = str(exc.detail or "")
    if not detail or detail == HTTPStatus.TOO_MANY_REQUESTS.phrase:
        detail = f"Too many requests from this client; retry after {given} seconds."
    return problem(request, 429, detail, slug="rate-limited", headers=headers)


__all__ = [
    "DEFAULT_PER_MINUTE",
    "RATE_LIMIT_ENV",
    "UNLIMITED_PATHS",
    "client_address",
    "on_rate_limited",
    "per_minute_from_env",
    "rate_limit_config",
]
