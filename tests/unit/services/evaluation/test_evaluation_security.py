"""Incidents, emergency plans and drills (SEC-2), inspections (SEC-6), pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from contracts.errors import Conflict, DomainError, Forbidden
from services.evaluation.domain import security as sec

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def plan(existing: sec.EmergencyPlan | None = None, content: str = "分级响应") -> sec.EmergencyPlan:
    return sec.file_plan(
        existing,
        agreement_id="agr-1",
        region="370300",
        operator_org_id="org-op",
        agreement_operator_org_id="org-op",
        title="应急预案",
        content=content,
        now=NOW,
    )


def test_SEC_2_one_plan_per_authorization_a_second_filing_supersedes() -> None:
    first = plan()
    second = plan(first, "增加勒索软件处置")
    assert second.current.version == 2 and second.current.content == "增加勒索软件处置"
    assert [v.superseded_at is None for v in second.versions] == [False, True]


def test_SEC_2_only_the_agreements_operator_files_its_plan() -> None:
    with pytest.raises(Forbidden):
        sec.file_plan(
            None,
            agreement_id="agr-1",
            region="370300",
            operator_org_id="org-x",
            agreement_operator_org_id="org-op",
            title="t",
            content="c",
            now=NOW,
        )


def test_SEC_2_drills_are_recorded_once_held() -> None:
    drilled = sec.record_drill(
        plan(),
        by_org_id="org-op",
        held_on=date(2026, 3, 1),
        scenario="泄露演练",
        participants=12,
        lessons="",
        today=date(2026, 3, 2),
        now=NOW,
    )
    assert len(drilled.drills) == 1
    with pytest.raises(DomainError):
        sec.record_drill(
            plan(),
            by_org_id="org-op",
            held_on=date(2026, 3, 3),
            scenario="s",
            participants=1,
            lessons="",
            today=date(2026, 3, 2),
            now=NOW,
        )


def incident(role: str, occurred_at: datetime) -> sec.Incident:
    return sec.report_incident(
        incident_id="inc-1",
        region="370300",
        reporter_org_id="org-dev",
        reporter_role=role,
        reporter_user_id="u",
        severity="high",
        summary="异常查询",
        occurred_at=occurred_at,
        now=NOW,
    )


def test_SEC_2_incidents_come_from_those_who_run_use_or_supply_the_platform() -> None:
    earlier = NOW - timedelta(hours=1)
    assert incident("developer", earlier).severity == "high"
    assert incident("provider", earlier).reported_at == NOW
    with pytest.raises(Forbidden):
        incident("public", earlier)
    with pytest.raises(DomainError) as ahead:
        incident("operator", NOW + timedelta(hours=1))
    assert ahead.value.rule == "SEC-2"


def test_SEC_6_findings_close_one_by_one_to_zero() -> None:
    inspection = sec.inspect(
        inspection_id="insp-1",
        region="370300",
        subject_org_id="org-op",
        inspected_on=date(2026, 3, 1),
        inspector_org_id="org-b",
        findings=("日志不足", "账号共用"),
        today=date(2026, 3, 2),
        now=NOW,
    )
    assert inspection.open_findings == 2
    one = sec.close_finding(inspection, 1, note="已实名", now=NOW)
    assert one.open_findings == 1
    with pytest.raises(Conflict):
        sec.close_finding(one, 1, note="again", now=NOW)
    with pytest.raises(DomainError):
        sec.close_finding(one, 2, note="x", now=NOW)
    assert sec.close_finding(one, 0, note="扩容", now=NOW).open_findings == 0
