"""The demo year (演示年度): Zibo's previous year of authorized operation, through the
public HTTP APIs only.

Each step runs at its own date of the previous year on the platform's demo clock
(``libs.clock.DemoClock``, embedded mode only), month by month, and the clock is handed
over to wall time at the end:

- January: the bureau registers the parties (机构) and their demo accounts, the city's
  implementation plan (实施方案) is approved and filed (AUTH-12), the operator tender is
  published, the operator applies, is scored and publicized (AUTH-2..4, AUTH-9);
- February: after the publicity period, the agreement is drafted, decided collectively
  with the finance department's opinion (AUTH-11), the emergency plan is drawn up in
  evaluation (SEC-2), and the agreement (授权运营协议) is signed; developers are admitted and
  their cooperation agreements filed (DEV-1, DEV-3);
- March: the providers register their resources (CAT-1), propose them for the operation
  catalog, the bureau publishes them and applies the negative list (CAT-2, CAT-3); the
  county's provider registers its own (FED-1); a developer raises an objection (CAT-5);
- April to June: the operator files the scenarios (REQ-1), developers apply scenario by
  scenario (REQ-2), the bureau and every provider review (REQ-3): approved, approved
  narrowed, rejected and appealed (REQ-6), some still under review.

Loaded once per data directory: the embedded loader writes a marker when the year is in;
``pdo demo --url`` looks for the operator organization first. ``YearReport`` counts what
was done, and how many calls went to each service.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from demo import city
from demo.city import BUREAU, DEVELOPERS, OPERATOR, PROVIDERS, DemoOrg, State
from demo.driver import DemoError, Driver, beijing_day

DEMO_PASSWORD = "zibo-demo-2026"  # noqa: S105 -- public on purpose: demo accounts only
"""The demo accounts' password (演示账户), shown on the front door in embedded demo mode."""

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


def _attachment(title: str, year: int, issued_by: str, digest: str) -> dict[str, Any]:
    return {"title": title, "issued_by": issued_by, "year": year, "sha256": digest * 32}


def operator_application(year: int) -> dict[str, Any]:
    """AUTH-9: the operator's application with its documents (kept by their SHA-256)."""
    return {
        "credit_code": OPERATOR.credit_code,
        "legal_representative": "张明",
        "security_officer": "李华",
        "founded_on": "2021-06-01",
        "contact_name": "王芳",
        "contact_phone": "0533-3188000",
        "organization_nature": "wholly_state_owned",
        "profile": "市属国有数据运营企业",
        "strengths": "数据治理、安全运营与场景培育经验",
        "operation_plan_summary": "建设授权运营平台，三年培育五十个应用场景",
        "expected_results": "五十个数据产品，服务普惠金融与城市治理",
        "qualifications": {
            "no_security_incident_3_years": True,
            "clean_credit_record": True,
            "no_major_penalty_or_criminal_record": True,
            "domestic_capital": True,
            "security_capability": True,
            "operation_capability": True,
            "no_subcontracting": True,
        },
        "contact_address": "山东省淄博市张店区人民西路1号",
        "shareholders": [
            {
                "name": "淄博市城市资产运营集团有限公司",
                "kind": "company",
                "country": "CN",
                "shareholders": [
                    {
                        "name": "淄博市人民政府国有资产监督管理委员会",
                        "kind": "state_assets",
                        "country": "CN",
                    }
                ],
            }
        ],
        "actual_controller": "淄博市人民政府国有资产监督管理委员会",
        "audit_report": _attachment(
            f"{year - 1}年度审计报告", year - 1, "山东齐鲁会计师事务所", "a1"
        ),
        "financial_statements": _attachment(
            f"{year - 1}年度财务会计报告", year - 1, "山东齐鲁会计师事务所", "b2"
        ),
        "data_security_commitment": _attachment("数据安全承诺书", year, OPERATOR.name, "c3"),
        "security_risk_self_assessment": _attachment("安全风险自评报告", year, OPERATOR.name, "d4"),
    }


PEOPLE: tuple[tuple[str, DemoOrg], ...] = (
    ("bureau.demo", BUREAU),
    ("provider.demo", PROVIDERS[0]),
    ("operator.demo", OPERATOR),
    ("developer.demo", DEVELOPERS[0]),
)
"""The demo people (演示账号) who sign in to the console, one per role; each password is
hashed on purpose slowly (argon2), so not every agency gets one (``pdo token --org``
signs for any)."""


def accounts() -> list[tuple[str, str, str]]:
    """(username, organization name, role) of every demo account."""
    return [(name, org.name, org.role.value) for name, org in PEOPLE]


@dataclass(frozen=True, slots=True)
class DemoScenario:
    """A scenario the operator files, and what becomes of the developer's application."""

    name: str
    domain: str
    scenario_class: str
    purpose: str
    resources: tuple[tuple[str, str, tuple[str, ...]], ...]
    """(provider org id, resource name, items requested)."""
    outcome: str
    """approved, narrowed, rejected, appealed or under_review."""
    developer: str = DEVELOPERS[0].org_id


