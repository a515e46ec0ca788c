"""Evaluation end to end in embedded mode through HTTP: the operator's annual report from
the year's events (EVA-1), the bureau's weighted evaluation against the jurisdiction's
targets (EVA-2, EVA-5), and rectification orders with deadlines swept once (EVA-3).
Other services' facts are put on the bus as their relays would; the clock is moved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.evaluation import (
    BUREAU,
    COUNTY_BUREAU,
    DEVELOPER,
    OPERATOR,
    OTHER_CITY_BUREAU,
    OTHER_OPERATOR,
    STATEMENTS,
    SUPERVISOR,
    Desk,
    agreement,
    desk,
    invoice,
    product,
    published,
    published_eventually,
    scenario,
    usage,
)

NEW_YEAR = datetime(2027, 1, 11, 2, 0, tzinfo=UTC)


@pytest.fixture
async def d(tmp_path: Path) -> AsyncIterator[Desk]:
    async with desk(tmp_path) as running:
        yield running


async def a_year_of_operation(d: Desk) -> None:
    """2026: three scenarios of the operator (one of another), two products, usage and
    revenue; then the clock moves into 2027."""
    await d.publish(agreement(), subject="auth-1")
    for sid in ("sc-1", "sc-2", "sc-3"):
        await d.publish(scenario(sid), subject=sid)
    await d.publish(scenario("sc-x", OTHER_OPERATOR), subject="sc-x")
    await d.publish(product("p-1", "sc-1"), subject="p-1")
    await d.publish(product("p-2", "sc-2"), subject="p-2")
    await d.publish(product("p-x", "sc-x"), subject="p-x")
    await d.publish(usage("u-1", 3000, product_id="p-1"), subject="u-1")
    await d.publish(usage("u-2", 2000, scenario_id="sc-2"), subject="u-2")
    await d.publish(usage("u-x", 9000, product_id="p-x"), subject="u-x")
    await d.publish(invoice("inv-1", 300_000, "2026-06"), subject="inv-1")
    await d.publish(invoice("inv-2", 200_000, "2026-12"), subject="inv-2")
    await d.settled()
    d.clock.set(NEW_YEAR)


async def test_EVA_1_the_operator_files_its_annual_report_from_the_years_events(d: Desk) -> None:
    await a_year_of_operation(d)
    report = await d.call(
        "POST", "/annual-reports/", OPERATOR, {"year": 2026, **STATEMENTS}, expect=201
    )
    figures = report["figures"]
    assert (figures["scenarios_total"], figures["products_total"]) == (3, 2)
    assert (figures["usage_quantity"], figures["revenue_fen"]) == (5000, 500_000)
    assert report["statements"] == STATEMENTS and len(report["content_hash"]) == 64
    filed = await published_eventually(d.p, "annual_report.filed")
    assert filed[0].payload.content_hash == report["content_hash"]  # type: ignore[union-attr]

    amended = dict(STATEMENTS, market_operation="挂牌十二个产品，成交额五千元")
    again = await d.call(
        "POST", "/annual-reports/", OPERATOR, {"year": 2026, **amended}, expect=201
    )
    assert again["revision"] == 2 and again["content_hash"] != report["content_hash"]
    await published_eventually(d.p, "annual_report.filed", 2)

    path = f"/annual-reports/{report['report_id']}"
    assert (await d.call("GET", path, SUPERVISOR))["revision"] == 2
    assert (await d.call("GET", path, OTHER_OPERATOR, expect=403))["rule"] == "EVA-1"
    await d.call("GET", path, COUNTY_BUREAU, expect=403)
    await d.call("GET", path, OTHER_CITY_BUREAU, expect=403)
    await d.call("GET", path, DEVELOPER, expect=403)


async def test_EVA_1_a_report_states_every_aspect_and_a_year_that_began(d: Desk) -> None:
    await a_year_of_operation(d)
    missing = dict(STATEMENTS, market_operation="   ")
    refused = await d.call(
        "POST", "/annual-reports/", OPERATOR, {"year": 2026, **missing}, expect=422
    )
    assert refused["rule"] == "EVA-1"
    await d.call("POST", "/annual-reports/", OPERATOR, {"year": 2028, **STATEMENTS}, expect=422)
    await d.call("POST", "/annual-reports/", BUREAU, {"year": 2026, **STATEMENTS}, expect=403)


async def test_EVA_2_the_bureau_scores_the_year_with_weighted_indicators(d: Desk) -> None:
    await a_year_of_operation(d)
    body = {"operator_org_id": OPERATOR.org_id, "year": 2026}
    made = await d.call("POST", "/evaluations/", BUREAU, body, expect=201)
    values = {i["name"]: i["value"] for i in made["indicators"]}
    assert values == {
        "agreement_execution": "100.00",
        "scenarios": "50.00",  # 3 of the default 6 (EVA-5)
        "products": "1.00",  # 2 of the default 200
        "usage": "50.00",
        "revenue": "50.00",
        "security": "100.00",
        "rectification": "100.00",
    }
    assert made["score"] == "67.65" and made["conclusion"] == "pass"
    [event] = await published_eventually(d.p, "evaluation.published")
    assert event.payload.score == "67.65"  # type: ignore[union-attr]
    assert event.payload.operator_org_id == OPERATOR.org_id  # type: ignore[union-attr]

    assert (await d.call("POST", "/evaluations/", BUREAU, body, expect=409))["rule"] == "EVA-2"
    await d.call("POST", "/evaluations/", OPERATOR, body, expect=403)
    assert await d.call("GET", "/evaluations/", COUNTY_BUREAU) == []
    mine = await d.call("GET", "/evaluations/", OPERATOR)
    assert [e["evaluation_id"] for e in mine] == [made["evaluation_id"]]
    assert await d.call("GET", "/evaluations/", OTHER_OPERATOR) == []
    path = f"/evaluations/{made['evaluation_id']}"
    await d.call("GET", path, OTHER_OPERATOR, expect=403)
    assert (await d.call("GET", path, SUPERVISOR))["score"] == "67.65"


async def test_EVA_2_a_year_is_evaluated_once_ended_and_only_under_an_agreement(d: Desk) -> None:
    await a_year_of_operation(d)
    this_year = {"operator_org_id": OPERATOR.org_id, "year": 2027}
    assert (await d.call("POST", "/evaluations/", BUREAU, this_year, expect=422))["rule"] == "EVA-2"
    stranger = {"operator_org_id": OTHER_OPERATOR.org_id, "year": 2026}
    await d.call("POST", "/evaluations/", BUREAU, stranger, expect=422)
    assert published(d.p, "evaluation.published") == []


async def test_EVA_5_targets_are_jurisdiction_settings(d: Desk) -> None:
    defaults = await d.call("GET", "/settings/370300", OPERATOR)
    assert defaults["targets"] == [
        {"year": 2025, "scenarios": 3, "products": 50},
        {"year": 2026, "scenarios": 6, "products": 200},
    ]
    await a_year_of_operation(d)
    own = {
        "weights": defaults["weights"],
        "targets": [{"year": 2026, "scenarios": 3, "products": 2}],
        "usage_target": 10_000,
        "revenue_target_fen": 1_000_000,
    }
    await d.call("PUT", "/settings/370300", OPERATOR, own, expect=403)
    await d.call("PUT", "/settings/370300", COUNTY_BUREAU, own, expect=403)
    assert (await d.call("PUT", "/settings/370300", BUREAU, own))["defined_by"] == "370300"
    assert (await d.call("GET", "/settings/370303", BUREAU))["targets"] == own["targets"]
    made = await d.call(
        "POST",
        "/evaluations/",
        BUREAU,
        {"operator_org_id": OPERATOR.org_id, "year": 2026},
        expect=201,
    )
    assert made["score"] == "90.00" and made["conclusion"] == "excellent"

    bad = dict(own, targets=[{"year": 2026, "scenarios": 3, "products": 2}] * 2)
    assert (await d.call("PUT", "/settings/370300", BUREAU, bad, expect=422))["rule"] == "EVA-5"


async def test_SEC_3_evaluation_settings_name_the_bureau_that_set_them(d: Desk) -> None:
    """谁运营谁负责: the stored settings name the bureau that set them; read back as before."""
    defaults = await d.call("GET", "/settings/370300", BUREAU)
    own = {k: defaults[k] for k in ("weights", "targets", "usage_target", "revenue_target_fen")}
    await d.call("PUT", "/settings/370300", BUREAU, dict(own, usage_target=5000))
    stored = await d.p.running["evaluation"].store.get("settings", "370300")
    assert stored is not None and stored["set_by_org_id"] == BUREAU.org_id
    assert (await d.call("GET", "/settings/370303", BUREAU))["usage_target"] == 5000


async def test_EVA_3_findings_become_orders_the_operator_rectifies_and_the_bureau_accepts(
    d: Desk,
) -> None:
    await a_year_of_operation(d)
    body = {
        "operator_org_id": OPERATOR.org_id,
        "year": 2026,
        "findings": [
            {"finding": "数据产品数量未达年度目标", "due_on": "2027-03-31"},
            {"finding": "应急演练记录不全", "due_on": "2027-02-10"},
        ],
    }
    made = await d.call("POST", "/evaluations/", BUREAU, body, expect=201)
    first, second = made["order_ids"]
    ordered = await published_eventually(d.p, "rectification.ordered", 2)
    assert {e.payload.order_id for e in ordered} == {first, second}  # type: ignore[union-attr]

    await d.call(
        "POST", f"/rectifications/{first}/report", OTHER_OPERATOR, {"report": "x"}, expect=403
    )
    reported = await d.call(
        "POST", f"/rectifications/{first}/report", OPERATOR, {"report": "新增产品上架"}
    )
    assert reported["state"] == "reported"
    await d.call("POST", f"/rectifications/{first}/acceptance", OPERATOR, expect=403)
    accepted = await d.call("POST", f"/rectifications/{first}/acceptance", BUREAU)
    assert accepted["state"] == "completed"
    [done] = await published_eventually(d.p, "rectification.completed")
    assert done.payload.order_id == first  # type: ignore[union-attr]
    again = await d.call("POST", f"/rectifications/{first}/acceptance", BUREAU, expect=409)
    assert again["rule"] == "EVA-3"

    mine = await d.call("GET", "/rectifications/", OPERATOR)
    assert {o["order_id"] for o in mine} == {first, second}
    assert await d.call("GET", "/rectifications/", OTHER_OPERATOR) == []
    await d.call("GET", f"/rectifications/{second}", OTHER_OPERATOR, expect=403)


async def test_EVA_3_the_sweep_marks_an_unreported_order_overdue_once(d: Desk) -> None:
    await a_year_of_operation(d)
    order = await d.call(
        "POST",
        "/rectifications/",
        BUREAU,
        {"operator_org_id": OPERATOR.org_id, "finding": "安全制度未更新", "due_on": "2027-02-10"},
        expect=201,
    )
    oid = order["order_id"]
    assert (await d.call("POST", "/rectifications/deadline-sweep", BUREAU))["overdue"] == 0
    d.clock.set(datetime(2027, 2, 10, 15, 0, tzinfo=UTC))  # 23:00 on the last day in Zibo
    assert (await d.call("POST", "/rectifications/deadline-sweep", BUREAU))["overdue"] == 0

    d.clock.set(datetime(2027, 2, 10, 16, 30, tzinfo=UTC))  # 00:30 on 11 February in Zibo
    late = await d.call(
        "POST", f"/rectifications/{oid}/report", OPERATOR, {"report": "已更新"}, expect=422
    )
    assert late["rule"] == "EVA-3"
    await d.call("POST", "/rectifications/deadline-sweep", OPERATOR, expect=403)
    assert (await d.call("POST", "/rectifications/deadline-sweep", BUREAU))["overdue"] == 1
    assert (await d.call("POST", "/rectifications/deadline-sweep", BUREAU))["overdue"] == 0
    assert (await d.call("GET", f"/rectifications/{oid}", OPERATOR))["state"] == "overdue"
    [overdue] = await published_eventually(d.p, "rectification.overdue")
    assert overdue.payload.order_id == oid  # type: ignore[union-attr]
    await d.settled()
    assert len(published(d.p, "rectification.overdue")) == 1

    # The overdue order counts against the operator in its next evaluation.
    d.clock.set(datetime(2028, 1, 5, 2, 0, tzinfo=UTC))
    made = await d.call(
        "POST",
        "/evaluations/",
        BUREAU,
        {"operator_org_id": OPERATOR.org_id, "year": 2027},
        expect=201,
    )
    record = next(i for i in made["indicators"] if i["name"] == "rectification")
    assert record["value"] == "60.00"
