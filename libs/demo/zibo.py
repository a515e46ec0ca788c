"""Demo data of Zibo (淄博市, 370300): data-providing agencies and their resources.

Loaded once through the catalog's own commands (so registration codes, evidence hashes,
audit entries and events are all real); a marker document makes loading idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.envelope import Role
from libs.auth.principal import Principal
from libs.service import ServiceContext
from services.catalog import commands
from services.catalog.domain.resource import ItemDeclaration, RegisterResource
from services.catalog.repository import RESOURCES as RESOURCES_COLLECTION

REGION = "370300"


@dataclass(frozen=True, slots=True)
class DemoOrg:
    org_id: str
    name: str
    role: Role
    credit_code: str


BUREAU = DemoOrg("org-370300-bureau", "淄博市大数据局", Role.BUREAU, "11370300MB2850476U")
OPERATOR = DemoOrg(
    "org-370300-operator", "淄博市数据运营有限公司", Role.OPERATOR, "91370300MA3C7H9K2X"
)
PROVIDERS: tuple[DemoOrg, ...] = (
    DemoOrg("org-370300-tax", "国家税务总局淄博市税务局", Role.PROVIDER, "11370300004228366L"),
    DemoOrg("org-370300-market", "淄博市市场监督管理局", Role.PROVIDER, "11370300MB28504335"),
    DemoOrg("org-370300-hrss", "淄博市人力资源和社会保障局", Role.PROVIDER, "113703000042283249"),
    DemoOrg("org-370300-hpf", "淄博市住房公积金管理中心", Role.PROVIDER, "12370300004228455J"),
    DemoOrg("org-370300-health", "淄博市卫生健康委员会", Role.PROVIDER, "11370300MB2850441Y"),
    DemoOrg("org-370300-transport", "淄博市交通运输局", Role.PROVIDER, "113703000042281832"),
    DemoOrg("org-370300-weather", "淄博市气象局", Role.PROVIDER, "12370300004228287F"),
    DemoOrg("org-370300-tourism", "淄博市文化和旅游局", Role.PROVIDER, "11370300MB2850425B"),
)


def _items(*specs: tuple[str, str, int, str]) -> tuple[ItemDeclaration, ...]:
    return tuple(ItemDeclaration(name=n, type=t, grade=g, description=d) for n, t, g, d in specs)


RESOURCES: tuple[tuple[str, RegisterResource], ...] = (
    (
        "org-370300-tax",
        RegisterResource(
            provider_org_id="org-370300-tax",
            name="企业纳税信息",
            description="全市企业按月申报纳税汇总，用于普惠金融信用评估。",
            category="tax",
            update_frequency="monthly",
            source_system="金税三期核心征管系统",
            items=_items(
                ("credit_code", "string", 2, "统一社会信用代码"),
                ("tax_month", "date", 1, "所属期"),
                ("tax_paid_fen", "integer", 3, "实缴税额(分)"),
                ("tax_grade", "string", 3, "纳税信用等级"),
            ),
        ),
    ),
    (
        "org-370300-market",
        RegisterResource(
            provider_org_id="org-370300-market",
            name="市场主体登记信息",
            description="企业及个体工商户登记、变更、注销信息。",
            category="market_regulation",
            update_frequency="daily",
            source_system="山东省市场主体登记系统",
            items=_items(
                ("credit_code", "string", 1, "统一社会信用代码"),
                ("entity_name", "string", 1, "名称"),
                ("legal_rep_name", "string", 3, "法定代表人姓名"),
                ("legal_rep_id", "string", 4, "法定代表人身份证号"),
                ("registered_capital_fen", "integer", 1, "注册资本(分)"),
                ("established_on", "date", 1, "成立日期"),
            ),
        ),
    ),
    (
        "org-370300-hrss",
        RegisterResource(
            provider_org_id="org-370300-hrss",
            name="企业社会保险参保人数",
            description="按月统计的企业社保参保人数与缴费状态。",
            category="social_security",
            update_frequency="monthly",
            source_system="社会保险经办信息系统",
            items=_items(
                ("credit_code", "string", 2, "统一社会信用代码"),
                ("insured_headcount", "integer", 2, "参保人数"),
                ("arrears_flag", "boolean", 3, "欠缴标志"),
            ),
        ),
    ),
    (
        "org-370300-hpf",
        RegisterResource(
            provider_org_id="org-370300-hpf",
            name="住房公积金缴存信息",
            description="个人住房公积金缴存基数、余额与连续缴存月数。",
            category="housing_provident_fund",
            update_frequency="monthly",
            source_system="住房公积金综合业务系统",
            items=_items(
                ("person_id", "string", 4, "身份证号"),
                ("person_name", "string", 3, "姓名"),
                ("deposit_base_fen", "integer", 3, "缴存基数(分)"),
                ("months_continuous", "integer", 2, "连续缴存月数"),
            ),
        ),
    ),
    (
        "org-370300-health",
        RegisterResource(
            provider_org_id="org-370300-health",
            name="医疗机构服务量统计",
            description="各医疗机构门急诊与住院服务量月度统计。",
            category="healthcare",
            update_frequency="monthly",
            source_system="全民健康信息平台",
            items=_items(
                ("institution_code", "string", 1, "机构代码"),
                ("outpatient_visits", "integer", 1, "门急诊人次"),
                ("inpatient_days", "integer", 1, "住院床日"),
            ),
        ),
    ),
    (
        "org-370300-transport",
        RegisterResource(
            provider_org_id="org-370300-transport",
            name="公交线路客流",
            description="公交线路日客流与准点率。",
            category="transport",
            update_frequency="daily",
            source_system="智慧公交调度系统",
            items=_items(
                ("line_no", "string", 1, "线路号"),
                ("service_date", "date", 1, "日期"),
                ("passengers", "integer", 1, "客流人次"),
                ("on_time_rate", "decimal", 1, "准点率"),
            ),
        ),
    ),
    (
        "org-370300-weather",
        RegisterResource(
            provider_org_id="org-370300-weather",
            name="逐小时气象观测",
            description="全市自动气象站逐小时观测数据。",
            category="meteorology",
            update_frequency="realtime",
            source_system="地面气象观测系统",
            items=_items(
                ("station_id", "string", 1, "站号"),
                ("observed_at", "datetime", 1, "观测时间"),
                ("temperature_c", "decimal", 1, "气温"),
                ("precipitation_mm", "decimal", 1, "降水量"),
            ),
        ),
    ),
    (
        "org-370300-tourism",
        RegisterResource(
            provider_org_id="org-370300-tourism",
            name="景区客流统计",
            description="A级景区日接待游客量。",
            category="culture_tourism",
            update_frequency="daily",
            source_system="文旅大数据平台",
            items=_items(
                ("scenic_code", "string", 1, "景区编码"),
                ("visit_date", "date", 1, "日期"),
                ("visitors", "integer", 1, "游客人次"),
            ),
        ),
    ),
)


def principal_for(org: DemoOrg, user: str = "demo") -> Principal:
    return Principal(
        user_id=f"{org.org_id}:{user}", org_id=org.org_id, role=org.role, region=REGION
    )


def find_org(org_id: str) -> DemoOrg:
    for org in (BUREAU, OPERATOR, *PROVIDERS):
        if org.org_id == org_id:
            return org
    raise KeyError(org_id)


async def load(catalog: ServiceContext) -> int:
    """Register the demo resources not yet there; returns how many were registered now.

    A resource counts as there when its provider already has one of the same name, so a
    start interrupted half-way finishes the job without registering anything twice."""
    count = 0
    for org_id, declaration in RESOURCES:
        existing = await catalog.store.find(
            RESOURCES_COLLECTION, {"provider_org_id": org_id, "name": declaration.name}, limit=1
        )
        if existing:
            continue
        await commands.register_resource(catalog, principal_for(find_org(org_id)), declaration)
        count += 1
    return count
