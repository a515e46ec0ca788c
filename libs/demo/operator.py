"""The demo city's parties in identity: its organizations, the operator's authorization
agreement (授权运营协议) and the demo developer's admission (入驻).

Loaded through identity's own commands, so the events the other services need (REQ-4:
an active agreement, an admitted developer) are real. The selection happened in the
past: the loader runs the tender, the evaluation and the publicity period (AUTH-2) on a
clock set 30 days back, and the agreement started 20 days ago. Idempotent: an
organization, an active agreement or an admission already there is left as it is.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from libs.clock import FixedClock
from libs.demo.zibo import BUREAU, DEVELOPERS, OPERATOR, PROVIDERS, DemoOrg, principal_for
from libs.service import ServiceContext
from services.identity.commands import admissions, authorizations
from services.identity.commands.common import new_id
from services.identity.commands.organizations import find_organization, register_organization
from services.identity.domain import authorizing as cmd
from services.identity.domain.admission import AdmissionRequest
from services.identity.domain.admission import State as AdmissionState
from services.identity.domain.agreement import AuthorizationMode, Scope
from services.identity.domain.application import OperatorApplication, OrganizationNature
from services.identity.domain.authorization import SelectionMode
from services.identity.domain.authorization import State as AuthState
from services.identity.domain.dates import add_years
from services.identity.domain.organization import RegisterOrganization
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
        "no_major_violation_3_years": True,
        "security_capability": True,
        "operation_capability": True,
        "no_subcontracting": True,
    },
)
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


async def _agreement(ctx: ServiceContext) -> bool:
    """AUTH-2..4 on a clock 30 days back; ``False`` when an agreement is there already."""
    held = await ctx.store.find(
        AUTHORIZATIONS,
        {"operator_org_id": OPERATOR.org_id, "state": AuthState.ACTIVE.value},
        limit=1,
    )
    if held:
        return False
    now = ctx.clock.now()
    clock = FixedClock(now - timedelta(days=30))
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
        count += 1
    return count


async def load(identity: ServiceContext) -> dict[str, int]:
    """Organizations, the operator's agreement and developer admissions; what was added."""
    return {
        "organizations": await _organizations(identity),
        "agreements": int(await _agreement(identity)),
        "admissions": await _admissions(identity),
    }
