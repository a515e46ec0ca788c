"""Catalog search through HTTP in embedded mode: filters by category, provider, grade,
region and Chinese free text, paging, and refusals of bad parameters. The index follows
the catalog's own events, so each check waits until the index has caught up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.envelope import Role
from libs.auth.principal import Principal
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.platform import MARKET, TAX, eventually, platform, resource_body, token

COUNTY = Principal(user_id="u-c-1", org_id="org-370303-market", role=Role.PROVIDER, region="370303")
DEVELOPER = Principal(user_id="u-dev-1", org_id="org-dev-1", role=Role.DEVELOPER, region="370300")


def item(name: str, grade: int, label: str = "") -> dict[str, Any]:
    return {"name": name, "type": "string", "grade": grade, "description": label}


CATALOG = [
    (TAX, resource_body("企业纳税信息", items=[item("credit_code", 2), item("tax_paid", 3)])),
    (
        TAX,
        resource_body(
            "个体工商户定额",
            description="定期定额核定",
            items=[item("owner_id", 4, "经营者身份证号")],
        ),
    ),
    (
        MARKET,
        resource_body(
            "市场主体登记信息",
            category="market_regulation",
            description="企业登记、变更、注销",
            items=[item("credit_code", 1), item("legal_rep_id", 4)],
        ),
    ),
    (
        COUNTY,
        resource_body(
            "张店区个体户名录",
            category="market_regulation",
            description="区级个体户名录",
            update_frequency="weekly",
            items=[item("shop_name", 1, "字号")],
        ),
    ),
]


@pytest.fixture
async def loaded(tmp_path: Path) -> AsyncIterator[tuple[AsyncTestClient[Any], list[str], Any]]:
    p: Platform = platform(tmp_path, ("catalog",))
    async with AsyncTestClient(app=gateway(p)) as client:
        ids = []
        for who, body in CATALOG:
            r = await client.post("/catalog/resources/", json=body, headers=await token(p, who))
            assert r.status_code == 201, r.text
            ids.append(r.json()["resource_id"])
        headers = await token(p, DEVELOPER)

        async def all_indexed() -> bool:
            page = (await client.get("/catalog/resources/", headers=headers)).json()
            return bool(page["total"] == len(ids))

        await eventually(all_indexed)
        yield client, ids, headers


async def test_search_filters_combine_and_page(
    loaded: tuple[AsyncTestClient[Any], list[str], Any],
) -> None:
    client, ids, headers = loaded

    async def found(query: str) -> list[str]:
        r = await client.get(f"/catalog/resources/?{query}", headers=headers)
        assert r.status_code == 200, r.text
        return [i["resource_id"] for i in r.json()["items"]]

    assert await found("") == ids  # registration order
    assert await found("category=market_regulation") == [ids[2], ids[3]]
    assert await found(f"provider_org_id={TAX.org_id}") == [ids[0], ids[1]]
    assert await found("grade=4") == [ids[1], ids[2]]  # the highest grade of the items
    assert await found("grade=3") == [ids[0]]
    assert await found("region=370303") == [ids[3]]
    assert await found("region=370300") == ids  # the city covers its counties
    assert await found("q=纳税") == [ids[0]]
    assert await found("q=身份证") == [ids[1]]  # an item's label
    assert await found("q=LEGAL_REP") == [ids[2]]  # an item's name, any case
    assert await found("q=个体 张店") == [ids[3]]  # every word must occur
    assert await found("q=企业&category=market_regulation") == [ids[2]]
    assert await found("q=不存在的数据") == []
    page = (await client.get("/catalog/resources/?offset=1&limit=2", headers=headers)).json()
    assert [i["resource_id"] for i in page["items"]] == ids[1:3]
    assert (page["total"], page["offset"], page["limit"]) == (4, 1, 2)
    assert page["items"][0]["grade"] == 4


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("region=370100", 422, "region"),  # a region this platform does not serve
        ("region=abc", 400, "region"),
        ("grade=5", 400, "grade"),
        ("status=lost", 400, "status"),
        ("limit=0", 400, "limit"),
        ("offset=-1", 400, "offset"),
        ("q=" + "字" * 101, 400, "q"),
    ],
)
async def test_bad_search_parameters_are_problems_naming_the_field(
    loaded: tuple[AsyncTestClient[Any], list[str], Any], query: str, status: int, field: str
) -> None:
    client, _, headers = loaded
    r = await client.get(f"/catalog/resources/?{query}", headers=headers)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert any(e["field"] == field for e in r.json()["errors"]), r.json()
