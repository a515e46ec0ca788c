"""Factories of identity domain objects for unit tests: ``*_factory(**overrides)``, and
``drive`` to carry an authorization through decide/evolve to a wanted state."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from contracts.envelope import SYSTEM_ACTOR, Actor, Role
from services.identity.domain import authorizing as cmd
from services.identity.domain import implementation_plan as plans
from services.identity.domain.agreement import REQUIRED_SECTIONS, Scope
from services.identity.domain.application import (
    Attachment,
    HolderKind,
    OperatorApplication,
    OrganizationNature,
    Shareholder,
)
from services.identity.domain.authorization import Authorization, SelectionMode, evolve_all
from services.identity.domain.dates import add_years, local_date
from services.identity.domain.implementation_plan import ImplementationPlan
from services.identity.domain.jurisdiction import JurisdictionSettings

REGION = "370300"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
OPERATOR_CODE = "91350100M000100Y43"
RIVAL_CODE = "91110000802100433B"
BUREAU = Actor(org_id="org-370300-bureau", user_id="u-bureau", role=Role.BUREAU)
PROVIDER = Actor(org_id="org-370300-tax", user_id="u-tax", role=Role.PROVIDER)
OPERATOR = Actor(org_id="org-op", user_id="u-op", role=Role.OPERATOR)
RIVAL = Actor(org_id="org-rival", user_id="u-rival", role=Role.OPERATOR)
DEVELOPER = Actor(org_id="org-dev", user_id="u-dev", role=Role.DEVELOPER)
SECTIONS = {key: f"{key} 条款" for key in REQUIRED_SECTIONS}
QUALIFIED = {
    "no_security_incident_3_years": True,
    "clean_credit_record": True,
    "no_major_penalty_or_criminal_record": True,
    "domestic_capital": True,
    "security_capability": True,
    "operation_capability": True,
    "no_subcontracting": True,
}
DIGEST = "9f" * 32
SHAREHOLDERS = (
    Shareholder(
        "淄博市城市资产运营集团有限公司",
        HolderKind.COMPANY,
        "CN",
        (Shareholder("淄博市人民政府国有资产监督管理委员会", HolderKind.STATE_ASSETS, "CN"),),
    ),
)


def attachment(title: str, year: int = 2025, issued_by: str = "山东某会计师事务所") -> Attachment:
    return Attachment(title=title, issued_by=issued_by, year=year, sha256=DIGEST)


def settings_factory(**overrides: Any) -> JurisdictionSettings:
    return replace(JurisdictionSettings(region=REGION), **overrides)


def plan_factory(mode: str = "whole", resources: tuple[str, ...] = ()) -> ImplementationPlan:
    """AUTH-12: an implementation plan approved by the government's decision."""
    drafted = plans.draft(
        None,
        region=REGION,
        modes=(mode,),
        resources=resources,
        revenue_sharing="政府、运营机构、数据商按约定比例分配",
        summary="整体授权，公开招标选择运营机构",
        actor_role="bureau",
        actor_region=REGION,
        now=NOW - timedelta(days=60),
    )
    return plans.approve(
        drafted,
        meeting="市政府常务会议",
        decided_on=local_date(NOW) - timedelta(days=50),
        today=local_date(NOW),
        actor_role="bureau",
        actor_region=REGION,
    )


def facts_factory(actor: Actor = BUREAU, now: datetime = NOW, **overrides: Any) -> cmd.Facts:
    """Facts with an approved whole-authorization implementation plan (AUTH-12) and the
    bureau's emergency plan announced (SEC-2), unless overridden."""
    base: dict[str, Any] = {
        "now": now,
        "actor": actor,
        "settings": settings_factory(),
        "implementation_plan": plan_factory(),
        "emergency_plan_version": 1,
    }
    base.update(overrides)
    return cmd.Facts(**base)


