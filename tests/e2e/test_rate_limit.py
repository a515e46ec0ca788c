"""Rate limits answer 429 (DESIGN §10): per client and service, an RFC 9457 problem with
``Retry-After``; health and OpenAPI are never limited; ``PDO_RATE_LIMIT_PER_MINUTE``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from litestar import Litestar, get
from litestar.exceptions import TooManyRequestsException
from litestar.testing import AsyncTestClient

from libs.config import ConfigError
from libs.http.gateway import gateway
from libs.http.rate_limit import (
    DEFAULT_PER_MINUTE,
    RATE_LIMIT_ENV,
    on_rate_limited,
    per_minute_from_env,
)
from libs.runtime import Platform
from tests.support.platform import TAX, platform, token

LIMIT = 3
PUBLIC = "/disclosure/resources/"


@pytest.fixture
async def limited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Platform, Litestar, AsyncTestClient[Any]]]:
    monkeypatch.setenv(RATE_LIMIT_ENV, str(LIMIT))
    p = platform(tmp_path, ("catalog", "disclosure"))
    app = gateway(p)
    async with AsyncTestClient(app=app) as client:
        yield p, app, client


def other_client(app: Litestar, host: str) -> httpx.AsyncClient:
    """A caller from another address, against the same running app."""
    transport = httpx.ASGITransport(app=cast(Any, app), client=(host, 40_000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_the_request_over_the_limit_is_a_429_problem_with_retry_after(
    limited: tuple[Platform, Litestar, AsyncTestClient[Any]],
) -> None:
    _, _, client = limited
    for i in range(LIMIT):
        ok = await client.get(PUBLIC)
        assert ok.status_code == 200, ok.text
        assert ok.headers["ratelimit-limit"] == str(LIMIT)
        assert ok.headers["ratelimit-remaining"] == str(LIMIT - 1 - i)

    refused = await client.get(PUBLIC)
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert refused.headers["ratelimit-remaining"] == "0"
    body = refused.json()
    assert body["status"] == 429
    assert body["type"] == "/problems/rate-limited"
    assert body["title"] == "Too many requests"
    assert body["instance"] == PUBLIC
    assert str(retry_after) in body["detail"]


async def test_another_client_is_unaffected(
    limited: tuple[Platform, Litestar, AsyncTestClient[Any]],
) -> None:
    _, app, client = limited
    for _ in range(LIMIT):
        assert (await client.get(PUBLIC)).status_code == 200
    assert (await client.get(PUBLIC)).status_code == 429

    async with other_client(app, "203.0.113.7") as other:
        response = await other.get(PUBLIC)
        assert response.status_code == 200, response.text
        assert response.headers["ratelimit-remaining"] == str(LIMIT - 1)
    assert (await client.get(PUBLIC)).status_code == 429  # the first is still limited


async def test_a_token_does_not_buy_a_new_budget(
    limited: tuple[Platform, Litestar, AsyncTestClient[Any]],
) -> None:
    """The key is the address; refused (401) requests count too, so guessing is throttled."""
    p, _, client = limited
    for _ in range(LIMIT):
        assert (await client.get("/catalog/resources/")).status_code == 401
    refused = await client.get("/catalog/resources/", headers=await token(p, TAX))
    assert refused.status_code == 429, refused.text
    assert "retry-after" in refused.headers


async def test_limits_are_per_service(
    limited: tuple[Platform, Litestar, AsyncTestClient[Any]],
) -> None:
    p, _, client = limited
    for _ in range(LIMIT):
        assert (await client.get(PUBLIC)).status_code == 200
    assert (await client.get(PUBLIC)).status_code == 429
    other_service = await client.get("/catalog/resources/", headers=await token(p, TAX))
    assert other_service.status_code == 200, other_service.text


async def test_health_and_openapi_are_not_limited(
    limited: tuple[Platform, Litestar, AsyncTestClient[Any]],
) -> None:
    _, _, client = limited
    for _ in range(LIMIT + 1):
        await client.get(PUBLIC)
    for _ in range(LIMIT * 3):
        assert (await client.get("/disclosure/healthz")).status_code == 200
        assert (await client.get("/disclosure/schema/openapi.json")).status_code == 200
        assert (await client.get("/healthz")).status_code == 200


async def test_the_429_is_documented_with_retry_after(
    limited: tuple[Platform, Litestar, AsyncTestClient[Any]],
) -> None:
    _, _, client = limited
    document = (await client.get("/disclosure/schema/openapi.json")).json()
    listed = document["paths"]["/resources"]["get"]["responses"]
    assert "Retry-After" in listed["429"]["headers"]
    assert "application/problem+json" in listed["429"]["content"]
    assert "429" not in document["paths"]["/healthz"]["get"]["responses"]


async def test_a_routes_own_429_keeps_its_retry_after_and_detail() -> None:
    """E.g. a sign-in throttle: the problem keeps what the route raised with."""

    @get("/signin", sync_to_thread=False)
    def signin() -> None:
        raise TooManyRequestsException("too many failed sign-ins", headers={"Retry-After": "7"})

    app = Litestar([signin], exception_handlers={TooManyRequestsException: on_rate_limited})
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/signin")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"] == "too many failed sign-ins"


async def test_zero_turns_limiting_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RATE_LIMIT_ENV, "0")
    p = platform(tmp_path, ("disclosure",))
    async with AsyncTestClient(app=gateway(p)) as client:
        for _ in range(50):
            response = await client.get(PUBLIC)
            assert response.status_code == 200
            assert "ratelimit-limit" not in response.headers


def test_the_setting_is_read_and_checked() -> None:
    assert per_minute_from_env({}) == DEFAULT_PER_MINUTE == 600
    assert per_minute_from_env({RATE_LIMIT_ENV: " 120 "}) == 120
    assert per_minute_from_env({RATE_LIMIT_ENV: "0"}) == 0
    for bad in ("-1", "ten", "1.5", "60/min"):
        with pytest.raises(ConfigError, match=RATE_LIMIT_ENV):
            per_minute_from_env({RATE_LIMIT_ENV: bad})


def test_a_malformed_setting_stops_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(RATE_LIMIT_ENV, "lots")
    with pytest.raises(ConfigError, match=RATE_LIMIT_ENV):
        platform(tmp_path, ("disclosure",))
