"""request-review refuses what the rules forbid, through HTTP in embedded mode: each
precondition of an application (REQ-4), missing justifications (REQ-2), a retired
scenario (REQ-8), bad bodies (400 naming the field, nothing written) and callers who may
not act or read (403)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from contracts.envelope import Role
from libs.auth.principal import Principal
from services.request_review.repository import APPLICATIONS, SCENARIOS
from tests.support.request_review import (
    AGREEMENT,
    BUREAU,
    DEVELOPER,
    MARKET,
    MARKET_RESOURCE,
    OPERATOR,
    OTHER_CITY_BUREAU,
    OTHER_DEVELOPER,
    OTHER_OPERATOR,
    SUPERVISOR,
    TAX,
    TAX_ITEMS,
    TAX_RESOURCE,
    Desk,
    expired,
    negative_listed,
    open_desk,
    registered,
    removed,
    request_line,
    standard_city,
    suspended,
    terminated,
    upstream,
    withdrawn,
    withheld,
)

Refusal = dict[str, Any]
NEWCOMER = Principal(user_id="u-dev-3", org_id="org-dev-3", role=Role.DEVELOPER, region="370300")
"""A developer organization identity never admitted."""


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    async with open_desk(tmp_path) as (d, _):
        await standard_city(d.p)
        yield d


async def refused(d: Desk, scenario_id: str, status: int = 422, **body: Any) -> Refusal:
    r = await d.post("/applications", {"scenario_id": scenario_id, **body}, DEVELOPER)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem: Refusal = r.json()
    return problem


def fields(problem: Refusal) -> list[str]:
    return [e["field"] for e in problem.get("errors", [])]


BODY: dict[str, Any] = {
    "purpose": "评估企业纳税信用",
    "resources": [request_line(TAX_RESOURCE, "credit_code")],
}


async def test_REQ_4_a_developer_not_admitted_is_refused(desk: Desk) -> None:
    scenario = await desk.file_scenario()
    r = await desk.post("/applications", {"scenario_id": scenario["scenario_id"], **BODY}, NEWCOMER)
    assert r.status_code == 422, r.text
    assert r.json()["rule"] == "REQ-4" and fields(r.json()) == ["developer_org_id"]


async def test_REQ_4_a_removed_developer_is_refused(desk: Desk) -> None:
    scenario = await desk.file_scenario()
    await upstream(desk.p, removed())
    problem = await refused(desk, scenario["scenario_id"], **BODY)
    assert problem["rule"] == "REQ-4" and fields(problem) == ["developer_org_id"]
    assert "removed" in problem["detail"]


@pytest.mark.parametrize("ending", [suspended, terminated, expired])
async def test_REQ_4_an_agreement_not_active_is_refused(desk: Desk, ending: Any) -> None:
    scenario = await desk.file_scenario()
    await upstream(desk.p, ending(AGREEMENT))
    problem = await refused(desk, scenario["scenario_id"], **BODY)
    assert problem["rule"] == "REQ-4" and fields(problem) == ["agreement"]


async def test_REQ_4_a_resource_not_in_the_operation_catalog_is_refused(desk: Desk) -> None:
    scenario = await desk.file_scenario()
    await upstream(desk.p, registered("res-unpublished", TAX, ["a"]))
    for rid in ("res-unpublished", "res-unknown"):
        problem = await refused(
            desk,
            scenario["scenario_id"],
            purpose="x",
            resources=[request_line(TAX_RESOURCE, "credit_code"), request_line(rid, "a")],
        )
        assert problem["rule"] == "REQ-4"
        assert fields(problem) == ["resources[1].resource_id"]


async def test_REQ_4_a_negative_listed_or_withdrawn_resource_is_refused(desk: Desk) -> None:
    scenario = await desk.file_scenario()
    await upstream(desk.p, negative_listed(TAX_RESOURCE, TAX), withdrawn(MARKET_RESOURCE, MARKET))
    for rid, why in ((TAX_RESOURCE, "negative list"), (MARKET_RESOURCE, "withdrawn")):
        problem = await refused(
            desk, scenario["scenario_id"], purpose="x", resources=[request_line(rid, "credit_code")]
        )
        assert problem["rule"] == "REQ-4" and fields(problem) == ["resources[0].resource_id"]
        assert why in problem["detail"]


async def test_REQ_4_an_item_unpublished_or_withheld_is_refused(desk: Desk) -> None:
    scenario = await desk.file_scenario()
    await upstream(desk.p, withheld(TAX_RESOURCE, TAX, TAX_ITEMS, "legal_person_id"))
    for item, why in (("legal_person_id", "withheld"), ("no_such_item", "published item list")):
        problem = await refused(
            desk,
            scenario["scenario_id"],
            purpose="x",
            resources=[request_line(TAX_RESOURCE, "credit_code", item)],
        )
        assert problem["rule"] == "REQ-4" and fields(problem) == ["resources[0].items[1].name"]
        assert why in problem["detail"]


async def test_REQ_2_every_item_needs_a_justification(desk: Desk) -> None:
    scenario = await desk.file_scenario()
    line = request_line(TAX_RESOURCE, "credit_code", "tax_paid_fen")
    line["items"][1]["justification"] = "   "
    problem = await refused(desk, scenario["scenario_id"], purpose="x", resources=[line])
    assert problem["rule"] == "REQ-2"
    assert fields(problem) == ["resources[0].items[1].justification"]
    assert await desk.p.running["request_review"].store.count(APPLICATIONS) == 0


async def test_REQ_8_a_retired_scenario_accepts_no_application(desk: Desk) -> None:
    scenario = await desk.file_scenario()
    r = await desk.post(
        f"/scenarios/{scenario['scenario_id']}/reevaluation",
        {"outcome": "retired", "note": "场景已无需求"},
        BUREAU,
    )
    assert r.status_code == 200 and r.json()["status"] == "retired"
    problem = await refused(desk, scenario["scenario_id"], **BODY)
    assert problem["rule"] == "REQ-8" and fields(problem) == ["scenario_id"]


async def test_REQ_1_an_operator_without_an_active_agreement_files_no_scenario(
    desk: Desk,
) -> None:
    r = await desk.post(
        "/scenarios",
        {
            "name": "n",
            "domain": "d",
            "purpose": "p",
            "expected_value": "v",
            "scenario_class": "public_interest",
        },
        OTHER_OPERATOR,
    )
    assert r.status_code == 422 and r.json()["rule"] == "REQ-1"
    assert await desk.p.running["request_review"].store.count(SCENARIOS) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "x", "resources": []}, "scenario_id"),
        ({"scenario_id": "s", "purpose": "x", "resources": "no"}, "resources"),
        (
            {"scenario_id": "s", "purpose": "x", "resources": [{"resource_id": "r"}]},
            "resources[0].items",
        ),
        ({"scenario_id": "s", "purpose": "x", "resources": [], "extra": 1}, "extra"),
        (
            {"scenario_id": "s", "purpose": "x", "resources": [], "wished_valid_until": "soon"},
            "wished_valid_until",
        ),
    ],
)
async def test_REQ_2_a_bad_application_body_is_a_400_naming_the_field(
    desk: Desk, body: dict[str, Any], field: str
) -> None:
    r = await desk.post("/applications", body, DEVELOPER)
    assert r.status_code == 400, r.text
    assert field in fields(r.json())
    assert await desk.p.running["request_review"].store.count(APPLICATIONS) == 0


async def test_REQ_1_a_bad_scenario_body_is_a_400_naming_the_field(desk: Desk) -> None:
    r = await desk.post(
        "/scenarios",
        {
            "name": "n",
            "domain": "d",
            "purpose": "p",
            "expected_value": "v",
            "scenario_class": "charity",
        },
        OPERATOR,
    )
    assert r.status_code == 400 and "scenario_class" in fields(r.json())
    assert await desk.p.running["request_review"].store.count(SCENARIOS) == 0


async def test_REQ_3_applications_are_seen_only_by_those_concerned(desk: Desk) -> None:
    scenario = await desk.file_scenario()
    app = await desk.apply(
        scenario["scenario_id"], resources=[request_line(TAX_RESOURCE, "credit_code")]
    )
    path = f"/applications/{app['application_id']}"
    for who in (DEVELOPER, TAX, BUREAU, SUPERVISOR):
        assert (await desk.get(path, who)).status_code == 200
    for who in (OTHER_DEVELOPER, MARKET):
        r = await desk.get(path, who)
        assert r.status_code == 403 and r.json()["rule"] == "REQ-3"
    assert (await desk.get(path, OPERATOR)).status_code == 403
    assert (await desk.get(path, OTHER_CITY_BUREAU)).status_code == 403
    assert (await desk.get("/applications", OTHER_DEVELOPER)).json()["total"] == 0
    assert (await desk.get("/applications", MARKET)).json()["total"] == 0
    assert (await desk.get("/applications", TAX)).json()["total"] == 1
    assert (await desk.get("/applications", BUREAU)).json()["total"] == 1


async def test_REQ_5_grants_are_seen_only_by_those_concerned(desk: Desk) -> None:
    scenario = await desk.file_scenario()
    app = await desk.apply(
        scenario["scenario_id"], resources=[request_line(TAX_RESOURCE, "credit_code")]
    )
    await desk.review(app["application_id"], TAX)
    done = await desk.review(app["application_id"], BUREAU)
    path = f"/grants/{done['grant_id']}"
    for who in (DEVELOPER, TAX, BUREAU, SUPERVISOR, OPERATOR):
        assert (await desk.get(path, who)).status_code == 200
    for who in (OTHER_DEVELOPER, MARKET, OTHER_OPERATOR):
        r = await desk.get(path, who)
        assert r.status_code == 403 and r.json()["rule"] == "REQ-5"
    assert (await desk.get("/grants", OTHER_DEVELOPER)).json()["total"] == 0
    r = await desk.post(f"{path}/revocation", {"reason": "x"}, DEVELOPER)
    assert r.status_code == 403


async def test_REQ_1_a_token_of_another_city_cannot_act_here(desk: Desk) -> None:
    r = await desk.get("/scenarios", OTHER_CITY_BUREAU)
    assert r.status_code == 403


async def test_REQ_4_standard_city_has_both_resources(desk: Desk) -> None:
    """A guard on the fixture itself: both resources are in the operation catalog."""
    scenario = await desk.file_scenario()
    app = await desk.apply(scenario["scenario_id"])
    assert {s["resource_id"] for s in app["scope"]} == {TAX_RESOURCE, MARKET_RESOURCE}
