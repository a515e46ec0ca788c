"""Sign-in (登录): username and password, or a machine client's credentials, for an access
token; failures are throttled per username (or client) and per client address."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from contracts.envelope import Role
from libs import aggregate
from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.service import ServiceContext
from libs.store.port import Document, VersionConflict
from services.identity.adapters import passwords
from services.identity.commands.common import audit
from services.identity.domain import account
from services.identity.domain.account import Client, User
from services.identity.domain.login_throttle import (
    DEFAULT_POLICY,
    ThrottlePolicy,
    record_failure,
    retry_after,
)
from services.identity.repository import CLIENTS, LOGIN_FAILURES, USERS, from_doc

USER_TTL = 900
CLIENT_TTL = 600


class InvalidCredentials(Exception):
    """Unknown account or wrong secret; deliberately the same answer for both."""


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} seconds")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Issued:
    access_token: str
    expires_in: int
    principal: Principal


def _key(kind: str, value: str) -> str:
    return f"{kind}:{value}"


async def _failures(ctx: ServiceContext, key: str) -> list[datetime]:
    doc = await ctx.store.get(LOGIN_FAILURES, key)
    if doc is None:
        return []
    return [datetime.fromisoformat(t) for t in doc["failures"]]


async def check_throttle(
    ctx: ServiceContext, keys: tuple[str, ...], policy: ThrottlePolicy = DEFAULT_POLICY
) -> None:
    now = ctx.clock.now()
    waits = [w for k in keys if (w := retry_after(await _failures(ctx, k), now, policy))]
    if waits:
        raise Throttled(max(waits))


async def check_address(ctx: ServiceContext, address: str) -> None:
    """The per-address check alone, before a request body is even read."""
    await check_throttle(ctx, (_key("ip", address),))


RECORD_ATTEMPTS = 100
"""A burst of failed logins on one key races on one document; every failure is counted."""


async def _record(ctx: ServiceContext, key: str, policy: ThrottlePolicy) -> None:
    def change(doc: Document | None) -> Document:
        stored = [datetime.fromisoformat(t) for t in doc["failures"]] if doc else []
        failures = [t.isoformat() for t in record_failure(stored, ctx.clock.now(), policy)]
        return {**(doc or {}), "failures": failures}

    await aggregate.project(ctx.store, LOGIN_FAILURES, key, change, attempts=RECORD_ATTEMPTS)


async def _forget(ctx: ServiceContext, key: str) -> None:
    doc = await ctx.store.get(LOGIN_FAILURES, key)
    if doc is not None and doc["failures"]:
        doc["failures"] = []
        # On a conflict a concurrent failure was recorded meanwhile; it stays counted.
        with contextlib.suppress(VersionConflict):
            await ctx.store.replace(LOGIN_FAILURES, doc, int(doc["_version"]))


async def _refuse(
    ctx: ServiceContext, keys: tuple[str, ...], subject: str, address: str
) -> InvalidCredentials:
    for key in keys:
        await _record(ctx, key, DEFAULT_POLICY)
    await audit(ctx, None, "login.failed", subject, {"address": address})
    return InvalidCredentials("the credentials are not valid")


async def _issue(ctx: ServiceContext, principal: Principal, ttl: int) -> Issued:
    issuer = TokenIssuer(ctx.secrets, ctx.clock, region=ctx.region)
    token = await issuer.issue(principal, ttl_seconds=ttl)
    return Issued(access_token=token, expires_in=ttl, principal=principal)


async def password_grant(
    ctx: ServiceContext, *, username: str, password: str, role: str | None, address: str
) -> Issued:
    name = username.strip().lower()
    keys = (_key("user", name), _key("ip", address))
    await check_throttle(ctx, keys)
    doc = await ctx.store.get(USERS, name)
    user = from_doc(doc, User) if doc else None
    if not await passwords.verify(user.password_hash if user else None, password) or user is None:
        raise await _refuse(ctx, keys, name, address)
    chosen = account.role_for_login(user, role)
    principal = Principal(
        user_id=user.username, org_id=user.org_id, role=Role(chosen), region=user.region
    )
    issued = await _issue(ctx, principal, USER_TTL)
    await _forget(ctx, keys[0])
    await audit(ctx, principal, "login", name, {"address": address, "role": chosen})
    return issued


async def client_grant(
    ctx: ServiceContext,
    *,
    client_id: str,
    client_secret: str,
    scopes: tuple[str, ...],
    address: str,
) -> Issued:
    keys = (_key("client", client_id), _key("ip", address))
    await check_throttle(ctx, keys)
    doc = await ctx.store.get(CLIENTS, client_id)
    client = from_doc(doc, Client) if doc else None
    secret_hash = client.secret_hash if client else None
    if not await passwords.verify(secret_hash, client_secret) or client is None:
        raise await _refuse(ctx, keys, client_id, address)
    granted = account.scopes_for_client(client, scopes)
    principal = Principal(
        user_id=f"client:{client.client_id}",
        org_id=client.org_id,
        role=Role.EXCHANGE,
        region=client.region,
        scopes=frozenset(granted),
    )
    issued = await _issue(ctx, principal, CLIENT_TTL)
    await _forget(ctx, keys[0])
    await audit(ctx, principal, "login.client", client_id, {"address": address, "scopes": granted})
    return issued