def record_factory(**overrides: Any) -> OperatorApplication:
    base = OperatorApplication(
        credit_code=OPERATOR_CODE,
        legal_representative="张三",
        security_officer="李四",
        founded_on=date(2015, 6, 1),
        business_term_ends_on=None,
        contact_name="王五",
        contact_phone="0533-1234567",
        organization_nature=OrganizationNature.WHOLLY_STATE_OWNED,
        profile="市属国有数据运营企业",
        strengths="数据治理经验",
        operation_plan_summary="三年培育五十个场景",
        expected_results="五十个数据产品",
        qualifications=dict(QUALIFIED),
        contact_address="山东省淄博市张店区人民西路1号",
        shareholders=SHAREHOLDERS,
        actual_controller="淄博市人民政府国有资产监督管理委员会",
        audit_report=attachment("2025年度审计报告"),
        financial_statements=attachment("2025年度财务会计报告"),
        data_security_commitment=attachment("数据安全承诺书", 2026, "申请单位"),
        security_risk_self_assessment=attachment("安全风险自评报告", 2026, "申请单位"),
    )
    return replace(base, **overrides)


def tender_factory(**overrides: Any) -> cmd.PublishTender:
    base = cmd.PublishTender(
        authorization_id="auth-1",
        region=REGION,
        title="淄博市公共数据授权运营机构遴选",
        selection_mode=SelectionMode.PUBLIC_TENDER,
        scope=Scope(),
    )
    return replace(base, **overrides)


def applicant_facts(actor: Actor, code: str, now: datetime = NOW) -> cmd.Facts:
    return facts_factory(actor, now, applicant_credit_code=code, applicant_role="operator")


def apply(auth: Authorization | None, command: cmd.Command, facts: cmd.Facts) -> Authorization:
    return evolve_all(auth, cmd.decide(auth, command, facts))


def drive(until: str, *, now: datetime = NOW, **tender: Any) -> tuple[Authorization, datetime]:
    """An authorization carried to the first moment it is in state ``until``, with one
    applicant (the operator, scored 90); the publicity period ends 8 days later. A draft
    comes with the collective decision and the finance opinion on record (AUTH-11).
    Returns it with the time of its last step."""
    auth = apply(None, tender_factory(**tender), facts_factory(now=now))
    later = now + timedelta(days=8)
    starts = local_date(later) + timedelta(days=1)
    ends = add_years(starts, 3)
    steps: list[tuple[cmd.Command, cmd.Facts]] = [
        (
            cmd.SubmitApplication("app-op", record_factory()),
            applicant_facts(OPERATOR, OPERATOR_CODE, now),
        ),
        (cmd.CloseApplications(), facts_factory(now=now)),
        (cmd.ScoreApplication("app-op", 90.0), facts_factory(now=now)),
        (cmd.PublicizeResult(), facts_factory(now=now)),
        (cmd.ClosePublicity(), facts_factory(SYSTEM_ACTOR, later)),
        (cmd.DraftAgreement("agr-1", starts, ends, dict(SECTIONS)), facts_factory(now=later)),
        (
            cmd.RecordCollectiveDecision("局党组会议", local_date(later), approved=True),
            facts_factory(now=later),
        ),
        (
            cmd.RecordFinanceOpinion("市财政局", "收益分配条款无异议", local_date(later)),
            facts_factory(now=later),
        ),
        (cmd.SignAgreement(), facts_factory(now=later)),
        (cmd.Suspend("未按规定报送安全日志"), facts_factory(now=later)),
        (cmd.ReportCorrection("已补报并完善制度"), facts_factory(OPERATOR, later)),
    ]
    when = now
    on_record = (cmd.RecordCollectiveDecision, cmd.RecordFinanceOpinion)
    for command, facts in steps:
        if auth.state.value == until and not isinstance(command, on_record):
            return auth, when
        auth, when = apply(auth, command, facts), facts.now
    if auth.state.value == until:
        return auth, when
    raise ValueError(f"drive cannot reach {until!r}")
