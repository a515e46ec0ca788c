"""The public pages and the report's HTML (DIS-1, DIS-2): escaped output, prices in yuan
without float, what the pages list; the fact store's idempotency; merged handler maps."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from contracts.envelope import Envelope
from contracts.events import (
    ProductWithdrawn,
    SelectionAnnulled,
    SelectionPublicized,
    TenderPublished,
)
from libs.store.sqlite import SqliteDocumentStore
from services.disclosure.api.pages import (
    render_annual_report,
    render_authorizations,
    render_index,
    render_products,
    yuan,
)
from services.disclosure.commands import annual_facts
from services.disclosure.domain.annual_report import build_report, public_lists
from services.disclosure.handlers import merged
from tests.support.disclosure_annual import (
    BUREAU,
    OPERATOR,
    OPERATOR_ORG,
    Happened,
    at,
    city_year,
    envelope_of,
    facts_of,
    suspended,
)
from tests.support.platform import REGION

SCRIPT = '<script>alert("x")</script>'
NOW = datetime(2027, 2, 1, 2, tzinfo=UTC)


def assert_no_markup_from_data(page: str) -> None:
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_DIS_2_the_report_page_escapes_a_product_name_with_a_script() -> None:
    made = build_report(
        facts_of(city_year(product_name=SCRIPT)), year=2026, region=REGION, generated_at=NOW
    )
    page = render_annual_report(made.to_json())
    assert_no_markup_from_data(page)
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in page
    for heading in (
        "实施机构信息",
        "公共数据资源授权信息",
        "上限收费标准",
        "运营机构信息",
        "已获授权的公共数据资源信息",
        "产品和服务清单",
        "具体收费标准",
    ):
        assert heading in page, heading
    assert "淄博市大数据局" in page and "370300R000001" in page
    assert "0.50 元" in page and "0.80 元" in page
    assert "2027-03-31" in page and made.content_hash in page
    assert "逾期" not in page


def test_DIS_2_a_late_report_says_so_on_its_page() -> None:
    made = build_report(
        facts_of(city_year()),
        year=2026,
        region=REGION,
        generated_at=datetime(2027, 4, 2, tzinfo=UTC),
    )
    assert "逾期披露" in render_annual_report(made.to_json())


def test_DIS_1_the_product_page_lists_released_products_with_escaped_names_and_prices() -> None:
    events = [
        *city_year(product_name=SCRIPT),
        Happened(
            ProductWithdrawn(product_id="prod-gone", reason=""),
            "prod-gone",
            at(2026, 7, 1),
            OPERATOR,
        ),
    ]
    lists = public_lists(facts_of(events), region=REGION, at=NOW)
    product = lists["products"][0]
    assert product["prices"][0]["unit_price_fen"] == 50
    assert product["prices"][0]["cap_fen"] == 80
    page = render_products(lists)
    assert_no_markup_from_data(page)
    assert "按次 0.50 元" in page and "自第 1000 单位起 0.25 元" in page
    assert "370300P000001" in page


def test_DIS_1_a_withdrawn_product_leaves_the_product_page() -> None:
    events = [
        *city_year(),
        Happened(
            ProductWithdrawn(product_id="prod-1", reason="下架"), "prod-1", at(2026, 7, 1), OPERATOR
        ),
    ]
    lists = public_lists(facts_of(events), region=REGION, at=NOW)
    assert lists["products"] == []
    assert "暂无已发布的产品和服务" in render_products(lists)


def test_DIS_1_the_authorization_page_shows_agreements_and_approved_scenarios() -> None:
    lists = public_lists(facts_of([*city_year(), suspended(at(2026, 9, 1))]), region=REGION, at=NOW)
    agreement = lists["authorizations"][0]
    assert (agreement["operator_name"], agreement["status"]) == (
        "淄博数据运营有限公司",
        "suspended",
    )
    assert [s["name"] for s in lists["scenarios"]] == ["普惠金融信用评估"]
    page = render_authorizations(lists)
    assert "整体授权" in page and "暂停" in page and "2026-01-15 至 2029-01-14" in page
    assert "普惠金融信用评估" in page and "经营性" in page


def selection_story() -> list[Happened]:
    """Two selections: one publicized until 24:00 on 9 March, one annulled."""
    return [
        *city_year(),
        Happened(
            TenderPublished(
                authorization_id="auth-1",
                title="淄博市公共数据资源授权运营机构招标公告",
                selection_mode="public_tender",
                mode="whole",
            ),
            "auth-1",
            at(2025, 12, 5),
            BUREAU,
        ),
        Happened(
            SelectionPublicized(
                authorization_id="auth-1",
                operator_org_id=OPERATOR_ORG,
                publicity_ends_at=datetime(2026, 1, 9, 16, 0, tzinfo=UTC),
            ),
            "auth-1",
            at(2026, 1, 2),
            BUREAU,
        ),
        Happened(
            TenderPublished(
                authorization_id="auth-2",
                title=f"医疗健康领域授权运营遴选{SCRIPT}",
                selection_mode="competitive_negotiation",
                mode="domain",
                domain="health",
            ),
            "auth-2",
            at(2026, 5, 1),
            BUREAU,
        ),
        Happened(
            SelectionPublicized(
                authorization_id="auth-2",
                operator_org_id=OPERATOR_ORG,
                publicity_ends_at=datetime(2026, 5, 20, 16, 0, tzinfo=UTC),
            ),
            "auth-2",
            at(2026, 5, 12),
            BUREAU,
        ),
        Happened(
            SelectionAnnulled(
                authorization_id="auth-2", operator_org_id=OPERATOR_ORG, reason="公示期内异议成立"
            ),
            "auth-2",
            at(2026, 5, 18),
            BUREAU,
        ),
    ]


def test_DIS_1_the_authorization_page_shows_tenders_selection_results_and_their_publicity() -> None:
    """潍坊 001 第二十五条：“定期向社会披露授权流程、场景的公开征集和结果，授权对象、内容、范围、
    时限……”；第十二条（四）：“实施单位向社会公示中标结果，公示无异议后，由实施单位与运营单位
    签订公共数据资源授权运营协议”."""
    lists = public_lists(facts_of(selection_story()), region=REGION, at=NOW)
    first, second = lists["selections"]
    assert (first["status"], first["operator_name"]) == ("publicized", "淄博数据运营有限公司")
    assert (first["tendered_on"], first["publicized_on"]) == ("2025-12-05", "2026-01-02")
    assert first["publicity_ends_at"] == "2026-01-10 00:00"
    assert (second["status"], second["annul_reason"]) == ("annulled", "公示期内异议成立")
    page = render_authorizations(lists)
    assert "运营机构遴选" in page and "淄博市公共数据资源授权运营机构招标公告" in page
    assert "公开招标" in page and "竞争性谈判" in page and "分领域授权（health）" in page
    assert "公示期至 2026-01-10 00:00" in page and "结果已撤销" in page
    assert "公示期内异议成立" in page
    assert_no_markup_from_data(page)


def test_DIS_1_the_index_links_every_page_and_has_no_script() -> None:
    page = render_index(REGION, 2027)
    for href in ("/disclosure/pages/products", "/disclosure/pages/authorizations"):
        assert f'href="{href}"' in page
    assert 'href="/disclosure/pages/annual-report/2026"' in page
    assert "<script" not in page


def test_BIL_5_prices_print_in_yuan_exactly() -> None:
    assert yuan(0) == "0.00 元"
    assert yuan(5) == "0.05 元"
    assert yuan(123_456_789) == "1,234,567.89 元"
    assert yuan(-150) == "-1.50 元"
    assert yuan(None) == "—"


async def test_DIS_2_a_redelivered_event_changes_no_fact(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "disclosure.sqlite")
    try:
        facts = facts_of(city_year())
        assert [await annual_facts.record(store, f) for f in facts] == [True] * len(facts)
        assert await annual_facts.record(store, facts[-1]) is False
        stored = await annual_facts.all_facts(store)
        assert len(stored) == len(facts)
        assert sorted(stored, key=lambda f: f.event_id) == sorted(facts, key=lambda f: f.event_id)
        made = build_report(stored, year=2026, region=REGION, generated_at=NOW)
        direct = build_report(facts, year=2026, region=REGION, generated_at=NOW)
        assert made.to_json() == direct.to_json()
    finally:
        await store.close()


async def test_DIS_2_merged_handlers_run_both_existing_and_annual() -> None:
    calls: list[str] = []

    async def existing(envelope: Envelope) -> None:
        calls.append("existing:" + envelope.type)

    async def extra(envelope: Envelope) -> None:
        calls.append("extra:" + envelope.type)

    both = merged(
        {"price.listed": existing, "grant.issued": existing},
        {"price.listed": extra, "product.released": extra},
    )
    assert set(both) == {"price.listed", "grant.issued", "product.released"}
    envelope = envelope_of(city_year()[-1])
    await both["price.listed"](envelope)
    assert calls == ["existing:price.listed", "extra:price.listed"]
