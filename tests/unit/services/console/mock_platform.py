"""The console's unit tests' one stand-in for the platform: ``FakePlatform`` answers as
the public APIs would and records every call; ``session_token`` is a signed-in person's
cookie; ``csrf`` reads a page's CSRF token and sends its cookie back where the test
client serves the app. The ``mock_console`` fixture (``conftest.py``) puts them together."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from litestar.testing import TestClient

Handler = Callable[[httpx.Request], httpx.Response]
MockConsole = Callable[..., TestClient[Any]]


def session_token(
    *, sub: str, org: str, role: str, region: str = "370300", hours: float = 1.0
) -> str:
    """A token the console reads as a session (the console never checks its signature:
    the platform does, on every call)."""
    body = {
        "sub": sub,
        "org": org,
        "role": role,
        "region": region,
        "exp": int((datetime.now(UTC) + timedelta(hours=hours)).timestamp()),
    }
    payload = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJFZERTQSJ9.{payload}.c2ln"


class FakePlatform:
    """The services' public APIs: answers by (method, path) — ``(status, body)``, or a
    bare body for 200 — and every call recorded with its JSON body; an unknown route is
    answered 404 as a problem naming it."""

    def __init__(self, answers: dict[tuple[str, str], Any] | None = None) -> None:
        self.answers: dict[tuple[str, str], Any] = dict(answers or {})
        self.calls: list[tuple[str, str, Any]] = []

    @property
    def sent(self) -> list[tuple[str, str, Any]]:
        return self.calls

    def answer(self, method: str, path: str, status: int, body: Any) -> None:
        self.answers[(method, path)] = (status, body)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.calls.append((request.method, request.url.path, body))
        route = (request.method, request.url.path)
        found = self.answers.get(route)
        if found is None:
            return httpx.Response(404, json={"status": 404, "detail": f"no {route}"})
        status, payload = found if isinstance(found, tuple) else (200, found)
        return httpx.Response(status, json=payload)

    handle = __call__

    def posted(self, path: str) -> Any:
        """The body of the first POST or PUT to ``path``."""
        return self.all_posted(path)[0]

    def all_posted(self, path: str) -> list[Any]:
        return [b for m, p, b in self.calls if m in {"POST", "PUT"} and p == path]


def csrf(client: TestClient[Any], path: str) -> str:
    """The CSRF token of the form on ``path``; its cookie (path ``/console``) is sent
    back here too, where the test client serves the app at ``/``."""
    found = re.search(r'name="_csrf_token" value="([^"]+)"', client.get(path).text)
    assert found is not None, path
    cookie = next(c for c in client.cookies.jar if c.name == "pdo_console_csrf")
    client.cookies.set(cookie.name, str(cookie.value))
    return found.group(1)
