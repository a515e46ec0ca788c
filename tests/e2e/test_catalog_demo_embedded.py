"""The demo city (淄博) as ``pdo up`` loads it into the catalog through the public API:
30+ resources of the providers the policy texts name, taken through the operation catalog
and the negative list, and loaded twice without doing anything twice."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from demo import city as zibo
from demo.driver import principal_for
from demo.load import load_embedded, start_of_demo
from libs.clock import DemoClock
from libs.http.gateway import gateway
from libs.runtime import Platform
from services.catalog.domain import resource as resource_domain
from services.catalog.repository import OBJECTIONS, RESOURCES
from tests.support.platform import eventually, keyring, settings, token

GB32100 = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def valid_credit_code(code: str) -> bool:
    """GB 32100 check character over a GB 11714 organization code with its own check."""
    if len(code) != 18 or any(c not in GB32100 for c in code):
        return False
    org_total = sum(
        int(c, 36) * w for c, w in zip(code[8:16], (3, 7, 9, 10, 5, 8, 4, 2), strict=True)
    )
    org_check = {10: "X", 11: "0"}.get(11 - org_total % 11, str(11 - org_total % 11))
    total = sum(GB32100.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    return code[16] == org_check and code[17] == GB32100[(31 - total % 31) % 31]


def test_the_demo_city_names_the_seeds_providers_with_valid_credit_codes() -> None:
    names = {org.name for org in zibo.PROVIDERS}
    for agency in (
        "税务",
        "市场监督管理",
        "人力资源和社会保障",
        "住房公积金",
        "卫生健康",
        "交通运输",
        "气象",
        "文化和旅游",
        "医疗保障",
    ):
        assert any(agency in n for n in names), agency
    for org in (zibo.BUREAU, zibo.OPERATOR, *zibo.PROVIDERS, *zibo.DEVELOPERS):
        assert valid_credit_code(org.credit_code), (org.name, org.credit_code)
        assert org.credit_code[2:8] == org.region


def test_CAT_1_every_demo_resource_is_a_complete_declaration() -> None:
    assert len(zibo.DEMO) >= 30
    for demo in zibo.DEMO:
        d = demo.declaration
        items = tuple(
            resource_domain.ItemDeclaration(i.name, i.type, i.grade, i.description) for i in d.items
        )
        resource_domain.validate(
            resource_domain.RegisterResource(
                provider_org_id=d.provider_org_id,
                name=d.name,
                description=d.description,
                category=d.category,
                update_frequency=d.update_frequency,
                source_system=d.source_system,
                items=items,
                provider_region=d.provider_region,
            )
        )
        zibo.find_org(demo.org_id)
    grades = Counter(max(i.grade for i in d.declaration.items) for d in zibo.DEMO)
    assert set(grades) == {1, 2, 3, 4}
    assert len({d.declaration.category for d in zibo.DEMO}) >= 15


async def test_CAT_2_CAT_3_pdo_up_loads_the_demo_city_once(tmp_path: Path) -> None:
    clock = DemoClock(start_of_demo(datetime.now(UTC)))
    p = Platform(settings(tmp_path), clock=clock, secrets=keyring(tmp_path)).build()
    async with AsyncTestClient(app=gateway(p)) as client:
        catalog = p.running["catalog"].ctx
        assert p.secrets is not None
        loaded = await load_embedded(
            gateway(p), secrets=p.secrets, clock=clock, region=zibo.REGION, data_dir=tmp_path
        )
        assert loaded is not None and loaded.counts["resources"] == len(zibo.DEMO)
        audit_length = len(await catalog.audit.entries())
        stored = await catalog.store.count(RESOURCES)
        again = await load_embedded(
            gateway(p), secrets=p.secrets, clock=clock, region=zibo.REGION, data_dir=tmp_path
        )
        assert again is None
        assert len(await catalog.audit.entries()) == audit_length
        assert await catalog.store.count(RESOURCES) == stored == len(zibo.DEMO)
        assert await catalog.store.count(OBJECTIONS) == 1

        headers = await token(p, principal_for(zibo.DEVELOPERS[0]))
        wanted = sum(d.state == "published" for d in zibo.DEMO)

        async def operation_catalog() -> dict[str, Any] | None:
            page = await client.get(
                "/catalog/resources/?status=published&limit=200", headers=headers
            )
            body: dict[str, Any] = page.json()
            return body if body["total"] == wanted else None

        published = await eventually(operation_catalog)
        assert wanted >= 20
        by_name = {r["name"]: r for r in published["items"]}
        assert "legal_rep_id" not in by_name["市场主体登记信息"]["grantable_items"]
        assert "户籍人口信息" not in by_name
        listing = (await client.get("/catalog/negative-list/", headers=headers)).json()
        assert ("户籍人口信息", None) in {
            (e["resource_name"], e["item_name"]) for e in listing["items"]
        }
        county = (await client.get("/catalog/resources/?region=370303", headers=headers)).json()
        assert [r["name"] for r in county["items"]] == ["张店区个体工商户名录"]
