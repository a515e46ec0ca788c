"""Sign-in (登录): username and password, or a machine client's credentials, for an access
token; failures are throttled per (username or client, address) pair and per address
with growing delays (``domain.login_throttle``), never per username alone."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from contracts.envelope import Role
from contracts.errors import Forbidden
from libs import aggregate
from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.service import ServiceContext
from libs.store.port import Document, VersionConflict
from services.identity.adapters import passwords
from services.identity.commands import staff
from services.identity.commands.common import audit
from services.identity.domain import account
from services.identity.domain.account import Client, User
from services.identity.domain.login_throttle import (
    ADDRESS_POLICY,
    PAIR_POLICY,
    ThrottlePolicy,
    record_failure,
    retry_after,
)
from services.identity.domain.staff import confidentiality_until
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


Key = tuple[str, ThrottlePolicy]


def _keys(kind: str, account_id: str, address: str) -> tuple[Key, Key]:
    """The pair (account, address) and the address alone, each with its policy."""
    return ((f"{kind}@{address}:{account_id}", PAIR_POLICY), (f"ip:{address}", ADDRESS_POLICY))


async def _failures(ctx: ServiceContext, key: str) -> list[datetime]:
    doc = await ctx.store.get(LOGIN_FAILURES, key)
    if doc is None:
        return []
    return [datetime.fromisoformat(t) for t in doc["failures"]]


async def check_throttle(ctx: ServiceContext, keys: tuple[Key, ...]) -> None:
    now = ctx.clock.now()
    waits = [w for k, p in keys if (w := retry_after(await _failures(ctx, k), now, p))]
    if waits:
        raise Throttled(max(waits))


async def check_address(ctx: ServiceContext, address: str) -> None:
    """The per-address check alone, before a request body is even read."""
    await check_throttle(ctx, (_keys("user", "", address)[1],))


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
    ctx: ServiceContext, keys: tuple[Key, ...], subject: str, address: str
) -> InvalidCredentials:
    for key, policy in keys:
        await _record(ctx, key, policy)
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
    keys = _keys("user", name, address)
    await check_throttle(ctx, keys)
    doc = await ctx.store.get(USERS, name)
    user = from_doc(doc, User) if doc else None
    if not await passwords.verify(user.password_hash if user else None, password) or user is None:
        raise await _refuse(ctx, keys, name, address)
    if user.disabled:
        await audit(ctx, None, "login.disabled", name, {"address": address})
        raise Forbidden(
            "this account is disabled (停用); the bureau can re-enable it", field="username"
        )
    chosen = account.role_for_login(user, role)
    # SEC-4: the token carries until when the person's confidentiality agreement runs.
    records = await staff.records_of(ctx, user.username)
    principal = Principal(
        user_id=user.username,
        org_id=user.org_id,
        role=Role(chosen),
        region=user.region,
        staff=True,
        confidentiality_until=confidentiality_until(records, ctx.clock.now().date()),
    )
    issued = await _issue(ctx, principal, USER_TTL)
    await _forget(ctx, keys[0][0])
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
    keys = _keys("client", client_id, address)
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
    await _forget(ctx, keys[0][0])
    await audit(ctx, principal, "login.client", client_id, {"address": address, "scopes": granted})
    return issued
