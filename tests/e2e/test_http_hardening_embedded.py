"""The shared HTTP edge of every service (``libs.http``): nesting, media type, strict
types, the characters of ids, names and text, tokens before the first key, ``OPTIONS``
and what the OpenAPI documents state. Nothing refused is stored."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts import text
from contracts.topics import SERVICES
from libs.auth.tokens import TokenIssuer
from libs.clock import SystemClock
from libs.http.gateway import gateway
from libs.runtime import Platform
from services.catalog.repository import RESOURCES
from tests.support.platform import TAX, keyring, platform, resource_body, token

Client = AsyncTestClient[Any]


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[Platform, Client]]:
    p = platform(tmp_path)
    async with AsyncTestClient(app=gateway(p)) as client:
        yield p, client


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


async def _stored(p: Platform) -> int:
    return await p.running["catalog"].store.count(RESOURCES)


DEEP = b'{"name":' + b"[" * 1000 + b"]" * 1000 + b"}"
DEEP_ARRAY = b"[" * 1000 + b"]" * 1000
DEEP_OBJECT = b'{"a":' * 1000 + b"1" + b"}" * 1000


@pytest.mark.parametrize("body", [DEEP, DEEP_ARRAY, DEEP_OBJECT], ids=["field", "array", "object"])
async def test_a_body_nested_a_thousand_levels_is_a_400_problem(
    running: tuple[Platform, Client], body: bytes
) -> None:
    p, client = running
    headers = {**await token(p, TAX), "content-type": "application/json"}
    _problem(await client.post("/catalog/resources/", content=body, headers=headers), 400)
    assert await _stored(p) == 0


@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded", ""])
async def test_a_json_body_sent_as_another_media_type_is_a_415_problem(
    running: tuple[Platform, Client], media: str
) -> None:
    p, client = running
    headers = {**await token(p, TAX), "content-type": media}
    response = await client.post("/catalog/resources/", content=b'{"name": "x"}', headers=headers)
    _problem(response, 415)
    assert await _stored(p) == 0


async def test_a_json_suffix_media_type_is_json(running: tuple[Platform, Client]) -> None:
    p, client = running
    import json

    headers = {**await token(p, TAX), "content-type": "application/vnd.pdo+json; charset=utf-8"}
    response = await client.post(
        "/catalog/resources/", content=json.dumps(resource_body()).encode(), headers=headers
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "abc\u202egpj.exe"}, "name"),
        ({"name": "企业\u0000纳税"}, "name"),
        ({"name": "企业\r\n纳税"}, "name"),
        ({"name": "\u2066企业\u2069"}, "name"),
        ({"name": "企业\u200f"}, "name"),
        ({"name": "企业\u0085"}, "name"),
        ({"description": "全市\u0007企业"}, "description"),
        ({"description": "abc\u202egpj.exe"}, "description"),
        ({"items": [{"name": "credit\u202ecode", "type": "string", "grade": 2}]}, "items[0].name"),
    ],
    ids=[
        "rlo",
        "nul",
        "crlf-in-name",
        "isolate",
        "rlm",
        "c1",
        "bel-in-text",
        "rlo-in-text",
        "nested",
    ],
)
async def test_names_and_text_refuse_control_and_bidi_characters(
    running: tuple[Platform, Client], change: dict[str, Any], field: str
) -> None:
    p, client = running
    response = await client.post(
        "/catalog/resources/", json=resource_body(**change), headers=await token(p, TAX)
    )
    body = _problem(response, 400)
    assert [e["field"] for e in body["errors"]] == [field], body
    assert await _stored(p) == 0


async def test_free_text_keeps_line_breaks_and_names_are_nfc(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    decomposed = unicodedata.normalize("NFD", "Café 数据")
    assert decomposed != "Café 数据"
    response = await client.post(
        "/catalog/resources/",
        json=resource_body(name=decomposed, description="第一行\n第二行\r\n第三行"),
        headers=await token(p, TAX),
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["name"] == "Café 数据"
    assert created["description"] == "第一行\n第二行\r\n第三行"


@pytest.mark.parametrize(
    "value", ["\u0000", "p" * 5000, "abc\u202egpj"], ids=["nul", "5000", "rlo"]
)
async def test_ids_in_the_path_are_bounded(running: tuple[Platform, Client], value: str) -> None:
    p, client = running
    from urllib.parse import quote

    response = await client.get(
        f"/catalog/resources/{quote(value, safe='')}", headers=await token(p, TAX)
    )
    body = _problem(response, 400)
    assert body["errors"][0]["field"] == "resource_id"


async def test_a_token_before_identity_made_its_first_key_is_a_401(tmp_path: Path) -> None:
    (tmp_path / "fresh").mkdir()
    (tmp_path / "elsewhere").mkdir()
    p = platform(tmp_path / "fresh", ("catalog",))
    foreign = keyring(tmp_path / "elsewhere")
    signed = await TokenIssuer(foreign, SystemClock(), region="370300").issue(TAX)
    async with AsyncTestClient(app=gateway(p)) as client:
        response = await client.get(
            "/catalog/resources/", headers={"Authorization": f"Bearer {signed}"}
        )
        _problem(response, 401)
        assert "WWW-Authenticate" in response.headers


@pytest.mark.parametrize("service", SERVICES)
async def test_options_allow_lists_every_method_of_the_path(
    running: tuple[Platform, Client], service: str
) -> None:
    _, client = running
    document = (await client.get(f"/{service}/schema/openapi.json")).json()
    for path, item in document["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        documented = {m.upper() for m in item if m in ("get", "post", "put", "patch", "delete")}
        answer = await client.options(f"/{service}{concrete}")
        assert answer.status_code == 204, (path, answer.text)
        allowed = {m.strip() for m in answer.headers["allow"].split(",")}
        assert allowed == documented | {"OPTIONS"}, (service, path, allowed, documented)


def _objects(schema: Any, components: dict[str, Any], seen: set[str]) -> list[dict[str, Any]]:
    """Every object schema reachable from ``schema``."""
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                found += _objects(components[name], components, seen)
            return found
        if schema.get("properties"):
            found.append(schema)
        for value in schema.values():
            if isinstance(value, dict | list):
                found += _objects(value, components, seen)
    elif isinstance(schema, list):
        for value in schema:
            found += _objects(value, components, seen)
    return found


@pytest.mark.parametrize("service", SERVICES)
async def test_openapi_request_bodies_refuse_unknown_fields_and_state_the_string_rules(
    running: tuple[Platform, Client], service: str
) -> None:
    _, client = running
    document = (await client.get(f"/{service}/schema/openapi.json")).json()
    components = document["components"]["schemas"]
    for item in document["paths"].values():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            for obj in _objects(body["schema"], components, set()):
                assert obj.get("additionalProperties") is False, (service, method, obj)
                for name, prop in obj["properties"].items():
                    if prop.get("type") == "string" and not (
                        {"enum", "const", "format"} & set(prop)
                    ):
                        assert "pattern" in prop, (service, name, prop)
                        if text.kind_of(name) == "id" and prop["pattern"] == text.ID_PATTERN:
                            assert prop["maxLength"] <= text.ID_MAX


async def test_openapi_states_the_billing_period_and_masking_key_rules(
    running: tuple[Platform, Client],
) -> None:
    _, client = running
    billing = (await client.get("/billing/schema/openapi.json")).json()
    period = billing["components"]["schemas"]["InvoiceRunBody"]["properties"]["period"]
    assert period["pattern"] == r"^20\d\d-(0[1-9]|1[0-2])$"


async def test_openapi_states_that_a_masking_rule_names_an_item(
    running: tuple[Platform, Client],
) -> None:
    _, client = running
    document = (await client.get("/request_review/schema/openapi.json")).json()
    masking = document["components"]["schemas"]["ConditionBody"]["properties"]["masking"]
    assert masking["propertyNames"]["minLength"] == 1
