"""Records what the platform of a real ``pdo up`` (the demo city) answers the console,
page by page, for each demo person: ``demo_city_answers.json``, which
``test_console_demo_city_pages.py`` replays without a platform.

    .venv/bin/python tests/unit/services/console/record_demo_city.py http://127.0.0.1:8000

Run again when the demo city or a page's calls change (the test says which call it
misses)."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import httpx
from litestar.testing import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[4]))

from services.console.app import ConsoleSettings, build_console
from services.console.platform_client import PlatformClient
from services.console.session import COOKIE
from tests.unit.services.console.demo_city import (
    PASSWORD,
    PEOPLE,
    RECORDING,
    crawl,
    key,
)


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    padded = payload + "=" * (-len(payload) % 4)
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(padded))
    return {k: claims[k] for k in ("sub", "org", "role", "region")}


class Recorder(httpx.AsyncBaseTransport):
    def __init__(self, base_url: str) -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.answers: dict[str, Any] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.real.handle_async_request(request)
        content = await response.aread()
        if request.method == "GET":
            body = json.loads(content) if content else None
            self.answers[key(request)] = [response.status_code, trimmed(body)]
        return httpx.Response(response.status_code, headers=response.headers, content=content)


DEMO_YEAR = 2025
KEEP_ITEMS = 8
"""A listing is recorded with its first items only (the pages visited are among them)."""


def trimmed(body: Any) -> Any:
    if isinstance(body, list):
        return body[:KEEP_ITEMS]
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return {**body, "items": body["items"][:KEEP_ITEMS]}
    return body


def token_of(base_url: str, username: str) -> str:
    grant = {"grant_type": "password", "username": username, "password": PASSWORD}
    answer = httpx.post(f"{base_url}/identity/tokens", json=grant, timeout=30)
    return str(answer.json()["access_token"])


def record(base_url: str) -> dict[str, Any]:
    recording: dict[str, Any] = {}
    tokens = {role: token_of(base_url, username) for role, username in PEOPLE.items()}
    developer = claims_of(tokens["developer"])["sub"]
    operator = claims_of(tokens["operator"])["org"]
    extra = {
        "bureau": (f"/operations?user_id={developer}", "/product-filings?state=released"),
        # the demo year's annual report (EVA-1), which no listing links to
        "operator": (f"/operator/annual-reports/report-{operator}-{DEMO_YEAR}",),
    }
    for role in PEOPLE:
        token = tokens[role]
        recorder = Recorder(base_url)
        app = build_console(ConsoleSettings(api_base_url=base_url, secure_cookies=False))
        app.state.platform_client = PlatformClient(base_url, transport=recorder, timeout=120)
        with TestClient(app, base_url="http://127.0.0.1") as client:
            client.cookies.set(COOKIE, token)
            visits = crawl(
                lambda path: client.get(path, follow_redirects=False), role, extra.get(role, ())
            )
        recording[role] = {
            "claims": claims_of(token),
            "pages": [v.path for v in visits],
            "answers": recorder.answers,
        }
        print(role, len(visits), "pages", len(recorder.answers), "answers", file=sys.stderr)
    return recording


if __name__ == "__main__":
    recorded = record(sys.argv[1].rstrip("/"))
    RECORDING.write_text(
        json.dumps(recorded, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8"
    )