TAX, MARKET = "org-370300-tax", "org-370300-market"
HRSS, HPF = "org-370300-hrss", "org-370300-hpf"
PRODUCT_SCENARIO = "全市企业纳税规模统计发布"
"""The scenario whose production sandbox yields the year's dataset products."""
SCENARIOS: tuple[DemoScenario, ...] = (
    DemoScenario(
        PRODUCT_SCENARIO,
        "enterprise_services",
        "commercial",
        "按月、按纳税信用等级统计全市企业纳税规模，向金融机构和研究机构提供统计数据集",
        ((TAX, "企业纳税信息", ("tax_month", "tax_paid_fen", "tax_grade")),),
        "approved",
    ),
    DemoScenario(
        "普惠金融企业信用评估",
        "finance",
        "commercial",
        "以纳税与登记数据评估小微企业信用，支持无抵押贷款",
        (
            (TAX, "企业纳税信息", ("credit_code", "tax_month", "tax_paid_fen", "tax_grade")),
            (MARKET, "市场主体登记信息", ("credit_code", "established_on")),
        ),
        "approved",
    ),
    DemoScenario(
        "小微企业首贷续贷风险画像",
        "finance",
        "commercial",
        "以社保参保人数与公积金缴存刻画企业经营稳定性，服务银行续贷审批",
        (
            (HRSS, "企业社会保险参保人数", ("credit_code", "insured_headcount", "arrears_flag")),
            (MARKET, "市场主体登记信息", ("credit_code", "established_on")),
        ),
        "narrowed",
    ),
    DemoScenario(
        "住房公积金贷款辅助审批",
        "finance",
        "public_interest",
        "核验缴存状态，缩短公积金贷款审批时间",
        ((HPF, "住房公积金缴存信息", ("months_continuous", "deposit_base_fen")),),
        "approved",
    ),
    DemoScenario(
        "企业纳税信用等级核验",
        "enterprise_services",
        "commercial",
        "为供应链金融平台提供企业纳税信用等级核验",
        ((TAX, "企业纳税信息", ("credit_code", "tax_month", "tax_grade")),),
        "approved",
    ),
    DemoScenario(
        "重点产业链企业经营监测",
        "social_governance",
        "public_interest",
        "监测重点产业链企业的用工与纳税变化，支撑惠企政策",
        (
            (HRSS, "企业社会保险参保人数", ("credit_code", "insured_headcount")),
            (TAX, "企业纳税信息", ("credit_code", "tax_paid_fen")),
        ),
        "approved",
    ),
    DemoScenario(
        "商业健康保险快速理赔",
        "healthcare",
        "commercial",
        "以定点医药机构与服务量数据支持商保理赔免材料快赔",
        (
            ("org-370300-medsec", "定点医药机构名录", ("institution_code", "institution_type")),
            ("org-370300-health", "医疗机构服务量统计", ("institution_code", "outpatient_visits")),
        ),
        "under_review",
    ),
    DemoScenario(
        "公交线网优化",
        "transport",
        "public_interest",
        "以公交客流数据优化线网与发车间隔",
        (("org-370300-transport", "公交线路客流", ("line_no", "service_date", "passengers")),),
        "rejected",
    ),
    DemoScenario(
        "个体工商户经营贷款",
        "finance",
        "commercial",
        "以登记与纳税信息支持个体工商户信用贷款",
        (
            (TAX, "企业纳税信息", ("credit_code", "tax_grade")),
            (MARKET, "市场主体登记信息", ("credit_code", "entity_name", "registered_capital_fen")),
        ),
        "appealed",
    ),
    DemoScenario(
        "社区养老服务需求分析",
        "social_governance",
        "public_interest",
        "以养老机构名录分析养老服务机构布局",
        (("org-370300-civil", "养老机构名录", ("institution_code", "beds", "district_code")),),
        "under_review",
    ),
    DemoScenario(
        "企业招聘用工指数",
        "enterprise_services",
        "commercial",
        "按行业发布月度用工指数",
        (
            (HRSS, "企业社会保险参保人数", ("credit_code", "insured_headcount")),
            (MARKET, "市场主体登记信息", ("credit_code", "established_on")),
        ),
        "approved",
    ),
    DemoScenario(
        "公积金缴存企业白名单",
        "enterprise_services",
        "commercial",
        "为招投标平台核验职工公积金连续缴存情况",
        ((HPF, "住房公积金缴存信息", ("months_continuous",)),),
        "approved",
    ),
    DemoScenario(
        "交通出行企业信用监管",
        "transport",
        "public_interest",
        "以纳税信用辅助交通运输企业分级监管",
        ((TAX, "企业纳税信息", ("credit_code", "tax_grade")),),
        "approved",
    ),
)


PUBLICITY_WAIT = timedelta(days=10)
"""Longer than the publicity period of any seed (AUTH-2: 5 to 7 working days)."""


def _beijing(year: int, month: int, day: int, hour: int = 10) -> datetime:
    """A working-day hour in China, as UTC."""
    return datetime(year, month, day, hour, tzinfo=UTC) - timedelta(hours=8)


@dataclass
class YearReport:
    """What the demo put in, and how long it took."""

    year: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)


