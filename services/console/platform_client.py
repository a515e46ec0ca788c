"""The console's only way to the platform: the services' public HTTP APIs, called with the
signed-in person's token and the browser's address (``X-Forwarded-For``, so identity's
sign-in throttle counts the person's address, not the console's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: Any
    headers: httpx.Headers

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class PlatformClient:
    """A thin HTTP client over ``base_url`` (the gateway serving ``/<service>/…``), or per
    service over ``routes`` (service name → its own base URL, as in docker-compose)."""

    def __init__(
        self,
        base_url: str,
        *,
        routes: dict[str, str] | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """``transport``: another way to the platform (tests pass ``httpx.MockTransport``)."""
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport
        )
        self._routes = {k: v.rstrip("/") for k, v in (routes or {}).items()}

    def _url(self, path: str) -> str:
        service = path.lstrip("/").split("/", 1)[0]
        routed = self._routes.get(service)
        return routed + path if routed else path

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        address: str | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
        limit_seconds: float | None = None,
    ) -> Answer:
        """One call; ``limit_seconds`` in place of the client's own timeout (a long job)."""
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if address:
            headers["X-Forwarded-For"] = address
        response = await self._http.request(
            method,
            self._url(path),
            headers=headers,
            json=json,
            params=params,
            timeout=httpx.USE_CLIENT_DEFAULT if limit_seconds is None else limit_seconds,
        )
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = response.text
        return Answer(response.status_code, body, response.headers)

    async def close(self) -> None:
        await self._http.aclose()
