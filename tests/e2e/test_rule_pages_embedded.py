"""The public rule pages at the gateway's root: ``/rules/``, ``/rules/<id>``,
``/rules.json``; a refusal's problem links to the page of the rule it names.

The platform here runs one service (catalog), as ``pdo serve catalog`` does; the browser
test (``tests/browser``) reaches the same pages on a real ``pdo up``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.rules import catalogue
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.platform import TAX, platform, resource_body, token


@pytest.fixture
async def zibo(tmp_path: Path) -> AsyncIterator[tuple[Platform, AsyncTestClient[Any]]]:
    p = platform(tmp_path, ("catalog",))
    async with AsyncTestClient(app=gateway(p)) as http:
        yield p, http


async def test_CAT_1_a_refusal_names_the_rule_title_and_links_to_its_page(
    zibo: tuple[Platform, AsyncTestClient[Any]],
) -> None:
    p, client = zibo
    refused = await client.post(
        "/catalog/resources/",
        json=resource_body(category="astrology"),
        headers=await token(p, TAX),
    )
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["rule"] == "CAT-1"
    assert body["rule_title"] == "目录条目的内容与一数一源"
    assert body["rule_url"] == "/rules/CAT-1"
    page = await client.get(body["rule_url"])
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "CAT-1 目录条目的内容与一数一源" in page.text
    assert "淄博实施方案 §4.1" in page.text and "潍坊办法 第七条" in page.text
    assert "资源目录（catalog）" in page.text


async def test_AUTH_3_the_page_shows_each_text_value_and_highlights_this_region(
    zibo: tuple[Platform, AsyncTestClient[Any]],
) -> None:
    _, client = zibo
    page = (await client.get("/rules/AUTH-3")).text
    assert '<tr class="here"><td>淄博（370300） · 本辖区</td><td>固定3年</td></tr>' in page
    assert "<tr><td>潍坊（370700）</td><td>原则上最长不超过5年</td></tr>" in page
    assert "本辖区（370300）依据文本：固定3年" in page


async def test_a_county_sees_its_city_text_highlighted(tmp_path: Path) -> None:
    p = platform(tmp_path, ("catalog",), region="370703")  # a district of Weifang
    async with AsyncTestClient(app=gateway(p)) as client:
        page = (await client.get("/rules/AUTH-3")).text
    assert '<tr class="here"><td>潍坊（370700） · 本辖区</td>' in page
    assert "<tr><td>淄博（370300）</td>" in page


async def test_a_region_no_text_speaks_for_gets_the_platform_default(tmp_path: Path) -> None:
    p = platform(tmp_path, ("catalog",), region="110000")
    async with AsyncTestClient(app=gateway(p)) as client:
        page = (await client.get("/rules/AUTH-3")).text
    assert 'class="here"' not in page
    assert "本辖区（110000）的文本未规定，适用平台默认值：3" in page


async def test_the_index_lists_every_rule_and_the_json_publishes_the_catalogue(
    zibo: tuple[Platform, AsyncTestClient[Any]],
) -> None:
    _, client = zibo
    index = await client.get("/rules/")
    assert index.status_code == 200
    for rule in catalogue().rules:
        assert f'<a href="/rules/{rule.id}">{rule.id}</a>' in index.text
    published = await client.get("/rules.json")
    assert published.status_code == 200
    assert published.headers["content-type"].startswith("application/json")
    assert [r["id"] for r in published.json()["rules"]] == list(catalogue().ids())


async def test_an_unknown_rule_is_a_404_problem_naming_the_field(
    zibo: tuple[Platform, AsyncTestClient[Any]],
) -> None:
    _, client = zibo
    missing = await client.get("/rules/AUTH-99")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["errors"] == [
        {"field": "rule_id", "message": "no rule 'AUTH-99' in the catalogue"}
    ]


async def test_the_pages_need_no_sign_in_and_say_where_a_rule_is_enforced(
    zibo: tuple[Platform, AsyncTestClient[Any]],
) -> None:
    _, client = zibo
    page = await client.get("/rules/FED-2")
    assert page.status_code == 200
    assert "已在平台中执行" in page.text and "计划中" not in page.text
    assert "services/catalog/domain/federation.py" in page.text
