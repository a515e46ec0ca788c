"""The front door and the demo city's public pages in Chromium (issue 15).

Against a real ``pdo up`` with the demo year loaded: ``/`` says what the platform is and
links the public pages; following the links, the product list shows at least ten
products with prices, the authorization page the approved scenarios, and the previous
year's annual disclosure report both parts filled. A citizen downloads a disclosed price
record with its inclusion proof, the signed tree head and the public key, and ``pdo
verify`` checks them offline (DIS-3). The pages' screenshots are written to
``docs/screenshots/`` for the README.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page

from demo.year import PRODUCTS, SCENARIOS
from tests.browser.conftest import Screenshot
from tests.infra.pdo_up import PDO, REPO, PdoUp
from tests.infra.pdo_up import pdo_env as _env

DOCS = REPO / "docs" / "screenshots"

# The session's ``pdo up`` loads the demo year (products from the million-row source)
# before it serves: minutes on a busy machine, counted in the first test's setup.
pytestmark = pytest.mark.timeout(1500)


def shoot(page: Page, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=False)


def test_DIS_2_the_front_door_leads_to_products_scenarios_and_last_years_report(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    page.goto(pdo.url("/"))
    assert page.title() == "公共数据资源授权运营平台"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    body = page.locator("body").inner_text()
    assert "演示账户" in body and "bureau.demo" in body  # embedded demo mode
    for service in ("identity", "catalog", "disclosure", "billing"):
        assert page.locator(f'a[href="/{service}/schema"]').count() == 1
    assert page.locator('a[href="/asyncapi.json"]').count() == 1
    shoot(page, "front-door")
    screenshot(page, "front-door")

    page.get_by_role("link", name="信息公开", exact=True).click()
    page.wait_for_url("**/disclosure/pages/")
    page.get_by_role("link", name="产品和服务清单及收费标准").click()
    page.wait_for_url("**/disclosure/pages/products")
    rows = page.locator("table tr").all_inner_texts()[1:]
    priced = [r for r in rows if "¥" in r or "元" in r]
    assert len(priced) >= 10, rows
    names = page.locator("body").inner_text()
    assert sum(name in names for name, *_ in PRODUCTS) >= 10
    shoot(page, "products")

    page.go_back()
    page.get_by_role("link", name="授权运营协议与应用场景").click()
    page.wait_for_url("**/disclosure/pages/authorizations")
    text = page.locator("body").inner_text()
    assert "暂无已批准的应用场景" not in text
    approved = [s.name for s in SCENARIOS if s.outcome in ("approved", "narrowed")]
    assert all(name in text for name in approved), text[-2000:]
    assert not any(s.name in text for s in SCENARIOS if s.outcome == "rejected")
    shoot(page, "authorizations")

    last_year = datetime.now(UTC).year - 1
    page.go_back()
    page.get_by_role("link", name=f"{last_year}年度信息披露报告").click()
    page.wait_for_url(f"**/disclosure/pages/annual-report/{last_year}")
    report = page.locator("body").inner_text()
    assert "一、实施机构披露信息" in report and "二、运营机构披露信息" in report
    assert "暂无实施机构信息" not in report and "暂无运营机构信息" not in report
    assert "淄博市数据运营有限公司" in report and PRODUCTS[0][0] in report
    shoot(page, "annual-report")
    screenshot(page, "annual-report")


def test_DIS_3_a_downloaded_price_record_verifies_against_the_signed_tree_head(
    pdo: PdoUp, tmp_path: Path
) -> None:
    records = httpx.get(pdo.url("/disclosure/records/?kind=price&limit=200")).json()["items"]
    assert len(records) >= 10
    record = httpx.get(pdo.url(f"/disclosure/records/{records[0]['record_id']}")).json()
    head = httpx.get(pdo.url("/disclosure/log/tree-head")).json()
    assert head["tree_size"] > record["leaf_index"]
    inclusion = httpx.get(
        pdo.url(
            f"/disclosure/log/proofs/inclusion?index={record['leaf_index']}"
            f"&tree_size={head['tree_size']}"
        )
    ).json()
    key = httpx.get(pdo.url("/disclosure/log/public-key")).json()
    files = {}
    for name, value in (("key", key), ("sth", head), ("record", record), ("inc", inclusion)):
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    checked = subprocess.run(
        [
            *PDO,
            "verify",
            "--public-key",
            str(files["key"]),
            "--tree-head",
            str(files["sth"]),
            "--record",
            str(files["record"]),
            "--inclusion",
            str(files["inc"]),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip().endswith("VALID: every check passed"), checked.stdout
