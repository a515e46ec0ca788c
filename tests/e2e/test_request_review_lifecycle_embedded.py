"""Grants end, appeals are decided and scenarios are managed, through HTTP in embedded
mode: revocation on agreement suspension or end and on developer removal, and by the
bureau (REQ-5); appeals (REQ-6); scenario changes and re-evaluation (REQ-8)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from contracts.events import DeveloperAdmissionRejected
from tests.support.request_review import (
    AGREEMENT,
    BUREAU,
    COUNTY_BUREAU,
    DEVELOPER,
    MARKET,
    OPERATOR,
    OTHER_DEVELOPER,
    OTHER_OPERATOR,
    SUPERVISOR,
    TAX,
    TAX_RESOURCE,
    Desk,
    Observer,
    export_rejected,
    open_desk,
    reinstated,
    removed,
    request_line,
    standard_city,
    suspended,
    terminated,
    upstream,
)


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[tuple[Desk, Observer]]:
    async with open_desk(tmp_path) as opened:
        await standard_city(opened[0].p)
        yield opened


async def granted(d: Desk, who: Any = DEVELOPER) -> str:
    scenario = await d.file_scenario()
    app = await d.apply(
        scenario["scenario_id"], who=who, resources=[request_line(TAX_RESOURCE, "credit_code")]
    )
    await d.review(app["application_id"], TAX)
    done = await d.review(app["application_id"], BUREAU)
    grant_id: str = done["grant_id"]
    return grant_id


async def grant_status(d: Desk, grant_id: str) -> str:
    status: str = (await d.get(f"/grants/{grant_id}", BUREAU)).json()["status"]
    return status


async def test_AUTH_6_suspending_the_agreement_suspends_its_grants_and_reinstatement_restores_them(
    desk: tuple[Desk, Observer],
) -> None:
    """000 §3.4(3): "运营机构违反授权运营协议的,市大数据局按照协议约定要求其改正,并暂时关闭
    其数据使用权限;运营机构应当在约定期限内改正,并反馈改正情况;未按照要求改正的,取消其相关
    公共数据资源的授权"。 Suspension closes the permissions for now, not for good: the grants
    are suspended (not revoked) and reinstatement restores them as they were."""
    d, seen = desk
    first, second = await granted(d), await granted(d, OTHER_DEVELOPER)
    before = (await d.get(f"/grants/{first}", BUREAU)).json()
    await upstream(d.p, suspended())
    assert await grant_status(d, first) == "suspended"
    assert await grant_status(d, second) == "suspended"
    paused = (await d.get(f"/grants/{first}", BUREAU)).json()
    assert paused["in_force"] is False and "AUTH-6" in paused["suspension_reason"]
    events = await seen.wait_for("grant.suspended", 2)
    assert {e.payload.grant_id for e in events} == {first, second}  # type: ignore[union-attr]
    assert seen.of("grant.revoked") == []
    await upstream(d.p, reinstated())
    assert await grant_status(d, first) == "active"
    after = (await d.get(f"/grants/{first}", BUREAU)).json()
    assert after["in_force"] is True and after["suspension_reason"] == ""
    for field in ("resources", "valid_from", "valid_until", "purpose"):
        assert after[field] == before[field]  # as it was
    await seen.wait_for("grant.reinstated", 2)


async def test_AUTH_7_terminating_a_suspended_agreement_revokes_its_grants(
    desk: tuple[Desk, Observer],
) -> None:
    """001 art.27(二): "运营单位违反相关协议规定,且整改不力或拒不整改的" — exit; 001 art.24:
    "及时撤销授权运营单位的公共数据使用权限"。 Not corrected, the suspended grants end for good."""
    d, seen = desk
    grant_id = await granted(d)
    await upstream(d.p, suspended())
    assert await grant_status(d, grant_id) == "suspended"
    await upstream(d.p, terminated())
    assert await grant_status(d, grant_id) == "revoked"
    await seen.wait_for("grant.revoked")


async def test_REQ_5_terminating_the_agreement_revokes_its_grants_once(
    desk: tuple[Desk, Observer],
) -> None:
    d, seen = desk
    grant_id = await granted(d)
    await upstream(d.p, terminated(), terminated())
    assert await grant_status(d, grant_id) == "revoked"
    await seen.wait_for("grant.revoked")
    assert len(seen.of("grant.revoked")) == 1


async def test_REQ_5_removing_the_developer_revokes_only_its_grants(
    desk: tuple[Desk, Observer],
) -> None:
    d, seen = desk
    mine, theirs = await granted(d), await granted(d, OTHER_DEVELOPER)
    await upstream(d.p, removed())
    assert await grant_status(d, mine) == "revoked"
    assert await grant_status(d, theirs) == "active"
    revoked = await seen.wait_for("grant.revoked")
    assert revoked[0].payload.developer_org_id == DEVELOPER.org_id  # type: ignore[union-attr]


async def test_REQ_5_the_bureau_revokes_with_a_reason_and_revoked_is_terminal(
    desk: tuple[Desk, Observer],
) -> None:
    d, seen = desk
    grant_id = await granted(d)
    county = await d.post(f"/grants/{grant_id}/revocation", {"reason": "x"}, COUNTY_BUREAU)
    assert county.status_code == 403
    r = await d.post(f"/grants/{grant_id}/revocation", {"reason": "超范围使用"}, BUREAU)
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert r.json()["in_force"] is False and r.json()["revocation_reason"] == "超范围使用"
    again = await d.post(f"/grants/{grant_id}/revocation", {"reason": "再次"}, BUREAU)
    assert again.status_code == 409 and again.json()["rule"] == "REQ-5"
    await seen.wait_for("grant.revoked")
    missing = await d.post(f"/grants/{grant_id}/revocation", {}, BUREAU)
    assert missing.status_code == 400


async def test_REQ_4_no_grant_is_issued_once_the_agreement_is_suspended(
    desk: tuple[Desk, Observer],
) -> None:
    d, seen = desk
    scenario = await d.file_scenario()
    app = await d.apply(
        scenario["scenario_id"], resources=[request_line(TAX_RESOURCE, "credit_code")]
    )
    await d.review(app["application_id"], TAX)
    await upstream(d.p, suspended(AGREEMENT))
    refused = await d.review(app["application_id"], BUREAU, expect=409)
    assert refused["rule"] == "REQ-4"
    assert not seen.of("grant.issued")


async def _rejected(d: Desk) -> str:
    scenario = await d.file_scenario()
    app = await d.apply(
        scenario["scenario_id"], resources=[request_line(TAX_RESOURCE, "credit_code")]
    )
    await d.review(app["application_id"], TAX, "reject")
    application_id: str = app["application_id"]
    return application_id


async def test_REQ_6_an_upheld_application_appeal_sends_it_back_to_review(
    desk: tuple[Desk, Observer],
) -> None:
    d, seen = desk
    app_id = await _rejected(d)
    body = {"subject_kind": "application", "subject_id": app_id, "grounds": "已补充材料"}
    stranger = await d.post("/appeals", body, OTHER_DEVELOPER)
    assert stranger.status_code == 403 and stranger.json()["rule"] == "REQ-6"
    r = await d.post("/appeals", body, DEVELOPER)
    assert r.status_code == 201, r.text
    appeal = r.json()
    assert appeal["status"] == "filed"
    twice = await d.post("/appeals", body, DEVELOPER)
    assert twice.status_code == 409 and twice.json()["rule"] == "REQ-6"
    assert (await d.get(f"/appeals/{appeal['appeal_id']}", OTHER_DEVELOPER)).status_code == 403
    assert (await d.get(f"/appeals/{appeal['appeal_id']}", SUPERVISOR)).status_code == 200
    assert (await d.get("/appeals", OTHER_DEVELOPER)).json()["total"] == 0

    decision = {"decision": "upheld", "reasoning": "驳回理由不充分"}
    assert (
        await d.post(f"/appeals/{appeal['appeal_id']}/decision", decision, DEVELOPER)
    ).status_code == 403
    decided = await d.post(f"/appeals/{appeal['appeal_id']}/decision", decision, BUREAU)
    assert decided.status_code == 200 and decided.json()["status"] == "upheld"
    event = (await seen.wait_for("appeal.decided"))[0].payload
    assert (event.subject_kind, event.subject_id) == ("application", app_id)  # type: ignore[union-attr]
    again = await d.post(f"/appeals/{appeal['appeal_id']}/decision", decision, BUREAU)
    assert again.status_code == 409

    back = (await d.get(f"/applications/{app_id}", DEVELOPER)).json()
    assert back["status"] == "under_review" and back["round"] == 2
    assert not any(r["reviewed"] for r in back["required_reviewers"])
    await d.review(app_id, TAX)
    done = await d.review(app_id, BUREAU)
    assert done["status"] == "approved"
    await seen.wait_for("grant.issued")


async def test_REQ_6_only_a_rejected_application_is_appealed(
    desk: tuple[Desk, Observer],
) -> None:
    d, _ = desk
    scenario = await d.file_scenario()
    app = await d.apply(scenario["scenario_id"])
    r = await d.post(
        "/appeals",
        {"subject_kind": "application", "subject_id": app["application_id"], "grounds": "x"},
        DEVELOPER,
    )
    assert r.status_code == 422 and r.json()["rule"] == "REQ-6"


async def test_REQ_6_a_dismissed_appeal_leaves_the_application_rejected(
    desk: tuple[Desk, Observer],
) -> None:
    d, _ = desk
    app_id = await _rejected(d)
    appeal = (
        await d.post(
            "/appeals",
            {"subject_kind": "application", "subject_id": app_id, "grounds": "理由"},
            DEVELOPER,
        )
    ).json()
    r = await d.post(
        f"/appeals/{appeal['appeal_id']}/decision",
        {"decision": "dismissed", "reasoning": "驳回理由成立"},
        BUREAU,
    )
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    assert (await d.get(f"/applications/{app_id}", DEVELOPER)).json()["status"] == "rejected"


async def test_REQ_6_an_export_appeal_comes_only_from_the_developer_of_the_export(
    desk: tuple[Desk, Observer],
) -> None:
    d, seen = desk
    grant_id = await granted(d)
    await upstream(d.p, export_rejected("exp-1", grant_id))
    body = {"subject_kind": "export", "subject_id": "exp-1", "grounds": "单元格已合并"}
    other = await d.post("/appeals", body, OTHER_DEVELOPER)
    assert other.status_code == 403 and other.json()["rule"] == "REQ-6"
    unknown = await d.post("/appeals", {**body, "subject_id": "exp-unknown"}, DEVELOPER)
    assert unknown.status_code == 422 and unknown.json()["rule"] == "REQ-6"
    r = await d.post("/appeals", body, DEVELOPER)
    assert r.status_code == 201, r.text
    filed = (await seen.wait_for("appeal.filed"))[0].payload
    assert (filed.subject_kind, filed.subject_id) == ("export", "exp-1")  # type: ignore[union-attr]


async def test_REQ_6_an_admission_appeal_names_a_refused_admission_of_the_appellant(
    desk: tuple[Desk, Observer],
) -> None:
    """002 §4(三): a developer refused admission may appeal (申诉) to the bureau. The
    admission is identity's; request-review knows it from developer.admission_rejected, so
    an unknown admission, or another developer's, is refused before anything is recorded."""
    d, seen = desk
    body = {"subject_kind": "admission", "subject_id": "adm-42", "grounds": "资质已补正"}
    unknown = await d.post("/appeals", body, OTHER_DEVELOPER)
    assert unknown.status_code == 422 and unknown.json()["rule"] == "REQ-6"
    assert unknown.json()["errors"][0]["field"] == "subject_id"
    refusal = DeveloperAdmissionRejected(
        admission_id="adm-42",
        developer_org_id=OTHER_DEVELOPER.org_id,
        operator_org_id=OPERATOR.org_id,
        reason="安全能力不足",
    )
    await upstream(d.p, (refusal, "adm-42"), (refusal, "adm-42"))  # redelivered: one record
    foreign = await d.post("/appeals", body, DEVELOPER)
    assert foreign.status_code == 403 and foreign.json()["rule"] == "REQ-6"
    assert (await d.get("/appeals", BUREAU)).json()["total"] == 0
    r = await d.post("/appeals", body, OTHER_DEVELOPER)
    assert r.status_code == 201 and r.json()["appellant_org_id"] == OTHER_DEVELOPER.org_id
    await seen.wait_for("appeal.filed")
    assert (await d.get("/appeals", BUREAU)).json()["total"] == 1
    bad = await d.post(
        "/appeals", {"subject_kind": "licence", "subject_id": "x", "grounds": "y"}, DEVELOPER
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "subject_kind"


async def test_REQ_8_a_change_is_filed_with_the_bureau(desk: tuple[Desk, Observer]) -> None:
    d, seen = desk
    scenario = await d.file_scenario()
    sid = scenario["scenario_id"]
    foreign = await d.post(f"/scenarios/{sid}/changes", {"purpose": "别的"}, OTHER_OPERATOR)
    assert foreign.status_code == 403 and foreign.json()["rule"] == "REQ-8"
    r = await d.post(
        f"/scenarios/{sid}/changes",
        {"purpose": "扩展至个体工商户", "scenario_class": "public_interest"},
        OPERATOR,
    )
    assert r.status_code == 200, r.text
    changed = r.json()
    assert changed["purpose"] == "扩展至个体工商户" and changed["changes"] == 1
    assert changed["name"] == scenario["name"]
    event = (await seen.wait_for("scenario.changed"))[0].payload
    assert event.scenario_class == "public_interest"  # type: ignore[union-attr]
    nothing = await d.post(f"/scenarios/{sid}/changes", {"purpose": "扩展至个体工商户"}, OPERATOR)
    assert nothing.status_code == 422 and nothing.json()["rule"] == "REQ-8"


async def test_REQ_8_scenarios_come_due_and_are_reevaluated(
    desk: tuple[Desk, Observer],
) -> None:
    d, seen = desk
    scenario = await d.file_scenario()
    sid = scenario["scenario_id"]
    assert (await d.get("/scenarios?due=true", BUREAU)).json()["total"] == 0
    d.clock.advance(timedelta(days=365))
    due = (await d.get("/scenarios?due=true", BUREAU)).json()
    assert [s["scenario_id"] for s in due["items"]] == [sid] and due["items"][0]["due"]
    assert (
        await d.post(f"/scenarios/{sid}/reevaluation", {"outcome": "continued"}, OPERATOR)
    ).status_code == 403
    r = await d.post(
        f"/scenarios/{sid}/reevaluation", {"outcome": "continued", "note": "成效良好"}, BUREAU
    )
    assert r.status_code == 200 and r.json()["next_review_on"] == "2028-03-01"
    assert (await d.get("/scenarios?due=true", BUREAU)).json()["total"] == 0
    event = (await seen.wait_for("scenario.reevaluated"))[0].payload
    assert event.outcome == "continued"  # type: ignore[union-attr]
    retire = await d.post(f"/scenarios/{sid}/reevaluation", {"outcome": "retired"}, BUREAU)
    assert retire.json()["status"] == "retired" and retire.json()["next_review_on"] is None
    again = await d.post(f"/scenarios/{sid}/reevaluation", {"outcome": "continued"}, BUREAU)
    assert again.status_code == 409 and again.json()["rule"] == "REQ-8"
    bad = await d.post(f"/scenarios/{sid}/reevaluation", {"outcome": "paused"}, BUREAU)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "outcome"


async def test_REQ_8_the_reevaluation_interval_is_a_setting(desk: tuple[Desk, Observer]) -> None:
    d, _ = desk
    body = {"reevaluation_interval_days": 180, "default_grant_validity_days": 90}
    assert (
        await d.client.put("/request_review/settings", json=body, headers=await d.as_(MARKET))
    ).status_code == 403
    r = await d.client.put("/request_review/settings", json=body, headers=await d.as_(BUREAU))
    assert r.status_code == 200, r.text
    scenario = await d.file_scenario()
    assert scenario["next_review_on"] == "2026-08-29"


async def test_SEC_3_review_settings_name_the_bureau_that_set_them(
    desk: tuple[Desk, Observer],
) -> None:
    """谁运营谁负责: the stored settings name the bureau that set them."""
    d, _ = desk
    body = {"reevaluation_interval_days": 200, "default_grant_validity_days": 90}
    r = await d.client.put("/request_review/settings", json=body, headers=await d.as_(BUREAU))
    assert r.status_code == 200, r.text
    stored = await d.p.running["request_review"].store.get("settings", "370300")
    assert stored is not None and stored["set_by_org_id"] == BUREAU.org_id
    read = await d.client.get("/request_review/settings", headers=await d.as_(BUREAU))
    assert read.json()["reevaluation_interval_days"] == 200


async def test_CAT_2_a_later_negative_listing_narrows_issued_grants_or_revokes_them(
    desk: tuple[Desk, Observer],
) -> None:
    """002 §2: "禁止開放的公共數據資源不得用於授權運營"; 003 §3(七): "禁止开放的公共数据不得
    授权运营"。 Put on the negative list after a grant was issued, the data leaves that
    grant too: an item is taken out of it (narrowed, the reason recorded), and a grant left
    with nothing is revoked."""
    from contracts.events import ResourceNegativeListed

    d, seen = desk
    scenario = await d.file_scenario()
    app = await d.apply(
        scenario["scenario_id"],
        resources=[request_line(TAX_RESOURCE, "credit_code", "tax_paid_fen")],
    )
    await d.review(app["application_id"], TAX)
    grant_id = (await d.review(app["application_id"], BUREAU))["grant_id"]
    only_code = await granted(d)

    item = ResourceNegativeListed(
        resource_id=TAX_RESOURCE,
        provider_org_id=TAX.org_id,
        reason="涉及纳税人隐私",
        item_name="tax_paid_fen",
    )
    await upstream(d.p, (item, TAX_RESOURCE))
    narrowed = (await d.get(f"/grants/{grant_id}", BUREAU)).json()
    assert narrowed["status"] == "active"
    assert [r["items"] for r in narrowed["resources"]] == [["credit_code"]]
    assert "tax_paid_fen" in narrowed["narrowings"][0]
    assert "涉及纳税人隐私" in narrowed["narrowings"][0]
    [event] = await seen.wait_for("grant.narrowed")
    assert event.payload.removed_items == ["tax_paid_fen"]  # type: ignore[union-attr]
    assert await grant_status(d, only_code) == "active"  # it never held the item

    whole = ResourceNegativeListed(
        resource_id=TAX_RESOURCE, provider_org_id=TAX.org_id, reason="整体禁止开放"
    )
    await upstream(d.p, (whole, TAX_RESOURCE))
    for gone in (grant_id, only_code):
        revoked = (await d.get(f"/grants/{gone}", BUREAU)).json()
        assert revoked["status"] == "revoked" and "CAT-2" in revoked["revocation_reason"]
    await seen.wait_for("grant.revoked", 2)
