"""The HTTP driver of the demo: signs tokens for the demo parties, calls the public APIs,
moves the demo clock, and counts what it did.

The demo parties act with access tokens signed by the instance's own signing key (the
same key identity signs with; in embedded mode the loader runs inside the process, for
``pdo demo --url`` the key comes from the instance's keyring or Vault), valid at the
platform's clock. Every call goes through ``httpx`` to the gateway — in-process through
an ASGI transport, or over the network — so every guard, rule and event is real.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx

from demo.city import DemoOrg
from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.clock import Clock
from libs.secrets.port import SecretStore

TOKEN_TTL = 4 * 3600
RETRY_SECONDS = 90.0


class DemoError(RuntimeError):
    """A call the demo needs was refused; the message names the call and the problem."""


class MovableClock(Protocol):
    def now(self) -> datetime: ...

    def set(self, at: datetime) -> None: ...

    def hand_over(self) -> None: ...


def principal_for(org: DemoOrg, user: str = "demo") -> Principal:
    return Principal(
        user_id=f"{org.org_id}:{user}", org_id=org.org_id, role=org.role, region=org.region
    )


@dataclass
class Driver:
    """One demo run against one gateway."""

    http: httpx.AsyncClient
    secrets: SecretStore
    clock: Clock
    region: str
    move_clock: Callable[[datetime], Any]
    """Moves the platform's clock (in-process, or ``PUT /demo/clock``)."""
    say: Callable[[str], None] = print
    calls: Counter[str] = field(default_factory=Counter)
    _tokens: dict[str, tuple[float, str]] = field(default_factory=dict)

    async def headers(self, org: DemoOrg | None) -> dict[str, str]:
        if org is None:
            return {}
        now = self.clock.now().timestamp()
        cached = self._tokens.get(org.org_id)
        if cached is None or not cached[0] <= now < cached[0] + TOKEN_TTL / 2:
            issuer = TokenIssuer(self.secrets, self.clock, region=self.region, create_key=False)
            token = await issuer.issue(principal_for(org), ttl_seconds=TOKEN_TTL)
            cached = (now, token)
            self._tokens[org.org_id] = cached
        return {"Authorization": f"Bearer {cached[1]}"}

    async def at(self, when: datetime) -> None:
        """Move the platform (and this driver's) clock forward to ``when``."""
        if when <= self.clock.now():
            return
        result = self.move_clock(when)
        if asyncio.iscoroutine(result):
            await result
        self._tokens.clear()

    async def call(
        self,
        method: str,
        path: str,
        who: DemoOrg | None,
        body: Any = None,
        *,
        expect: tuple[int, ...] = (200, 201),
        headers: dict[str, str] | None = None,
    ) -> Any:
        """``headers``: a token of a party not signed here (the exchange's client)."""
        sent = headers or await self.headers(who)
        response = await self.http.request(method, path, json=body, headers=sent)
        if response.status_code not in expect:
            raise DemoError(f"{method} {path}: {response.status_code} {response.text[:600]}")
        self.calls[path.split("/")[1] if path.startswith("/") else path] += 1
        return response.json() if response.content else None

    async def until(
        self,
        method: str,
        path: str,
        who: DemoOrg | None,
        body: Any = None,
        *,
        expect: tuple[int, ...] = (200, 201),
        within: float = RETRY_SECONDS,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Retry a command refused only because an upstream event has not arrived yet; a
        refused command writes nothing, so retrying is harmless."""
        deadline = time.monotonic() + within
        while True:
            try:
                return await self.call(method, path, who, body, expect=expect, headers=headers)
            except DemoError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.25)

    async def eventually(
        self, probe: Callable[[], Any], what: str, *, within: float = RETRY_SECONDS
    ) -> Any:
        deadline = time.monotonic() + within
        while True:
            found = probe()
            if asyncio.iscoroutine(found):
                found = await found
            if found:
                return found
            if time.monotonic() > deadline:
                raise DemoError(f"not reached within {within:.0f} s: {what}")
            await asyncio.sleep(0.25)


def beijing_day(clock: Clock) -> str:
    """Today in China (UTC+8), ISO."""
    return (clock.now() + timedelta(hours=8)).date().isoformat()
