"""The annual disclosure report (DIS-2) and the public pages (DIS-1) end to end, embedded:
events of identity, catalog, request-review, product-release and billing go on the bus,
the report is read over public HTTP as JSON and as HTML, without a token."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from contracts.canonical import sha256_hex
from libs.clock import FixedClock
from services.disclosure.commands import annual_facts
from tests.support.disclosure_annual import (
    annual_gateway,
    annual_platform,
    at,
    city_year,
    price,
    publish,
    without_generation,
)
from tests.support.platform import eventually

SCRIPT = "<script>alert(1)</script>"
REPORT = "/disclosure/annual-reports/2026"


async def _report_with_price(client: AsyncTestClient[Any], fen: int) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        response = await client.get(REPORT)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        prices = [p for o in body["operators"] for p in o["prices"]]
        return body if prices and prices[0]["unit_price_fen"] == fen else None

    return await eventually(probe)


async def test_DIS_2_the_annual_report_is_public_as_json_and_html(tmp_path: Path) -> None:
    p = annual_platform(tmp_path, FixedClock(datetime(2027, 2, 1, 2, tzinfo=UTC)))
    async with AsyncTestClient(app=annual_gateway(p)) as client:
        for event in city_year():
            await publish(p, event)
        body = await _report_with_price(client, 50)
        assert body["year"] == 2026 and body["due_on"] == "2027-03-31"
        assert (body["late"], body["provisional"]) == (False, False)
        assert body["content_hash"] == sha256_hex(without_generation(body))
        agency = body["implementing_agencies"][0]
        assert agency["agency"]["name"] == "淄博市大数据局"
        assert [a["agreement_id"] for a in agency["authorizations"]] == ["agr-1"]
        assert [c["cap_fen"] for c in agency["fee_caps"]] == [80]
        operator = body["operators"][0]
        assert [r["registration_code"] for r in operator["authorized_resources"]] == [
            "370300R000001"
        ]
        assert [x["name"] for x in operator["products"]] == ["企业信用评分"]

        for url in (
            REPORT + ".html",
            REPORT + "?format=html",
            "/disclosure/pages/annual-report/2026",
        ):
            page = await client.get(url)
            assert page.status_code == 200, url
            assert page.headers["content-type"].startswith("text/html"), url
            assert "script-src" not in page.headers["content-security-policy"]
            assert "default-src 'none'" in page.headers["content-security-policy"]
            assert "2026年度公共数据资源授权运营信息披露报告" in page.text
            assert body["content_hash"] in page.text

        again = await client.get(REPORT)
        assert again.json() == body  # same facts, same clock: the same report


async def test_DIS_2_a_report_generated_after_31_march_is_late(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2027, 3, 31, 15, 0, tzinfo=UTC))  # 23:00 in China
    p = annual_platform(tmp_path, clock)
    async with AsyncTestClient(app=annual_gateway(p)) as client:
        for event in city_year():
            await publish(p, event)
        on_time = await _report_with_price(client, 50)
        assert on_time["late"] is False
        clock.set(datetime(2027, 3, 31, 16, 30, tzinfo=UTC))  # 00:30 on 1 April in China
        late = (await client.get(REPORT)).json()
        assert late["late"] is True
        assert late["content_hash"] == on_time["content_hash"]
        assert "逾期披露" in (await client.get(REPORT + ".html")).text


async def test_DIS_2_a_redelivered_event_changes_nothing(tmp_path: Path) -> None:
    p = annual_platform(tmp_path, FixedClock(datetime(2027, 2, 1, 2, tzinfo=UTC)))
    async with AsyncTestClient(app=annual_gateway(p)) as client:
        events = city_year()
        envelopes = [await publish(p, event) for event in events]
        first = await _report_with_price(client, 50)
        for envelope, event in zip(envelopes, events, strict=True):
            await publish(p, event, again=envelope)
        await publish(p, price("prod-1", 60, at(2026, 8, 1)))  # a later, new event
        second = await _report_with_price(client, 60)
        assert second["content_hash"] != first["content_hash"]
        store = p.running["disclosure"].ctx.store
        assert await store.count(annual_facts.FACTS) == len(events) + 1


async def test_DIS_1_the_public_pages_need_no_login_and_escape_names(tmp_path: Path) -> None:
    p = annual_platform(tmp_path, FixedClock(datetime(2026, 9, 1, 2, tzinfo=UTC)))
    async with AsyncTestClient(app=annual_gateway(p)) as client:
        for event in city_year(product_name=SCRIPT):
            await publish(p, event)

        async def listed() -> str | None:
            page = (await client.get("/disclosure/pages/products")).text
            return page if "370300P000001" in page else None

        products = await eventually(listed)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in products
        assert "<script" not in products
        assert "按次 0.50 元" in products and "0.80 元" in products

        index = await client.get("/disclosure/pages/")
        assert index.status_code == 200 and "产品和服务清单" in index.text
        authorizations = (await client.get("/disclosure/pages/authorizations")).text
        assert "淄博数据运营有限公司" in authorizations and "普惠金融信用评估" in authorizations

        provisional = (await client.get(REPORT)).json()
        assert provisional["provisional"] is True and provisional["late"] is False
        assert "<script" not in (await client.get(REPORT + ".html")).text


async def test_DIS_2_a_bad_year_is_a_400_problem(tmp_path: Path) -> None:
    p = annual_platform(tmp_path)
    async with AsyncTestClient(app=annual_gateway(p)) as client:
        for bad in ("/disclosure/annual-reports/26", "/disclosure/annual-reports/2026.pdf"):
            response = await client.get(bad)
            assert response.status_code == 400, bad
            assert response.headers["content-type"].startswith("application/problem+json")
            assert any(e["field"] == "year" for e in response.json()["errors"])
        assert (await client.get(REPORT + "?format=xml")).status_code == 400
        assert (await client.get("/disclosure/pages/annual-report/1999")).status_code == 400
