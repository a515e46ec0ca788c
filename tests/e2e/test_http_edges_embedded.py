"""Bad input and unauthorized callers at the HTTP edge: RFC 9457 problems, nothing stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from libs.http.gateway import gateway
from libs.runtime import Platform
from services.catalog.repository import RESOURCES
from tests.support.platform import (
    COUNTY_PROVIDER,
    DEVELOPER,
    OTHER_CITY,
    TAX,
    platform,
    resource_body,
    token,
)


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[Platform, AsyncTestClient[Any]]]:
    p = platform(tmp_path, ("catalog", "disclosure"))
    async with AsyncTestClient(app=gateway(p)) as client:
        yield p, client


async def _stored(p: Platform) -> int:
    return await p.running["catalog"].store.count(RESOURCES)


def _is_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["type"].startswith("/problems/")
    return body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": 7}, "category"),
        ({"items": "credit_code"}, "items"),
        ({"items": [{"name": "x", "type": "string", "grade": 9}]}, "items[0].grade"),
        ({"unexpected": "field"}, "unexpected"),
        ({"name": ""}, "name"),
        ({"items": []}, "items"),
    ],
    ids=[
        "wrong-type",
        "not-a-list",
        "grade-out-of-range",
        "unknown-field",
        "empty-name",
        "no-items",
    ],
)
async def test_invalid_bodies_get_a_problem_naming_the_field_and_store_nothing(
    running: tuple[Platform, AsyncTestClient[Any]], change: dict[str, Any], field: str
) -> None:
    p, client = running
    response = await client.post(
        "/catalog/resources/", json=resource_body(**change), headers=await token(p, TAX)
    )
    body = _is_problem(response, 400)
    assert any(field in e["field"] for e in body["errors"]), body
    assert await _stored(p) == 0


async def test_missing_field_is_named(running: tuple[Platform, AsyncTestClient[Any]]) -> None:
    p, client = running
    body = resource_body()
    del body["source_system"]
    problem = _is_problem(
        await client.post("/catalog/resources/", json=body, headers=await token(p, TAX)), 400
    )
    assert "source_system" in problem["detail"]
    assert await _stored(p) == 0


async def test_a_rule_violation_names_the_rule_and_field(
    running: tuple[Platform, AsyncTestClient[Any]],
) -> None:
    p, client = running
    response = await client.post(
        "/catalog/resources/", json=resource_body(category="astrology"), headers=await token(p, TAX)
    )
    body = _is_problem(response, 422)
    assert body["rule"] == "CAT-1"
    assert body["errors"] == [{"field": "category", "message": body["detail"]}]
    assert await _stored(p) == 0


async def test_malformed_json_is_refused(running: tuple[Platform, AsyncTestClient[Any]]) -> None:
    p, client = running
    headers = {**await token(p, TAX), "content-type": "application/json"}
    response = await client.post("/catalog/resources/", content=b'{"name": "x",', headers=headers)
    _is_problem(response, 400)
    assert await _stored(p) == 0


async def test_an_oversized_body_is_refused_before_parsing(
    running: tuple[Platform, AsyncTestClient[Any]],
) -> None:
    p, client = running
    huge = resource_body(description="长" * 700_000)
    response = await client.post("/catalog/resources/", json=huge, headers=await token(p, TAX))
    _is_problem(response, 413)
    assert await _stored(p) == 0


async def test_no_token_is_401_with_a_bearer_challenge(
    running: tuple[Platform, AsyncTestClient[Any]],
) -> None:
    p, client = running
    response = await client.post("/catalog/resources/", json=resource_body())
    _is_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    forged = await client.post(
        "/catalog/resources/", json=resource_body(), headers={"Authorization": "Bearer abc.def.ghi"}
    )
    _is_problem(forged, 401)
    assert await _stored(p) == 0


async def test_a_developer_cannot_register_resources(
    running: tuple[Platform, AsyncTestClient[Any]],
) -> None:
    p, client = running
    body = _is_problem(
        await client.post(
            "/catalog/resources/", json=resource_body(), headers=await token(p, DEVELOPER)
        ),
        403,
    )
    assert "developer" in body["detail"]
    assert await _stored(p) == 0


async def test_a_token_of_another_city_is_403(
    running: tuple[Platform, AsyncTestClient[Any]],
) -> None:
    p, client = running
    body = _is_problem(
        await client.post(
            "/catalog/resources/", json=resource_body(), headers=await token(p, OTHER_CITY)
        ),
        403,
    )
    assert "370100" in body["detail"]
    read = await client.get("/catalog/resources/", headers=await token(p, OTHER_CITY))
    _is_problem(read, 403)
    assert await _stored(p) == 0


async def test_a_county_provider_may_act_in_its_city(
    running: tuple[Platform, AsyncTestClient[Any]],
) -> None:
    p, client = running
    created = await client.post(
        "/catalog/resources/", json=resource_body(), headers=await token(p, COUNTY_PROVIDER)
    )
    assert created.status_code == 201
    assert created.json()["provider_org_id"] == COUNTY_PROVIDER.org_id


async def test_unknown_resource_is_a_404_problem(
    running: tuple[Platform, AsyncTestClient[Any]],
) -> None:
    p, client = running
    _is_problem(await client.get("/catalog/resources/nope", headers=await token(p, TAX)), 404)
    _is_problem(await client.get("/disclosure/resources/nope"), 404)


async def test_paging_parameters_are_validated(
    running: tuple[Platform, AsyncTestClient[Any]],
) -> None:
    p, client = running
    response = await client.get("/catalog/resources/?limit=100000", headers=await token(p, TAX))
    body = _is_problem(response, 400)
    assert any(e["field"] == "limit" for e in body["errors"]), body


PUBLISHED_LISTS = frozenset(
    {
        "product_release:/products/list",  # the product and service list (EXP-5)
        "billing:/prices",  # charging standards, published (明码标价, BIL-5)
        "billing:/caps",  # the fee caps the national notice has disclosed (BIL-2, DIS-2)
    }
)
"""Public routes outside disclosure, each one a list a rule says is published."""


def test_every_route_is_guarded_or_explicitly_public(tmp_path: Path) -> None:
    """Fail closed: a route without a role guard must say it is public."""
    p = platform(tmp_path)
    unguarded = []
    for name, app in p.apps().items():
        for route in app.routes:
            if route.path.startswith("/schema"):
                continue  # the OpenAPI documents are public on purpose
            for handler in getattr(route, "route_handlers", []):
                if getattr(handler, "http_methods", None) == {"OPTIONS"}:
                    continue  # litestar's automatic OPTIONS answers, no data
                guards = handler.resolve_guards()
                public = handler.opt.get("public") is True
                if not guards and not public:
                    unguarded.append(f"{name}:{route.path}")
                if (
                    public
                    and name != "disclosure"
                    and route.path != "/healthz"
                    and not route.path.startswith("/.well-known")
                    and f"{name}:{route.path}" not in PUBLISHED_LISTS
                ):
                    unguarded.append(f"{name}:{route.path} (public outside disclosure)")
    assert unguarded == []
