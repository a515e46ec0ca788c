"""The operator's admission reviews (入驻审核, DEV-1, DEV-3), the bureau's admission report
and the operator's scenario change (变更备案, REQ-8), without a browser: what the console
sends to identity and request_review, and each refusal shown next to its own form, in
Chinese, with the rule it names."""

from __future__ import annotations

from typing import Any

from tests.unit.services.console.mock_platform import FakePlatform, MockConsole, csrf

ADMISSION = {
    "admission_id": "adm-1",
    "developer_org_id": "org-370300-dev-new",
    "operator_org_id": "org-370300-operator",
    "applied_at": "2026-03-01T09:00:00Z",
    "state": "applied",
    "request": {
        "data_management_capability": "DCMM 二级",
        "security_capability": "等保三级",
        "good_standing": True,
        "no_security_incident_3_years": True,
    },
    "review_reason": "",
    "development_agreement_id": "",
    "cooperation_filing": None,
}


def _operator(mock_console: MockConsole, platform: FakePlatform) -> Any:
    return mock_console(platform, sub="operator.li", org="org-370300-operator", role="operator")


def test_DEV_1_a_rejection_without_reason_is_refused_next_to_its_admission(
    mock_console: MockConsole,
) -> None:
    problem = {
        "status": 422,
        "detail": "a rejection states its reason",
        "rule": "DEV-1",
        "rule_title": "开发利用主体入驻",
        "errors": [{"field": "reason", "message": "a rejection states its reason"}],
    }
    platform = FakePlatform(
        {
            ("GET", "/identity/admissions"): [ADMISSION],
            ("POST", "/identity/admissions/adm-1/review"): (422, problem),
        }
    )
    client = _operator(mock_console, platform)
    shown = client.get("/operator/admissions").text
    assert 'data-state="applied">已申请' in shown and "2026-03-01 17:00" in shown
    assert '<label for="adm-1-reject">不予入驻</label>' in shown
    answer = client.post(
        "/operator/admissions/adm-1/review",
        data={"_csrf_token": csrf(client, "/operator/admissions"), "decision": "reject"},
        follow_redirects=False,
    )
    assert answer.status_code == 422
    assert platform.posted("/identity/admissions/adm-1/review") == {
        "approve": False,
        "reason": "",
    }
    assert 'id="refused-review-adm-1"' in answer.text
    assert "提交的内容不符合规则（规则 DEV-1：开发利用主体入驻）" in answer.text


def test_DEV_1_the_operator_approves_then_signs_the_development_agreement(
    mock_console: MockConsole,
) -> None:
    platform = FakePlatform(
        {
            ("GET", "/identity/admissions"): [ADMISSION],
            ("POST", "/identity/admissions/adm-1/review"): {**ADMISSION, "state": "approved"},
            ("POST", "/identity/admissions/adm-1/agreement"): {**ADMISSION, "state": "admitted"},
        }
    )
    client = _operator(mock_console, platform)
    token = csrf(client, "/operator/admissions")
    approved = client.post(
        "/operator/admissions/adm-1/review",
        data={"_csrf_token": token, "decision": "approve", "reason": "符合条件"},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    assert approved.headers["location"] == "/console/operator/admissions"
    assert platform.posted("/identity/admissions/adm-1/review") == {
        "approve": True,
        "reason": "符合条件",
    }
    platform.answers[("GET", "/identity/admissions")] = [{**ADMISSION, "state": "approved"}]
    shown = client.get("/operator/admissions").text
    assert "签订开发利用协议" in shown and "提交入驻审核" not in shown
    signed = client.post(
        "/operator/admissions/adm-1/agreement",
        data={"_csrf_token": token, "terms": "仅在沙箱内开发利用"},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    assert platform.posted("/identity/admissions/adm-1/agreement") == {
        "terms": "仅在沙箱内开发利用"
    }


def test_DEV_3_the_bureau_reads_the_admission_report_and_the_filings(
    mock_console: MockConsole,
) -> None:
    admitted = {
        **ADMISSION,
        "state": "admitted",
        "admitted_at": "2026-03-02T02:00:00Z",
        "development_agreement_id": "agr-1",
        "cooperation_filing": {
            "reference": "ZB-HZ-1",
            "summary": "一年",
            "filed_at": "2026-03-03T02:00:00Z",
            "filed_by": "operator.li",
        },
    }
    platform = FakePlatform(
        {
            ("GET", "/identity/admissions/report"): {"admitted": [admitted], "ended": []},
            ("GET", "/identity/admissions/filings"): [admitted],
        }
    )
    client = mock_console(platform, sub="bureau.li", org="org-370300-bureau", role="bureau")
    shown = client.get("/admission-reports?first=2026-01-01&last=2026-12-31").text
    asked = [p for m, p, _ in platform.calls if p == "/identity/admissions/report"]
    assert asked == ["/identity/admissions/report"]
    assert 'data-state="admitted">已入驻' in shown and "2026-03-02 10:00" in shown
    assert 'data-filed="true"' in shown and "已备案 ZB-HZ-1（2026-03-03 10:00）" in shown


def test_REQ_8_a_scenario_change_sends_only_what_changes_and_shows_a_refusal(
    mock_console: MockConsole,
) -> None:
    scenario = {
        "scenario_id": "scn-1",
        "name": "小微企业信用评估",
        "domain": "finance",
        "purpose": "旧用途",
        "expected_value": "首贷率",
        "scenario_class": "commercial",
        "status": "active",
    }
    nothing = {
        "status": 422,
        "detail": "the change changes nothing",
        "rule": "REQ-8",
        "rule_title": "场景动态管理",
    }
    platform = FakePlatform(
        {
            ("GET", "/request_review/scenarios/scn-1"): scenario,
            ("POST", "/request_review/scenarios/scn-1/changes"): (422, nothing),
        }
    )
    client = mock_console(platform, sub="operator.li", org="org-370300-operator", role="operator")
    token = csrf(client, "/operator/scenarios/scn-1/change")
    refused = client.post(
        "/operator/scenarios/scn-1/change",
        data={"_csrf_token": token, "name": " ", "purpose": ""},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert platform.posted("/request_review/scenarios/scn-1/changes") == {}
    assert 'id="change-refused"' in refused.text and "规则 REQ-8：场景动态管理" in refused.text
    platform.answers[("POST", "/request_review/scenarios/scn-1/changes")] = scenario
    changed = client.post(
        "/operator/scenarios/scn-1/change",
        data={"_csrf_token": token, "purpose": "新用途", "scenario_class": "public_interest"},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert platform.all_posted("/request_review/scenarios/scn-1/changes")[-1] == {
        "purpose": "新用途",
        "scenario_class": "public_interest",
    }


def test_DEV_1_the_report_period_ends_on_the_citys_today_not_the_servers(
    mock_console: MockConsole, monkeypatch: Any
) -> None:
    """At 16:30 UTC on 7 December it is already 8 December in the city: an admission
    granted at 00:18 Beijing time that day falls in the default period."""
    from datetime import UTC, datetime

    from services.console.api import admission_reviews

    class Evening(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Evening:
            return cls(2026, 12, 7, 16, 30, tzinfo=UTC)

    monkeypatch.setattr(admission_reviews, "datetime", Evening)
    platform = FakePlatform(
        {
            ("GET", "/identity/admissions/report"): {"admitted": [], "ended": []},
            ("GET", "/identity/admissions/filings"): [],
        }
    )
    client = mock_console(platform, sub="bureau.li", org="org-370300-bureau", role="bureau")
    shown = client.get("/admission-reports").text
    assert 'value="2026-12-08"' in shown and 'value="2025-12-08"' in shown