@dataclass
class Year:
    """The previous year, step by step; ``ids`` holds what later steps refer to."""

    d: Driver
    year: int
    ids: dict[str, str] = field(default_factory=dict)
    report: YearReport | None = None
    trade_months: set[str] = field(default_factory=set)
    pending: list[tuple[DemoScenario, str]] = field(default_factory=list)
    publicized_at: datetime = field(default_factory=lambda: datetime.min.replace(tzinfo=UTC))

    async def run(self, *, through: str = "") -> YearReport:
        """Every step in order, or those up to the step named ``through`` (a method name,
        e.g. ``"agreement"``: a test needing only a signed agreement)."""
        started = time.monotonic()
        self.report = YearReport(self.year)
        steps = (
            ("一月：登记机构与演示账户", _beijing(self.year, 1, 6), self.parties),
            ("一月：演示账号与安全培训记录", _beijing(self.year, 1, 7), self.people),
            ("一月：实施方案、遴选运营机构", _beijing(self.year, 1, 8), self.selection),
            ("二月：签订授权运营协议", _beijing(self.year, 2, 3), self.agreement),
            ("二月：数据商入驻", _beijing(self.year, 2, 10), self.admissions),
            ("三月：数据资源登记与运营目录", _beijing(self.year, 3, 3), self.resources),
            ("三月：数据质量异议", _beijing(self.year, 3, 20), self.objection),
            ("四月至六月：应用场景与申请", _beijing(self.year, 4, 7), self.applications),
            ("七月：沙箱开发、出域审核与产品发布", _beijing(self.year, 7, 14), self.products),
            ("七月：价格上限与明码标价", _beijing(self.year, 7, 28), self.prices),
            ("七月至八月：其余申请的审核与申诉", _beijing(self.year, 7, 30), self.reviews),
            ("八月至十一月：数据交易所挂牌与成交", _beijing(self.year, 8, 25), self.trading),
            ("十二月：月度账单与收益分配", _beijing(self.year, 12, 2), self.invoices),
            ("十二月：安全事件、检查与整改", _beijing(self.year, 12, 8), self.supervision),
            ("次年一月：年度报告与评估", _beijing(self.year + 1, 1, 12), self.annual),
        )
        for n, (what, when, step) in enumerate(steps, start=1):
            await self.d.at(when)
            elapsed = time.monotonic() - started
            self.d.say(
                f"demo [{n}/{len(steps)}] {beijing_day(self.d.clock)} {what} … ({elapsed:.0f} s)"
            )
            await step()
            if step.__name__ == through:
                break
        self.report.seconds = time.monotonic() - started
        self.report.calls = dict(self.d.calls)
        return self.report

    def count(self, what: str, n: int = 1) -> None:
        assert_report = self.report
        if assert_report is not None:
            assert_report.counts[what] = assert_report.counts.get(what, 0) + n

    # --- identity -----------------------------------------------------------------------

    async def parties(self) -> None:
        """The bureau registers every party (its own record too)."""
        for org in (BUREAU, OPERATOR, *PROVIDERS, *DEVELOPERS):
            await self.d.call(
                "POST",
                "/identity/organizations/",
                BUREAU,
                {
                    "name": org.name,
                    "role": org.role.value,
                    "region": org.region,
                    "credit_code": org.credit_code,
                    "org_id": org.org_id,
                },
            )
            self.count("organizations")

    async def people(self) -> None:
        """The demo people with their security training and confidentiality agreement on
        record for the agreement's term (SEC-4), recorded by the bureau."""
        day = date.fromisoformat(beijing_day(self.d.clock))
        for name, org in PEOPLE:
            await self.d.call(
                "POST",
                f"/identity/organizations/{org.org_id}/users",
                BUREAU,
                {"username": name, "password": DEMO_PASSWORD},
            )
            self.count("accounts")
            for kind, reference in (
                ("training", "岗前安全培训（演示）"),
                ("confidentiality", "保密协议（演示）"),
            ):
                await self.d.call(
                    "POST",
                    f"/identity/users/{name}/staff-records",
                    BUREAU,
                    {
                        "kind": kind,
                        "valid_from": day.isoformat(),
                        "valid_until": date(day.year + 3, day.month, 1).isoformat(),
                        "reference": reference,
                    },
                )

    async def selection(self) -> None:
        """AUTH-12 plan; AUTH-2/3/9 tender, application, scores, publicity."""
        plan = f"/identity/implementation-plans/{city.REGION}"
        await self.d.call(
            "PUT",
            plan,
            BUREAU,
            {
                "modes": ["whole"],
                "revenue_sharing": "政府、运营机构、数据商按贡献分配，动态调整；政府收益为非税收入",
                "summary": "市大数据局为实施机构，整体授权，以公开招标方式选择运营机构",
            },
        )
        day = beijing_day(self.d.clock)
        await self.d.call(
            "POST", f"{plan}/approval", BUREAU, {"meeting": "市政府常务会议", "decided_on": day}
        )
        await self.d.call(
            "POST",
            f"{plan}/filing",
            BUREAU,
            {"filed_on": day, "reference": f"鲁数据备〔{self.year}〕1号"},
        )
        tender = await self.d.call(
            "POST",
            "/identity/authorizations",
            BUREAU,
            {"title": "淄博市公共数据授权运营机构遴选", "selection_mode": "public_tender"},
        )
        auth_id = str(tender["authorization_id"])
        self.ids["authorization"] = auth_id
        path = f"/identity/authorizations/{auth_id}"
        await self.d.call("POST", f"{path}/applications", OPERATOR, operator_application(self.year))
        closed = await self.d.call("POST", f"{path}/applications/close", BUREAU)
        for application in closed["applications"]:
            await self.d.call(
                "POST",
                f"{path}/applications/{application['application_id']}/score",
                BUREAU,
                {"score": 92.0, "remarks": "综合评分第一"},
            )
        await self.d.call("POST", f"{path}/result", BUREAU)
        self.publicized_at = self.d.clock.now()

    async def agreement(self) -> None:
        """AUTH-2 publicity closed by the sweep; AUTH-11 decision and opinion; SEC-2 plan;
        the signature; the agreement starts the next day."""
        auth_id = self.ids["authorization"]
        path = f"/identity/authorizations/{auth_id}"
        # AUTH-2: the publicity period (公示期) has run out before the sweep closes it.
        await self.d.at(self.publicized_at + PUBLICITY_WAIT)
        await self.d.call("POST", "/identity/sweeps", BUREAU)
        starts = date.fromisoformat(beijing_day(self.d.clock)) + timedelta(days=1)
        ends = date(starts.year + 3, starts.month, starts.day) - timedelta(days=1)
        await self.d.call(
            "PUT",
            f"{path}/agreement",
            BUREAU,
            {"starts_on": starts.isoformat(), "ends_on": ends.isoformat(), "sections": SECTIONS},
        )
        day = beijing_day(self.d.clock)
        await self.d.call(
            "POST",
            f"{path}/agreement/collective-decision",
            BUREAU,
            {"meeting": "市大数据局党组会议（三重一大）", "decided_on": day, "approved": True},
        )
        await self.d.call(
            "POST",
            f"{path}/agreement/finance-opinion",
            BUREAU,
            {
                "department": "淄博市财政局",
                "opinion": "收益分配条款符合规定，无异议",
                "given_on": day,
            },
        )
        await self.d.until(
            "PUT",
            f"/evaluation/emergency-plans/{auth_id}",
            BUREAU,
            {
                "title": "淄博市公共数据授权运营数据安全事件应急预案",
                "content": "分级响应、处置流程、信息报告时限、数据恢复与事后评估",
                "departments": ["市委网信办", "市公安局", "市国家安全局", "市保密局"],
            },
        )

        async def plan_known() -> bool:
            auth = await self.d.call("GET", path, BUREAU)
            return bool(auth["emergency_plan_version"])

        await self.d.eventually(plan_known, "identity learns of the emergency plan (SEC-2)")
        signed = await self.d.call("POST", f"{path}/agreement/signature", BUREAU)
        if signed["state"] != "active":
            raise DemoError(f"the agreement is {signed['state']}, not active")
        self.count("agreements")

    async def admissions(self) -> None:
        """DEV-1 admission, DEV-3 cooperation agreement filed with the bureau."""
        await self.d.at(self.d.clock.now() + timedelta(days=1))
        for n, developer in enumerate(DEVELOPERS, start=1):
            applied = await self.d.call(
                "POST",
                "/identity/admissions",
                developer,
                {
                    "operator_org_id": OPERATOR.org_id,
                    "data_management_capability": "已通过DCMM二级认证，设有数据管理部门和专职人员",
                    "security_capability": "通过等保三级测评，建立数据安全管理制度与应急预案",
                    "no_security_incident_3_years": True,
                    "good_standing": True,
                },
            )
            path = f"/identity/admissions/{applied['admission_id']}"
            await self.d.call("POST", f"{path}/review", OPERATOR, {"approve": True})
            await self.d.call(
                "POST",
                f"{path}/agreement",
                OPERATOR,
                {"terms": "开发利用协议：场景、数据安全与退出"},
            )
            await self.d.call(
                "POST",
                f"{path}/filing",
                OPERATOR,
                {
                    "reference": f"淄数运合〔{self.year}〕{n}号",
                    "summary": "合作协议：应用场景、数据安全、收益分配，报市大数据局备案",
                },
            )
            self.count("admissions")

    # --- catalog ------------------------------------------------------------------------

    async def resources(self) -> None:
        """CAT-1 registration, CAT-3 operation catalog, CAT-2 negative list; FED-1 the
        county's provider registers in its own region."""
        for demo in city.DEMO:
            provider = city.find_org(demo.org_id)
            registered = await self.d.until(
                "POST", "/catalog/resources/", provider, demo.declaration.body()
            )
            resource_id = str(registered["resource_id"])
            self.ids[f"{demo.org_id}/{demo.declaration.name}"] = resource_id
            self.count("resources")
            for item_name, reason in demo.negative_list:
                body: dict[str, Any] = {"resource_id": resource_id, "reason": reason}
                if item_name is not None:
                    body["item_name"] = item_name
                await self.d.call("POST", "/catalog/negative-list/", BUREAU, body)
                self.count("negative_list_entries")
            if demo.state in (State.PROPOSED, State.PUBLISHED) and not any(
                item is None for item, _ in demo.negative_list
            ):
                await self.d.call("POST", f"/catalog/resources/{resource_id}/proposal", provider)
            if demo.state == State.PUBLISHED and not any(
                item is None for item, _ in demo.negative_list
            ):
                published = await self.d.call(
                    "POST", f"/catalog/resources/{resource_id}/publication", BUREAU
                )
                self.ids[f"code/{demo.org_id}/{demo.declaration.name}"] = str(
                    published["registration_code"]
                )
                self.count("published_resources")

    async def objection(self) -> None:
        """CAT-5: a developer reports a data-quality problem (异议)."""
        org_id, resource_name, description = city.OBJECTION
        resource_id = self.ids.get(f"org-370300-transport/{resource_name}")
        if resource_id is None:
            return
        await self.d.call(
            "POST",
            "/catalog/objections/",
            city.find_org(org_id),
            {"resource_id": resource_id, "description": description, "item_name": "passengers"},
        )
        self.count("objections")

    # --- request-review -----------------------------------------------------------------

    async def applications(self) -> None:
        """REQ-1 one scenario one application, REQ-2 justified items, REQ-3 every
        required reviewer, REQ-6 an appeal against a rejection."""
        for n, scenario in enumerate(SCENARIOS):
            await self.d.at(self.d.clock.now() + timedelta(days=4 + n % 3))
            filed = await self.d.until(
                "POST",
                "/request_review/scenarios",
                OPERATOR,
                {
                    "name": scenario.name,
                    "domain": scenario.domain,
                    "purpose": scenario.purpose,
                    "expected_value": f"{scenario.name}：服务全市企业与群众",
                    "scenario_class": scenario.scenario_class,
                },
            )
            self.count("scenarios")
            developer = city.find_org(scenario.developer)
            resources = [
                {
                    "resource_id": self.ids[f"{org_id}/{name}"],
                    "items": [
                        {"name": item, "justification": f"{scenario.name}所需的最小字段"}
                        for item in items
                    ],
                }
                for org_id, name, items in scenario.resources
            ]
            application = await self.d.until(
                "POST",
                "/request_review/applications",
                developer,
                {
                    "scenario_id": filed["scenario_id"],
                    "purpose": scenario.purpose,
                    "resources": resources,
                    # REQ-5: until the agreement ends (capped there by request_review).
                    "wished_valid_until": date(self.year + 3, 1, 31).isoformat(),
                },
            )
            app_id = str(application["application_id"])
            self.count("applications")
            if scenario.name == PRODUCT_SCENARIO:
                await self._review(scenario, app_id)
            else:
                self.pending.append((scenario, app_id))

    async def reviews(self) -> None:
        """REQ-3 the other applications' reviews, after the product scenario's sandboxes
        did their work (the broker provisions one grant's sandboxes at a time)."""
        for scenario, app_id in self.pending:
            await self.d.at(self.d.clock.now() + timedelta(days=2))
            await self._review(scenario, app_id)

    async def _review(self, scenario: DemoScenario, app_id: str) -> None:
        path = f"/request_review/applications/{app_id}/reviews"
        if scenario.outcome == "under_review":
            self.count("applications_under_review")
            return
        providers = list(dict.fromkeys(org_id for org_id, _, _ in scenario.resources))
        if scenario.outcome in ("rejected", "appealed"):
            await self.d.call(
                "POST",
                path,
                BUREAU,
                {"decision": "reject", "opinion": "申请字段超出场景所需，用途不明确"},
            )
            self.count("applications_rejected")
            if scenario.outcome == "appealed":
                await self.d.call(
                    "POST",
                    "/request_review/appeals/",
                    city.find_org(scenario.developer),
                    {
                        "subject_kind": "application",
                        "subject_id": app_id,
                        "grounds": "所申请字段均为授信模型必需，已逐项说明理由",
                    },
                )
                self.count("appeals")
            return
        reviewed: Any = None
        for org_id in providers:
            body: dict[str, Any] = {"decision": "approve", "opinion": "同意，限沙箱内使用"}
            resource_ids = [
                self.ids[f"{o}/{name}"] for o, name, _ in scenario.resources if o == org_id
            ]
            conditions = []
            for resource_id, (_, _, items) in zip(
                resource_ids,
                [r for r in scenario.resources if r[0] == org_id],
                strict=True,
            ):
                condition: dict[str, Any] = {"resource_id": resource_id}
                if "credit_code" in items:
                    condition["masking"] = {"credit_code": "tokenize"}
                if scenario.outcome == "narrowed" and len(items) > 1:
                    condition["items"] = list(items[:-1])
                conditions.append(condition)
            body["resources"] = conditions
            reviewed = await self.d.call("POST", path, city.find_org(org_id), body)
        reviewed = await self.d.call(
            "POST", path, BUREAU, {"decision": "approve", "opinion": "同意"}
        )
        if reviewed["status"] != "approved":
            raise DemoError(f"{scenario.name}: the application is {reviewed['status']}")
        self.ids[f"grant/{scenario.name}"] = str(reviewed["grant_id"])
        self.count("applications_approved")
        if scenario.outcome == "narrowed":
            self.count("applications_narrowed")

    # --- sandbox-broker and product-release ---------------------------------------------

    async def products(self) -> None:
        """SBX-1 sandboxes of the grant, jobs on the real data in production; EXP-2
        automated checks and EXP-1 the operator's review; the certificate (流通凭证), the
        bureau's filing (备案) and the release onto the public list (PRD-1)."""
        developer = DEVELOPERS[0]
        grant_id = self.ids[f"grant/{PRODUCT_SCENARIO}"]

        async def ready() -> dict[str, str] | None:
            found = await self.d.call("GET", "/sandbox_broker/sandboxes", developer)
            mine = [s for s in found if s["grant_id"] == grant_id]
            failed = [s for s in mine if s["state"] == "failed"]
            if failed:
                raise DemoError(f"sandbox {failed[0]['sandbox_id']}: {failed[0]['failure_reason']}")
            by_env = {s["environment"]: s["sandbox_id"] for s in mine if s["state"] == "ready"}
            return by_env if len(by_env) == 2 else None

        try:
            sandboxes = await self.d.eventually(
                ready, "the grant's sandboxes are ready", within=600
            )
        except DemoError as exc:
            # A host without sandbox isolation (e.g. a data directory other users cannot
            # traverse) still gets the rest of the year, without products: said loudly.
            self.d.say(f"demo: no products this year, the sandboxes failed: {exc}")
            self.count("sandboxes_failed")
            return
        self.count("sandboxes", 2)
        dev, prod = sandboxes["development"], sandboxes["production"]
        tried = await self.d.call(
            "POST", f"/sandbox_broker/sandboxes/{dev}/jobs", developer, {"sql": PRODUCTS[0][2]}
        )
        self.count("jobs")
        if tried["status"] != "succeeded":
            raise DemoError(f"development job: {tried}")
        tax_code = self.ids[f"code/{TAX}/企业纳税信息"]
        tax_resource = self.ids[f"{TAX}/企业纳税信息"]
        for _, output, sql, _ in PRODUCTS:
            ran = await self.d.call(
                "POST", f"/sandbox_broker/sandboxes/{prod}/jobs", developer, {"sql": sql}
            )
            self.count("jobs")
            if ran["status"] != "succeeded":
                raise DemoError(f"production job {output}: {ran}")

        async def release(n: int, name: str, output: str, columns: list[dict[str, str]]) -> None:
            requested = await self.d.until(
                "POST",
                "/product_release/exports/",
                developer,
                {
                    "sandbox_id": prod,
                    "output_name": output,
                    "kind": "table",
                    "columns": columns,
                    "universe": "淄博市纳税企业",
                },
            )
            export_id = str(requested["export_id"])

            async def checked(export_id: str = export_id) -> Any:
                found = await self.d.call("GET", f"/product_release/exports/{export_id}", developer)
                return found if found["state"] != "requested" else None

            state = await self.d.eventually(checked, f"the checks of {output}")
            self.count("exports")
            if state["state"] != "checks_passed":
                self.count("exports_failed")
                return
            await self.d.call(
                "POST",
                f"/product_release/exports/{export_id}/decision",
                OPERATOR,
                {"approve": True, "reason": "统计口径合规，小于10户的单元格未出域，准予出域"},
            )
            self.count("exports_approved")
            drafted = await self.d.call(
                "POST",
                "/product_release/products/",
                developer,
                {"export_id": export_id, "name": name, "kind": "dataset"},
            )
            product_id = str(drafted["product_id"])
            await self.d.call(
                "POST",
                f"/product_release/products/{product_id}/certificate",
                developer,
                {
                    "data_sources": [
                        {
                            "resource_id": tax_resource,
                            "provider_org_id": TAX,
                            "registration_code": tax_code,
                        }
                    ],
                    "attributes": [{"name": "format", "value": "JSON"}],
                    "business_logic": "按统计口径汇总纳税规模；小于10户的单元格不出域",
                    "governance_rules": "仅用于统计分析与授信参考；不得再识别",
                    "cryptographic_agreement": "SHA-256 规范化 JSON；Ed25519 签名",
                    "interaction_flow": [
                        {"from_org_id": TAX, "to_org_id": developer.org_id, "action": "供数"},
                        {
                            "from_org_id": developer.org_id,
                            "to_org_id": OPERATOR.org_id,
                            "action": "出域审核",
                        },
                    ],
                },
            )
            await self.d.call(
                "POST",
                f"/product_release/products/{product_id}/filing",
                BUREAU,
                {"accept": True, "reason": "材料齐全，予以备案"},
            )
            await self.d.call("POST", f"/product_release/products/{product_id}/release", OPERATOR)
            self.ids[f"product/{n}"] = product_id
            self.count("products")

        # The jobs one after the other in the sandbox; the exports' checks, reviews and
        # releases side by side (each waits on events between services).
        await asyncio.gather(
            *(
                release(n, name, output, columns)
                for n, (name, output, _, columns) in enumerate(PRODUCTS)
            )
        )
        # A developer's export the automated checks refuse (EXP-2: cells of fewer than
        # ten firms): requested, checked, never released.
        name, output, sql, columns = TOO_FINE
        ran = await self.d.call(
            "POST", f"/sandbox_broker/sandboxes/{prod}/jobs", developer, {"sql": sql}
        )
        self.count("jobs")
        if ran["status"] == "succeeded":
            await release(len(PRODUCTS), name, output, columns)

    # --- billing ------------------------------------------------------------------------

    async def prices(self) -> None:
        """BIL-4 cultivation period, BIL-2 max allowed revenue and caps with every price
        under its cap, BIL-5 published (明码标价), BIL-7 revenue shares."""
        await self.d.call(
            "PUT", "/billing/settings", BUREAU, {"cultivation_starts_on": PLAN_PUBLISHED}
        )
        await self.d.call(
            "PUT",
            f"/billing/max-revenue/{self.year}",
            BUREAU,
            {"operator_org_id": OPERATOR.org_id, "max_revenue_fen": MAX_REVENUE_FEN},
        )
        await self.d.call(
            "PUT",
            "/billing/revenue-shares",
            BUREAU,
            {**SHARES, "effective_from": date(self.year, 1, 1).isoformat()},
        )
        for n in range(len(PRODUCTS)):
            product_id = self.ids.get(f"product/{n}")
            if product_id is None:
                continue
            await self.d.until(
                "PUT", f"/billing/caps/{product_id}/product", BUREAU, {"cap_fen": cap_of(n)}
            )
            self.count("caps")
            await self.d.until(
                "POST",
                "/billing/prices",
                OPERATOR,
                {"product_id": product_id, "unit": "product", "unit_price_fen": price_of(n)},
            )
            self.count("prices")

    # --- trading ------------------------------------------------------------------------

    async def _exchange_headers(self) -> dict[str, str]:
        issued = await self.d.call(
            "POST",
            "/identity/tokens",
            None,
            {
                "grant_type": "client_credentials",
                "client_id": self.ids["exchange_client"],
                "client_secret": self.ids["exchange_secret"],
                "scope": EXCHANGE_SCOPES,
            },
        )
        return {"Authorization": f"Bearer {issued['access_token']}"}

    async def trading(self) -> None:
        """TRD-1: listed at the published price on a licensed exchange, which orders,
        executes and settles with its own client credentials (TRD-2)."""
        exchange = city.EXCHANGE
        await self.d.call(
            "POST",
            "/identity/organizations/",
            BUREAU,
            {
                "name": exchange.name,
                "role": exchange.role.value,
                "region": exchange.region,
                "credit_code": exchange.credit_code,
                "org_id": exchange.org_id,
            },
        )
        client = await self.d.call(
            "POST",
            f"/identity/organizations/{exchange.org_id}/clients",
            BUREAU,
            {"name": "交易所撮合系统", "scopes": EXCHANGE_SCOPES.split()},
        )
        self.ids["exchange_client"] = str(client["client_id"])
        self.ids["exchange_secret"] = str(client["client_secret"])
        buyers = ("org-370300-hrss", "org-370300-edu", "org-370300-civil")
        for n in range(TRADED):
            product_id = self.ids.get(f"product/{n}")
            if product_id is None:
                continue
            await self.d.at(self.d.clock.now() + timedelta(days=14))
            listing = await self.d.until(
                "POST",
                "/trading_bridge/listings/",
                OPERATOR,
                {
                    "product_id": product_id,
                    "exchange_org_id": exchange.org_id,
                    "unit": "product",
                    "price_fen": price_of(n),
                },
            )
            self.count("listings")
            headers = await self._exchange_headers()
            tag = f"{self.year}-{n + 1:04d}"
            quantity = 1 + n % 3
            order = await self.d.until(
                "POST",
                "/trading_bridge/orders/",
                None,
                {
                    "order_id": f"SDDE-O-{tag}",
                    "listing_id": listing["listing_id"],
                    "buyer_org_id": buyers[n % len(buyers)],
                    "quantity": quantity,
                },
                headers=headers,
            )
            self.count("orders")
            amount = price_of(n) * quantity
            executed = await self.d.call(
                "POST",
                "/trading_bridge/trades/",
                None,
                {
                    "trade_id": f"SDDE-T-{tag}",
                    "order_id": order["order_id"],
                    "quantity": quantity,
                    "amount_fen": amount,
                },
                headers=headers,
            )
            self.count("trades")
            await self.d.call(
                "POST",
                "/trading_bridge/settlements/",
                None,
                {
                    "settlement_id": f"SDDE-S-{tag}",
                    "trade_id": executed["trade_id"],
                    "amount_fen": amount,
                },
                headers=headers,
            )
            self.count("settlements")
            self.trade_months.add(beijing_day(self.d.clock)[:7])

    async def invoices(self) -> None:
        """BIL-3 monthly invoices traced to the trades, BIL-7 distributions."""
        this_month = beijing_day(self.d.clock)[:7]
        for period in sorted(m for m in self.trade_months if m < this_month):
            issued = await self.d.until("POST", "/billing/invoices", OPERATOR, {"period": period})
            self.count("invoices", len(issued))
            await self.d.call("POST", "/billing/distributions", OPERATOR, {"period": period})
            self.count("distributions")

    # --- evaluation -----------------------------------------------------------------------

    async def supervision(self) -> None:
        """SEC-2 an incident reported, SEC-6 the bureau's inspection, EVA-3 a
        rectification order (整改) reported and accepted within its deadline."""
        day = beijing_day(self.d.clock)
        await self.d.call(
            "POST",
            "/evaluation/incidents/",
            OPERATOR,
            {
                "severity": "low",
                "summary": "运营平台一台前置服务器遭端口扫描，已封禁来源地址，未发生数据泄露",
                "occurred_at": f"{day}T09:30:00+08:00",
            },
        )
        self.count("incidents")
        await self.d.call(
            "POST",
            "/evaluation/inspections/",
            BUREAU,
            {
                "subject_org_id": OPERATOR.org_id,
                "inspected_on": day,
                "findings": ["出域审核记录保存不完整", "应急演练记录未按季度归档"],
            },
        )
        self.count("inspections")
        due = date.fromisoformat(day) + timedelta(days=20)
        order = await self.d.call(
            "POST",
            "/evaluation/rectifications/",
            BUREAU,
            {
                "operator_org_id": OPERATOR.org_id,
                "finding": "出域审核记录保存不完整，须补齐并建立归档制度",
                "due_on": due.isoformat(),
            },
        )
        self.count("rectifications")
        path = f"/evaluation/rectifications/{order['order_id']}"
        await self.d.at(self.d.clock.now() + timedelta(days=10))
        await self.d.call(
            "POST",
            f"{path}/report",
            OPERATOR,
            {"report": "已补齐全部出域审核记录，建立按月归档制度"},
        )
        await self.d.call("POST", f"{path}/acceptance", BUREAU)
        self.count("rectifications_accepted")

    async def annual(self) -> None:
        """EVA-1 the operator's annual report of the ended year, EVA-2 the bureau's
        evaluation; DIS-2 the annual disclosure report follows from their events."""
        await self.d.until(
            "POST", "/evaluation/annual-reports/", OPERATOR, {"year": self.year, **STATEMENTS}
        )
        self.count("annual_reports")
        await self.d.until(
            "POST",
            "/evaluation/evaluations/",
            BUREAU,
            {"operator_org_id": OPERATOR.org_id, "year": self.year, "remarks": "年度评估：良好"},
        )
        self.count("evaluations")


