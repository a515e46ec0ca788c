"""Incidents, emergency plans and drills (SEC-2), inspections (SEC-6), pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from contracts.errors import Conflict, DomainError, Forbidden
from services.evaluation.domain import security as sec

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def plan(
    existing: sec.EmergencyPlan | None = None,
    content: str = "分级响应",
    *,
    role: str = "bureau",
    within: bool = True,
    operator: str = "org-op",
    departments: tuple[str, ...] = ("市委网信办", "市公安局"),
) -> sec.EmergencyPlan:
    return sec.draw_up_plan(
        existing,
        authorization_id="auth-1",
        region="370300",
        actor_role=role,
        actor_org_id="org-370300-bureau" if role == "bureau" else "org-op",
        actor_within_region=within,
        operator_org_id=operator,
        title="应急预案",
        content=content,
        departments=departments,
        now=NOW,
    )


def drill(
    p: sec.EmergencyPlan,
    *,
    role: str = "bureau",
    taking_part: tuple[str, ...] = ("org-op", "org-370300-bureau"),
    held_on: date = date(2026, 3, 1),
) -> sec.EmergencyPlan:
    return sec.record_drill(
        p,
        actor_role=role,
        actor_org_id="org-370300-bureau" if role == "bureau" else "org-op",
        actor_within_region=True,
        operator_org_id="",
        held_on=held_on,
        scenario="泄露演练",
        participants=12,
        participating_org_ids=taking_part,
        lessons="",
        today=date(2026, 3, 2),
        now=NOW,
    )


def test_SEC_2_one_plan_per_authorization_a_second_drawing_up_supersedes() -> None:
    first = plan()
    second = plan(first, "增加勒索软件处置")
    assert second.current.version == 2 and second.current.content == "增加勒索软件处置"
    assert [v.superseded_at is None for v in second.versions] == [False, True]
    assert second.authorization_id == "auth-1" and second.bureau_org_id == "org-370300-bureau"


def test_SEC_2_the_bureau_draws_up_the_plan_with_the_departments_concerned() -> None:
    """001 art.32: “实施单位应会同有关部门制定安全事件应急预案” — the bureau, not the
    operator, and with the departments concerned; 003 §4(三): “一授权一预案”."""
    with pytest.raises(Forbidden) as operator:
        plan(role="operator")
    assert operator.value.rule == "SEC-2"
    with pytest.raises(Forbidden):
        plan(within=False)  # another region's bureau
    with pytest.raises(DomainError) as alone:
        plan(departments=(" ",))
    assert alone.value.rule == "SEC-2" and alone.value.field == "departments"
    assert plan().current.departments == ("市委网信办", "市公安局")


def test_SEC_2_the_bureau_organizes_drills_and_the_operator_takes_part() -> None:
    """001 art.32: “并组织运营单位开展应急演练”; 003 §4(三): “协同数据主管部门组织平台运营
    主体、授权运营主体开展应急演练”."""
    drilled = drill(plan())
    [held] = drilled.drills
    assert held.organized_by_org_id == "org-370300-bureau" and held.operator_took_part
    assert "org-op" in held.participating_org_ids
    with pytest.raises(Forbidden) as by_operator:
        drill(plan(), role="operator")
    assert by_operator.value.rule == "SEC-2"
    with pytest.raises(DomainError) as without:
        drill(plan(), taking_part=("org-370300-bureau",))
    assert without.value.field == "participating_org_ids"
    with pytest.raises(DomainError) as no_operator:
        drill(plan(operator=""))
    assert no_operator.value.rule == "SEC-2"
    with pytest.raises(DomainError):
        drill(plan(), held_on=date(2026, 3, 3))


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
