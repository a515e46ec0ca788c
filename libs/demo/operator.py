"""The demo city's parties in identity: its organizations, the operator's authorization
agreement (授权运营协议) and the demo developer's admission (入驻).

Loaded through the services' own commands, so the events the other services need (REQ-4:
an active agreement, an admitted developer) are real. The selection happened in the
past: the loader records Zibo's implementation plan approved and filed (AUTH-12), runs
the public tender, the evaluation and the publicity period (AUTH-2) on a clock set 30
days back, records the bureau's collective decision and the finance department's opinion
(AUTH-11), has the bureau draw up the emergency plan in evaluation (SEC-2) and waits
until identity learns of it over the bus, then signs; the agreement started 20 days ago.
Idempotent: an organization, an active agreement or an admission already there is left
as it is.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import date, timedelta

from contracts.errors import DomainError
from libs.clock import FixedClock
from libs.demo.zibo import BUREAU, DEVELOPERS, OPERATOR, PROVIDERS, DemoOrg, principal_for
from libs.service import ServiceContext
from services.evaluation.commands import security as security_commands
from services.identity.commands import admissions, authorizations, implementation_plans
from services.identity.commands.common import new_id
from services.identity.commands.organizations import find_organization, register_organization
from services.identity.domain import authorizing as cmd
from services.identity.domain.admission import AdmissionRequest
from services.identity.domain.admission import State as AdmissionState
from services.identity.domain.agreement import AuthorizationMode, Scope
from services.identity.domain.application import (
    Attachment,
    HolderKind,
    OperatorApplication,
    OrganizationNature,
    Shareholder,
)
from services.identity.domain.authorization import SelectionMode
from services.identity.domain.authorization import State as AuthState
from services.identity.domain.dates import add_years
from services.identity.domain.organization import RegisterOrganization
from services.identity.handlers.on_emergency_plan_adopted import plan_version
from services.identity.repository import ADMISSIONS, AUTHORIZATIONS

SECTIONS = {
    "resource_scope": "淄博市公共数据资源目录中纳入运营目录的全部数据",
    "products_and_services": "产品和服务清单、技术标准与审核要求见附件一",
    "technical_platform": "淄博市公共数据授权运营平台",
    "asset_ownership": "数据资源权属不变，数据产品权益按附件二",
    "disclosure_duties": "按年度披露运营情况；不得参与已交付产品的再开发",
    "cost_and_revenue": "成本收益单独核算，收益按约定比例分配",
    "security": "数据安全、个人信息保护、风险监测与应急预案",
    "evaluation_renewal_exit": "年度评估，期满前三个月申请续期，退出与数据删除",
    "liability": "违约责任按附件三",
    "dispute_resolution": "提交淄博仲裁委员会仲裁",
    "change_and_termination": "协议变更与终止条件按附件四",
}
OPERATOR_APPLICATION = OperatorApplication(
    credit_code=OPERATOR.credit_code,
    legal_representative="张明",
    security_officer="李华",
    founded_on=date(2021, 6, 1),
    business_term_ends_on=None,
    contact_name="王芳",
    contact_phone="0533-3188000",
    organization_nature=OrganizationNature.WHOLLY_STATE_OWNED,
    profile="市属国有数据运营企业",
    strengths="数据治理、安全运营与场景培育经验",
    operation_plan_summary="建设授权运营平台，三年培育五十个应用场景",
    expected_results="五十个数据产品，服务普惠金融与城市治理",
    qualifications={
        "no_security_incident_3_years": True,
        "clean_credit_record": True,
        "no_major_penalty_or_criminal_record": True,
        "domestic_capital": True,
        "security_capability": True,
        "operation_capability": True,
        "no_subcontracting": True,
    },
    contact_address="山东省淄博市张店区人民西路1号",
    shareholders=(
        Shareholder(
            "淄博市城市资产运营集团有限公司",
            HolderKind.COMPANY,
            "CN",
            (Shareholder("淄博市人民政府国有资产监督管理委员会", HolderKind.STATE_ASSETS, "CN"),),
        ),
    ),
    actual_controller="淄博市人民政府国有资产监督管理委员会",
    audit_report=Attachment("2025年度审计报告", "山东齐鲁会计师事务所", 2025, "a1" * 32),
    financial_statements=Attachment(
        "2025年度财务会计报告", "山东齐鲁会计师事务所", 2025, "b2" * 32
    ),
    data_security_commitment=Attachment(
        "数据安全承诺书", "淄博市数据运营有限公司", 2026, "c3" * 32
    ),
    security_risk_self_assessment=Attachment(
        "安全风险自评报告", "淄博市数据运营有限公司", 2026, "d4" * 32
    ),
)
PLAN_DEPARTMENTS = ("市委网信办", "市公安局", "市国家安全局", "市保密局")
"""SEC-2: the departments concerned the bureau draws the emergency plan up with (000 §7:
网信、保密、公安、国家安全等部门)."""
WAIT_SECONDS = 60.0
ADMISSION = AdmissionRequest(
    data_management_capability="已通过DCMM二级认证，设有数据管理部门和专职人员",
    security_capability="通过等保三级测评，建立数据安全管理制度与应急预案",
    no_security_incident_3_years=True,
    good_standing=True,
)


async def _organizations(ctx: ServiceContext) -> int:
    bureau = principal_for(BUREAU)
    count = 0
    org: DemoOrg
    for org in (BUREAU, OPERATOR, *PROVIDERS, *DEVELOPERS):
        if await find_organization(ctx, org.org_id) is not None:
            continue
        registration = RegisterOrganization(
            name=org.name,
            role=org.role.value,
            region=org.region,
            credit_code=org.credit_code,
            org_id=org.org_id,
        )
        await register_organization(ctx, bureau, registration)
        count += 1
    return count


async def _implementation_plan(ctx: ServiceContext, clock: FixedClock) -> None:
    """AUTH-12: Zibo's implementation plan — whole authorization by public tender (000 §3)
    — approved and filed, unless an approved one is on record."""
    bureau = principal_for(BUREAU)
    found = await implementation_plans.find(ctx, BUREAU.region)
    if found is not None and found.approved is not None:
        return
    past = dataclasses.replace(ctx, clock=clock)
    await implementation_plans.draft(
        past,
        bureau,
        BUREAU.region,
        modes=("whole",),
        resources=(),
        revenue_sharing="政府、运营机构、数据商按贡献分配，动态调整；政府收益为非税收入",
        summary="市大数据局为实施机构，整体授权，以公开招标方式选择运营机构",
    )
    day = (clock.now() + timedelta(hours=8)).date()
    await implementation_plans.approve(
        past, bureau, BUREAU.region, meeting="市政府常务会议", decided_on=day
    )
    await implementation_plans.record_filing(
        past, bureau, BUREAU.region, filed_on=day, reference="鲁数据备〔2026〕1号"
    )


async def _emergency_plan(
    identity: ServiceContext, evaluation: ServiceContext, auth_id: str
) -> None:
    """SEC-2: the bureau draws up the plan in evaluation once evaluation knows of the
    tender; identity learns of it from ``emergency_plan.adopted`` (choreography)."""
    bureau = principal_for(BUREAU)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            await security_commands.draw_up_plan(
                evaluation,
                bureau,
                auth_id,
                title="淄博市公共数据授权运营数据安全事件应急预案",
                content="分级响应、处置流程、信息报告时限、数据恢复与事后评估",
                departments=PLAN_DEPARTMENTS,
            )
            break
        except DomainError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)  # tender.published has not reached evaluation yet
    while await plan_version(identity, auth_id) < 1:
        if time.monotonic() > deadline:
            raise TimeoutError("identity never learnt of the emergency plan (SEC-2)")
        await asyncio.sleep(0.1)


async def _agreement(ctx: ServiceContext, evaluation: ServiceContext | None) -> bool:
    """AUTH-2..4, AUTH-11, AUTH-12, SEC-2 on a clock 30 days back; ``False`` when an
    agreement is there already."""
    held = await ctx.store.find(
        AUTHORIZATIONS,
        {"operator_org_id": OPERATOR.org_id, "state": AuthState.ACTIVE.value},
        limit=1,
    )
    if held:
        return False
    now = ctx.clock.now()
    clock = FixedClock(now - timedelta(days=30))
    await _implementation_plan(ctx, FixedClock(now - timedelta(days=60)))
    past = dataclasses.replace(ctx, clock=clock)
    bureau, operator = principal_for(BUREAU), principal_for(OPERATOR)
    auth = await authorizations.publish_tender(
        past,
        bureau,
        title="淄博市公共数据授权运营机构遴选",
        selection_mode=SelectionMode.PUBLIC_TENDER,
        scope=Scope(mode=AuthorizationMode.WHOLE),
        invited_org_ids=(),
    )
    auth_id = auth.authorization_id
    auth = await authorizations.execute(
        past, operator, auth_id, cmd.SubmitApplication(new_id("app"), OPERATOR_APPLICATION)
    )
    await authorizations.execute(past, bureau, auth_id, cmd.CloseApplications())
    application_id = auth.applications[0].application_id
    await authorizations.execute(
        past, bureau, auth_id, cmd.ScoreApplication(application_id, 92.0, "综合评分第一")
    )
    await authorizations.execute(past, bureau, auth_id, cmd.PublicizeResult())
    clock.advance(timedelta(days=9))
    await authorizations.sweep(past)
    starts_on = (clock.now() + timedelta(hours=8)).date() + timedelta(days=1)
    ends_on = add_years(starts_on, 3) - timedelta(days=1)
    await authorizations.execute(
        past, bureau, auth_id, cmd.DraftAgreement(new_id("agr"), starts_on, ends_on, SECTIONS)
    )
    day = (clock.now() + timedelta(hours=8)).date()
    decision = cmd.RecordCollectiveDecision("市大数据局党组会议（三重一大）", day, approved=True)
    await authorizations.execute(past, bureau, auth_id, decision)
    opinion = cmd.RecordFinanceOpinion("淄博市财政局", "收益分配条款符合规定，无异议", day)
    await authorizations.execute(past, bureau, auth_id, opinion)
    if evaluation is not None:
        await _emergency_plan(ctx, evaluation, auth_id)
    await authorizations.execute(past, bureau, auth_id, cmd.SignAgreement())
    return True


async def _admissions(ctx: ServiceContext) -> int:
    operator = principal_for(OPERATOR)
    count = 0
    for developer in DEVELOPERS:
        found = await ctx.store.find(
            ADMISSIONS,
            {"developer_org_id": developer.org_id, "operator_org_id": OPERATOR.org_id},
        )
        if any(doc["state"] == AdmissionState.ADMITTED.value for doc in found):
            continue
        applied = await admissions.apply(ctx, principal_for(developer), OPERATOR.org_id, ADMISSION)
        await admissions.review(ctx, operator, applied.admission_id, approve=True, reason="")
        await admissions.sign_agreement(
            ctx, operator, applied.admission_id, terms="开发利用协议：场景、数据安全与退出"
        )
        await admissions.file_cooperation(
            ctx,
            operator,
            applied.admission_id,
            reference=f"淄数运合〔2026〕{count + 1}号",
            summary="合作协议：应用场景、数据安全、收益分配，报市大数据局备案 (DEV-3)",
        )
        count += 1
    return count


async def load(
    identity: ServiceContext, evaluation: ServiceContext | None = None
) -> dict[str, int]:
    """Organizations, the operator's agreement and developer admissions; what was added.
    The agreement needs evaluation running beside identity (its emergency plan, SEC-2);
    without it the signature is refused naming SEC-2 and the load fails."""
    return {
        "organizations": await _organizations(identity),
        "agreements": int(await _agreement(identity, evaluation)),
        "admissions": await _admissions(identity),
    }