EXCHANGE_SCOPES = "orders:write settlements:write"
PLAN_PUBLISHED = "2025-07-01"
"""Zibo's plan is in force from 1 July 2025 (000: 本方案自2025年7月1日起施行)."""
MAX_REVENUE_FEN = 80_000_000
SHARES = {"government_bp": 3_000, "operator_bp": 5_000, "merchants_bp": 2_000}
TRADED = 6
"""How many of the products are sold on the exchange, one a month from August."""
STATEMENTS = {
    "authorized_storage": "授权数据存放于市公共数据授权运营平台，按分类分级存储",
    "development_and_use": "十余个应用场景；纳税规模统计等数据集产品",
    "market_operation": "数据集经山东数据交易所挂牌成交，按明码标价结算",
    "security_and_compliance": "全年无重大数据安全事件；出域前自动检查并人工审核",
}


def cap_of(n: int) -> int:
    """BIL-2: the bureau's cap (上限) of the n-th product, in fen."""
    return 300_000 + 10_000 * n


def price_of(n: int) -> int:
    """The operator's published price, under the cap."""
    return cap_of(n) - 20_000


def _monthly(month: int) -> tuple[str, str, str, list[dict[str, str]]]:
    output = f"output_tax_2024_{month:02d}"
    sql = (
        f"CREATE TABLE {output} AS SELECT tax_grade AS grade, count(*) AS firms, "  # noqa: S608 -- the developer's job text, from constants
        "sum(tax_paid_fen) AS tax_total, max(tax_paid_fen) AS top1, "
        "max(tax_paid_fen, 2)[2] AS top2 FROM tax_payments "
        f"WHERE month(tax_month) = {month} GROUP BY tax_grade HAVING count(*) >= 10"
    )
    return (
        f"淄博市企业纳税规模月度统计（2024年{month}月）",
        output,
        sql,
        [
            {"name": "grade", "role": "dimension", "source": "tax_grade"},
            {"name": "firms", "role": "count"},
            {"name": "tax_total", "role": "sum", "source": "tax_paid_fen"},
            {"name": "top1", "role": "top1", "of": "tax_total"},
            {"name": "top2", "role": "top2", "of": "tax_total"},
        ],
    )


TOO_FINE = (
    "淄博市高额纳税企业分等级统计",
    "output_top_payers",
    "CREATE TABLE output_top_payers AS SELECT tax_grade AS grade, count(*) AS firms, "
    "sum(tax_paid_fen) AS tax_total, max(tax_paid_fen) AS top1, "
    "max(tax_paid_fen, 2)[2] AS top2 FROM tax_payments WHERE tax_paid_fen >= "
    "(SELECT quantile_disc(tax_paid_fen, 0.9999) FROM tax_payments) GROUP BY tax_grade",
    _monthly(1)[3],
)
"""An output whose cells are too small to leave (EXP-2): its export fails the checks."""

PRODUCTS: tuple[tuple[str, str, str, list[dict[str, str]]], ...] = tuple(
    _monthly(m) for m in range(1, 13)
)
"""(product name, output table, production SQL, export columns) of the dataset products."""
