"""Security oversight end to end in embedded mode: incident reports reach the bureau at
once (SEC-2), one emergency plan per authorization with its drills (SEC-2), and
inspections whose findings are tracked to closure (SEC-6)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts.events import SelectionPublicized, TenderPublished
from tests.support.evaluation import (
    BUREAU,
    COUNTY_BUREAU,
    DEVELOPER,
    MARKET,
    OPERATOR,
    OTHER_CITY_BUREAU,
    OTHER_OPERATOR,
    PUBLIC,
    SUPERVISOR,
    Desk,
    agreement,
    desk,
    published_eventually,
)


@pytest.fixture
async def d(tmp_path: Path) -> AsyncIterator[Desk]:
    async with desk(tmp_path) as running:
        yield running


INCIDENT = {
    "severity": "high",
    "summary": "沙箱日志发现异常批量查询",
    "occurred_at": "2026-03-01T22:10:00+08:00",
}


async def test_SEC_2_an_incident_report_reaches_the_bureau_at_once(d: Desk) -> None:
    made = await d.call("POST", "/incidents/", DEVELOPER, INCIDENT, expect=201)
    seen = await d.call("GET", "/incidents/", BUREAU)  # no waiting: stored on the call
    assert [i["incident_id"] for i in seen] == [made["incident_id"]]
    assert seen[0]["reporter_org_id"] == DEVELOPER.org_id and seen[0]["severity"] == "high"
    [event] = await published_eventually(d.p, "incident.reported")
    assert event.payload.incident_id == made["incident_id"]  # type: ignore[union-attr]

    assert await d.call("GET", "/incidents/", MARKET) == []
    # Object level: a county bureau on the city platform sees no city incident; another
    # city's bureau is refused at the door.
    assert await d.call("GET", "/incidents/", COUNTY_BUREAU) == []
    await d.call("GET", f"/incidents/{made['incident_id']}", COUNTY_BUREAU, expect=403)
    await d.call("GET", "/incidents/", OTHER_CITY_BUREAU, expect=403)
    await d.call("GET", f"/incidents/{made['incident_id']}", MARKET, expect=403)
    assert (await d.call("GET", f"/incidents/{made['incident_id']}", SUPERVISOR))["summary"]
    await d.call("POST", "/incidents/", PUBLIC, INCIDENT, expect=403)
    await d.call("POST", "/incidents/", BUREAU, INCIDENT, expect=403)


async def test_SEC_2_an_incident_is_reported_after_it_occurred(d: Desk) -> None:
    future = dict(INCIDENT, occurred_at="2026-03-05T10:00:00+08:00")
    assert (await d.call("POST", "/incidents/", OPERATOR, future, expect=422))["rule"] == "SEC-2"
    await d.call("POST", "/incidents/", OPERATOR, dict(INCIDENT, severity="minor"), expect=400)


async def test_SEC_2_the_bureau_draws_up_one_plan_per_authorization_and_organizes_drills(
    d: Desk,
) -> None:
    """001 art.32: “实施单位应会同有关部门制定安全事件应急预案，并组织运营单位开展应急演练”;
    003 §4(三): “按照‘一授权一预案’要求”. The plan exists before the agreement: it hangs on
    the authorization identity announced (tender.published), and identity hears of it."""
    await d.publish(
        TenderPublished(
            authorization_id="auth-1",
            title="淄博市公共数据授权运营机构遴选",
            selection_mode="public_tender",
            mode="whole",
            region="370300",
        ),
        subject="auth-1",
    )
    await d.publish(
        SelectionPublicized(
            authorization_id="auth-1",
            operator_org_id=OPERATOR.org_id,
            publicity_ends_at=datetime(2026, 3, 9, 16, 0, tzinfo=UTC),
        ),
        subject="auth-1",
    )
    await d.settled()
    plan = {
        "title": "数据安全事件应急预案",
        "content": "分级响应、处置流程、报告时限",
        "departments": ["市委网信办", "市公安局"],
    }
    refused = await d.call("PUT", "/emergency-plans/auth-1", OPERATOR, plan, expect=403)
    assert "SEC-2" in str(refused)  # the operator no longer files the plan
    await d.call("PUT", "/emergency-plans/auth-404", BUREAU, plan, expect=422)
    await d.call("PUT", "/emergency-plans/auth-1", OTHER_CITY_BUREAU, plan, expect=403)
    alone = await d.call(
        "PUT", "/emergency-plans/auth-1", BUREAU, dict(plan, departments=[]), expect=400
    )
    assert alone["status"] == 400
    first = await d.call("PUT", "/emergency-plans/auth-1", BUREAU, plan)
    assert first["current"]["version"] == 1 and first["bureau_org_id"] == BUREAU.org_id
    assert first["operator_org_id"] == OPERATOR.org_id
    assert first["current"]["departments"] == ["市委网信办", "市公安局"]
    [adopted] = await published_eventually(d.p, "emergency_plan.adopted")
    assert adopted.payload.authorization_id == "auth-1"  # type: ignore[union-attr]

    revised = await d.call(
        "PUT", "/emergency-plans/auth-1", BUREAU, dict(plan, content="增加勒索软件处置")
    )
    assert revised["current"]["version"] == 2
    in_force = [v for v in revised["versions"] if v["superseded_at"] is None]
    assert [v["version"] for v in in_force] == [2]  # never two plans in force
    await published_eventually(d.p, "emergency_plan.adopted", count=2)

    drill = {
        "held_on": "2026-02-20",
        "scenario": "数据泄露演练",
        "participants": 18,
        "participating_org_ids": [OPERATOR.org_id, BUREAU.org_id],
    }
    drilled = await d.call("POST", "/emergency-plans/auth-1/drills", BUREAU, drill, expect=201)
    [held] = drilled["drills"]
    assert held["operator_took_part"] and held["organized_by_org_id"] == BUREAU.org_id
    without = dict(drill, participating_org_ids=[BUREAU.org_id])
    missing = await d.call("POST", "/emergency-plans/auth-1/drills", BUREAU, without, expect=422)
    assert missing["rule"] == "SEC-2"
    ahead = dict(drill, held_on="2026-04-01")
    await d.call("POST", "/emergency-plans/auth-1/drills", BUREAU, ahead, expect=422)
    await d.call("POST", "/emergency-plans/auth-1/drills", OPERATOR, drill, expect=403)
    await published_eventually(d.p, "emergency_drill.recorded")

    assert len((await d.call("GET", "/emergency-plans/auth-1", SUPERVISOR))["drills"]) == 1
    assert (await d.call("GET", "/emergency-plans/auth-1", OPERATOR))["current"]["version"] == 2
    await d.call("GET", "/emergency-plans/auth-1", OTHER_OPERATOR, expect=403)


async def test_SEC_6_inspection_findings_are_tracked_to_closure(d: Desk) -> None:
    body = {
        "subject_org_id": OPERATOR.org_id,
        "inspected_on": "2026-03-01",
        "findings": ["日志留存不足六个月", "运维账号共用"],
    }
    unknown = await d.call(
        "POST", "/inspections/", BUREAU, dict(body, subject_org_id="org-nobody"), expect=404
    )
    assert unknown["errors"][0]["field"] == "subject_org_id"
    await d.publish(agreement(), subject="auth-1")
    await d.settled()
    await d.call("POST", "/inspections/", OPERATOR, body, expect=403)
    made = await d.call("POST", "/inspections/", BUREAU, body, expect=201)
    iid = made["inspection_id"]
    assert made["open_findings"] == 2

    closure = {"note": "日志存储扩容至十二个月"}
    path = f"/inspections/{iid}/findings"
    await d.call("POST", f"{path}/0/closure", OPERATOR, closure, expect=403)
    assert (await d.call("POST", f"{path}/0/closure", BUREAU, closure))["open_findings"] == 1
    again = await d.call("POST", f"{path}/0/closure", BUREAU, closure, expect=409)
    assert again["rule"] == "SEC-6"
    await d.call("POST", f"{path}/5/closure", BUREAU, closure, expect=422)
    done = await d.call("POST", f"{path}/1/closure", BUREAU, {"note": "账号实名分配"})
    assert done["open_findings"] == 0 and all(f["closed"] for f in done["findings"])

    events = await published_eventually(d.p, "inspection.recorded", 3)
    assert [e.payload.open_findings for e in events] == [2, 1, 0]  # type: ignore[union-attr]
    assert (await d.call("GET", f"/inspections/{iid}", OPERATOR))["open_findings"] == 0
    await d.call("GET", f"/inspections/{iid}", OTHER_OPERATOR, expect=403)
    assert await d.call("GET", "/inspections/", OTHER_OPERATOR) == []
