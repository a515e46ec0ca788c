"""The demo city of Zibo (淄博市, 370300): the data bureau, the operator, the providing
agencies the policy texts name, and their resources in every domain of the first
authorized scenarios (金融, 医疗健康, 商保理赔, 智慧交通, 农业, 文旅, 人力资源, 教育 …).

Plain data only: ``demo.year`` registers all of it through the public HTTP APIs, so
registration codes, evidence hashes, audit entries and events are all real.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from contracts.envelope import Role


class State(StrEnum):
    """The operation-catalog state (运营目录) a demo resource is taken to."""

    REGISTERED = "registered"
    PROPOSED = "proposed"
    PUBLISHED = "published"


@dataclass(frozen=True, slots=True)
class ItemDeclaration:
    """One data item of a resource: name, type, grade (分级 1-4), description."""

    name: str
    type: str
    grade: int
    description: str = ""


@dataclass(frozen=True, slots=True)
class RegisterResource:
    """A provider's declaration of a resource (CAT-1), as ``POST /catalog/resources/``
    takes it."""

    provider_org_id: str
    name: str
    description: str
    category: str
    update_frequency: str
    source_system: str
    items: tuple[ItemDeclaration, ...]
    provider_region: str = ""

    def body(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "category": self.category,
            "update_frequency": self.update_frequency,
            "source_system": self.source_system,
            "items": [
                {"name": i.name, "type": i.type, "grade": i.grade, "description": i.description}
                for i in self.items
            ],
        }


REGION = "370300"


@dataclass(frozen=True, slots=True)
class DemoOrg:
    org_id: str
    name: str
    role: Role
    credit_code: str
    """统一社会信用代码, valid by GB 32100 (and its organization code by GB 11714)."""
    region: str = REGION


BUREAU = DemoOrg("org-370300-bureau", "淄博市大数据局", Role.BUREAU, "11370300MB2850471A")
OPERATOR = DemoOrg(
    "org-370300-operator", "淄博市数据运营有限公司", Role.OPERATOR, "91370300MA3C7H9K9C"
)
PROVIDERS: tuple[DemoOrg, ...] = (
    DemoOrg("org-370300-tax", "国家税务总局淄博市税务局", Role.PROVIDER, "11370300004228360T"),
    DemoOrg("org-370300-market", "淄博市市场监督管理局", Role.PROVIDER, "11370300MB2850439Y"),
    DemoOrg("org-370300-hrss", "淄博市人力资源和社会保障局", Role.PROVIDER, "11370300004228328F"),
    DemoOrg("org-370300-hpf", "淄博市住房公积金管理中心", Role.PROVIDER, "123703000042284598"),
    DemoOrg("org-370300-health", "淄博市卫生健康委员会", Role.PROVIDER, "11370300MB2850447R"),
    DemoOrg("org-370300-medsec", "淄博市医疗保障局", Role.PROVIDER, "11370300MB2850615U"),
    DemoOrg("org-370300-transport", "淄博市交通运输局", Role.PROVIDER, "11370300004228184X"),
    DemoOrg("org-370300-police", "淄博市公安局", Role.PROVIDER, "113703000042279075"),
    DemoOrg("org-370300-weather", "淄博市气象局", Role.PROVIDER, "123703000042282804"),
    DemoOrg("org-370300-tourism", "淄博市文化和旅游局", Role.PROVIDER, "11370300MB28504202"),
    DemoOrg("org-370300-nature", "淄博市自然资源局", Role.PROVIDER, "11370300MB2850586G"),
    DemoOrg("org-370300-agri", "淄博市农业农村局", Role.PROVIDER, "113703000042281170"),
    DemoOrg("org-370300-edu", "淄博市教育局", Role.PROVIDER, "113703000042280532"),
    DemoOrg("org-370300-emergency", "淄博市应急管理局", Role.PROVIDER, "11370300MB2850527D"),
    DemoOrg("org-370300-civil", "淄博市民政局", Role.PROVIDER, "11370300004228037C"),
    DemoOrg("org-370300-ecology", "淄博市生态环境局", Role.PROVIDER, "11370300MB2850551X"),
    DemoOrg("org-370300-water", "淄博市水务集团有限责任公司", Role.PROVIDER, "91370300163062724H"),
    DemoOrg(
        "org-370303-market",
        "淄博市张店区市场监督管理局",
        Role.PROVIDER,
        "11370303MB2852119M",
        region="370303",
    ),
)
EXCHANGE = DemoOrg(
    "org-370300-exchange", "山东数据交易有限公司", Role.EXCHANGE, "91370300726230155K"
)
"""The licensed data exchange (数据交易场所) the operator lists its products on."""
DEVELOPERS: tuple[DemoOrg, ...] = (
    DemoOrg(
        "org-370300-dev-qixin", "淄博齐信数据科技有限公司", Role.DEVELOPER, "91370300MA3D2K8L2C"
    ),
)


def _items(*specs: tuple[str, str, int, str]) -> tuple[ItemDeclaration, ...]:
    return tuple(ItemDeclaration(name=n, type=t, grade=g, description=d) for n, t, g, d in specs)


@dataclass(frozen=True, slots=True)
class DemoResource:
    """One resource of the demo city, the state it is taken to, and its negative list."""

    declaration: RegisterResource
    state: State = State.PUBLISHED
    negative_list: tuple[tuple[str | None, str], ...] = ()
    """(item name, or None for the whole resource; the bureau's reason)."""

    @property
    def org_id(self) -> str:
        return self.declaration.provider_org_id


def _resource(
    org_id: str,
    name: str,
    description: str,
    category: str,
    update_frequency: str,
    source_system: str,
    items: tuple[ItemDeclaration, ...],
    state: State = State.PUBLISHED,
    negative_list: tuple[tuple[str | None, str], ...] = (),
) -> DemoResource:
    region = find_org(org_id).region
    return DemoResource(
        RegisterResource(
            provider_org_id=org_id,
            name=name,
            description=description,
            category=category,
            update_frequency=update_frequency,
            source_system=source_system,
            items=items,
            provider_region=region,
        ),
        state,
        negative_list,
    )


PERSONAL_ID = "公民身份号码属个人敏感信息，禁止开放"


def find_org(org_id: str) -> DemoOrg:
    for org in (BUREAU, OPERATOR, *PROVIDERS, *DEVELOPERS):
        if org.org_id == org_id:
            return org
    raise KeyError(org_id)


DEMO: tuple[DemoResource, ...] = (
    # 税务 — 金融服务, 数字经济监测
    _resource(
        "org-370300-tax",
        "企业纳税信息",
        "全市企业按月申报纳税汇总，用于普惠金融信用评估。",
        "tax",
        "monthly",
        "金税三期核心征管系统",
        _items(
            ("credit_code", "string", 2, "统一社会信用代码"),
            ("tax_month", "date", 1, "所属期"),
            ("tax_paid_fen", "integer", 3, "实缴税额(分)"),
            ("tax_grade", "string", 3, "纳税信用等级"),
        ),
    ),
    _resource(
        "org-370300-tax",
        "纳税信用评价结果",
        "企业年度纳税信用评价等级(A/B/M/C/D)。",
        "credit",
        "yearly",
        "纳税信用管理系统",
        _items(
            ("credit_code", "string", 1, "统一社会信用代码"),
            ("evaluation_year", "integer", 1, "评价年度"),
            ("credit_level", "string", 2, "纳税信用等级"),
        ),
    ),
    _resource(
        "org-370300-tax",
        "增值税发票开具汇总",
        "企业按月开具增值税发票的份数与金额汇总。",
        "tax",
        "monthly",
        "增值税发票管理系统",
        _items(
            ("credit_code", "string", 2, "统一社会信用代码"),
            ("invoice_month", "date", 1, "开票月份"),
            ("invoice_count", "integer", 3, "开票份数"),
            ("invoice_amount_fen", "integer", 3, "开票金额(分)"),
        ),
        state=State.REGISTERED,
    ),
    # 市场监管 — 企业登记, 信用
    _resource(
        "org-370300-market",
        "市场主体登记信息",
        "企业及个体工商户登记、变更、注销信息。",
        "market_regulation",
        "daily",
        "山东省市场主体登记系统",
        _items(
            ("credit_code", "string", 1, "统一社会信用代码"),
            ("entity_name", "string", 1, "名称"),
            ("legal_rep_name", "string", 3, "法定代表人姓名"),
            ("legal_rep_id", "string", 4, "法定代表人身份证号"),
            ("registered_capital_fen", "integer", 1, "注册资本(分)"),
            ("established_on", "date", 1, "成立日期"),
        ),
        negative_list=(("legal_rep_id", PERSONAL_ID),),
    ),
    _resource(
        "org-370300-market",
        "经营异常名录",
        "列入和移出经营异常名录的企业及原因。",
        "credit",
        "daily",
        "国家企业信用信息公示系统(山东)",
        _items(
            ("credit_code", "string", 1, "统一社会信用代码"),
            ("listed_on", "date", 1, "列入日期"),
            ("listing_reason", "string", 1, "列入原因"),
            ("removed_on", "date", 1, "移出日期"),
        ),
    ),
    _resource(
        "org-370300-market",
        "市场监管行政处罚信息",
        "市场监管领域行政处罚决定书摘要。",
        "market_regulation",
        "weekly",
        "市场监管综合执法系统",
        _items(
            ("decision_no", "string", 1, "处罚决定书文号"),
            ("credit_code", "string", 1, "统一社会信用代码"),
            ("violation", "string", 2, "违法行为类型"),
            ("penalty_amount_fen", "integer", 2, "罚没款金额(分)"),
            ("decided_on", "date", 1, "处罚决定日期"),
        ),
        state=State.PROPOSED,
    ),
    _resource(
        "org-370300-market",
        "食品经营许可信息",
        "食品生产、经营许可证的核发与有效期。",
        "market_regulation",
        "daily",
        "食品生产经营许可系统",
        _items(
            ("license_no", "string", 1, "许可证编号"),
            ("credit_code", "string", 1, "统一社会信用代码"),
            ("business_scope", "string", 1, "经营项目"),
            ("valid_until", "date", 1, "有效期至"),
        ),
    ),
    # 人社 — 人力资源, 社会保障
    _resource(
        "org-370300-hrss",
        "企业社会保险参保人数",
        "按月统计的企业社保参保人数与缴费状态。",
        "social_security",
        "monthly",
        "社会保险经办信息系统",
        _items(
            ("credit_code", "string", 2, "统一社会信用代码"),
            ("insured_headcount", "integer", 2, "参保人数"),
            ("arrears_flag", "boolean", 3, "欠缴标志"),
        ),
    ),
    _resource(
        "org-370300-hrss",
        "个人社会保险缴费记录",
        "个人按月缴纳养老、医疗、失业保险的记录。",
        "social_security",
        "monthly",
        "社会保险经办信息系统",
        _items(
            ("person_id", "string", 4, "公民身份号码"),
            ("person_name", "string", 3, "姓名"),
            ("pay_month", "date", 1, "缴费月份"),
            ("contribution_base_fen", "integer", 3, "缴费基数(分)"),
            ("employer_credit_code", "string", 2, "参保单位统一社会信用代码"),
        ),
        state=State.REGISTERED,
        negative_list=(("person_id", PERSONAL_ID),),
    ),
    _resource(
        "org-370300-hrss",
        "招聘岗位信息",
        "公共就业服务平台发布的招聘岗位。",
        "employment",
        "daily",
        "公共就业服务信息系统",
        _items(
            ("job_id", "string", 1, "岗位编号"),
            ("employer_name", "string", 1, "用人单位"),
            ("position", "string", 1, "岗位名称"),
            ("salary_range", "string", 1, "薪酬范围"),
            ("posted_on", "date", 1, "发布日期"),
        ),
    ),
    _resource(
        "org-370300-hrss",
        "职业技能等级证书",
        "职业技能等级认定结果与证书信息。",
        "employment",
        "monthly",
        "职业技能鉴定管理系统",
        _items(
            ("certificate_no", "string", 2, "证书编号"),
            ("holder_name", "string", 3, "持证人姓名"),
            ("occupation", "string", 1, "职业(工种)"),
            ("skill_level", "string", 1, "技能等级"),
            ("issued_on", "date", 1, "发证日期"),
        ),
        state=State.REGISTERED,
    ),
    # 住房公积金
    _resource(
        "org-370300-hpf",
        "住房公积金缴存信息",
        "个人住房公积金缴存基数、余额与连续缴存月数。",
        "housing_provident_fund",
        "monthly",
        "住房公积金综合业务系统",
        _items(
            ("person_id", "string", 4, "身份证号"),
            ("person_name", "string", 3, "姓名"),
            ("deposit_base_fen", "integer", 3, "缴存基数(分)"),
            ("months_continuous", "integer", 2, "连续缴存月数"),
        ),
        negative_list=(("person_id", PERSONAL_ID),),
    ),
    _resource(
        "org-370300-hpf",
        "单位公积金缴存汇总",
        "按单位按月汇总的缴存人数与缴存额。",
        "housing_provident_fund",
        "monthly",
        "住房公积金综合业务系统",
        _items(
            ("employer_credit_code", "string", 1, "单位统一社会信用代码"),
            ("deposit_month", "date", 1, "缴存月份"),
            ("depositor_count", "integer", 2, "缴存人数"),
            ("deposit_total_fen", "integer", 2, "缴存总额(分)"),
        ),
    ),
    _resource(
        "org-370300-hpf",
        "公积金贷款发放统计",
        "分区县按月统计的公积金个人住房贷款笔数与金额。",
        "housing_provident_fund",
        "monthly",
        "住房公积金综合业务系统",
        _items(
            ("loan_month", "date", 1, "发放月份"),
            ("district_code", "string", 1, "区县代码"),
            ("loan_count", "integer", 1, "发放笔数"),
            ("loan_amount_fen", "integer", 1, "发放金额(分)"),
        ),
    ),
    # 卫健 — 医疗健康
    _resource(
        "org-370300-health",
        "医疗机构服务量统计",
        "各医疗机构门急诊与住院服务量月度统计。",
        "healthcare",
        "monthly",
        "全民健康信息平台",
        _items(
            ("institution_code", "string", 1, "机构代码"),
            ("outpatient_visits", "integer", 1, "门急诊人次"),
            ("inpatient_days", "integer", 1, "住院床日"),
        ),
    ),
    _resource(
        "org-370300-health",
        "电子病历摘要",
        "门诊与住院电子病历的诊断摘要，用于疾病预测与药物研发。",
        "healthcare",
        "daily",
        "全民健康信息平台",
        _items(
            ("patient_id", "string", 4, "患者身份证号"),
            ("visit_id", "string", 2, "就诊流水号"),
            ("diagnosis_icd10", "string", 3, "诊断编码(ICD-10)"),
            ("institution_code", "string", 1, "机构代码"),
            ("visit_date", "date", 2, "就诊日期"),
        ),
        state=State.PROPOSED,
        negative_list=(("patient_id", PERSONAL_ID),),
    ),
    _resource(
        "org-370300-health",
        "医疗机构执业登记",
        "医疗机构名称、级别、床位与执业地址。",
        "healthcare",
        "weekly",
        "医疗机构电子化注册系统",
        _items(
            ("institution_code", "string", 1, "机构代码"),
            ("institution_name", "string", 1, "机构名称"),
            ("hospital_level", "string", 1, "医院等级"),
            ("beds", "integer", 1, "核定床位"),
            ("address", "string", 1, "执业地址"),
        ),
    ),
    # 医保 — 商业保险理赔
    _resource(
        "org-370300-medsec",
        "医保结算明细",
        "定点医药机构医保结算费用明细，用于商业保险快速理赔。",
        "medical_insurance",
        "daily",
        "医疗保障信息平台",
        _items(
            ("insured_id", "string", 4, "参保人身份证号"),
            ("settlement_id", "string", 2, "结算流水号"),
            ("institution_code", "string", 1, "定点机构代码"),
            ("total_fee_fen", "integer", 3, "医疗总费用(分)"),
            ("fund_paid_fen", "integer", 3, "统筹基金支付(分)"),
            ("settled_at", "datetime", 2, "结算时间"),
        ),
        state=State.PROPOSED,
    ),
    _resource(
        "org-370300-medsec",
        "定点医药机构名录",
        "医保定点医疗机构和零售药店名录。",
        "medical_insurance",
        "weekly",
        "医疗保障信息平台",
        _items(
            ("institution_code", "string", 1, "定点机构代码"),
            ("institution_name", "string", 1, "机构名称"),
            ("institution_type", "string", 1, "机构类型"),
            ("district_code", "string", 1, "区县代码"),
        ),
    ),
    # 交通 — 智慧交通
    _resource(
        "org-370300-transport",
        "公交线路客流",
        "公交线路日客流与准点率。",
        "transport",
        "daily",
        "智慧公交调度系统",
        _items(
            ("line_no", "string", 1, "线路号"),
            ("service_date", "date", 1, "日期"),
            ("passengers", "integer", 1, "客流人次"),
            ("on_time_rate", "decimal", 1, "准点率"),
        ),
    ),
    _resource(
        "org-370300-transport",
        "道路交通流量监测",
        "国省干线交通量观测站的分时段车流量与平均车速。",
        "transport",
        "realtime",
        "交通运行监测调度中心",
        _items(
            ("station_id", "string", 1, "观测站编号"),
            ("observed_at", "datetime", 1, "观测时间"),
            ("vehicle_count", "integer", 1, "车流量"),
            ("avg_speed_kmh", "decimal", 1, "平均车速"),
        ),
    ),
    _resource(
        "org-370300-transport",
        "公共停车场泊位",
        "公共停车场总泊位与实时空余泊位，用于停车诱导。",
        "transport",
        "realtime",
        "城市智慧停车平台",
        _items(
            ("lot_id", "string", 1, "停车场编号"),
            ("lot_name", "string", 1, "停车场名称"),
            ("total_spaces", "integer", 1, "总泊位"),
            ("free_spaces", "integer", 1, "空余泊位"),
            ("updated_at", "datetime", 1, "更新时间"),
        ),
    ),
    _resource(
        "org-370300-transport",
        "道路运输经营许可",
        "道路货运、客运经营许可与车辆数。",
        "transport",
        "weekly",
        "道路运政管理信息系统",
        _items(
            ("license_no", "string", 1, "经营许可证号"),
            ("credit_code", "string", 1, "统一社会信用代码"),
            ("business_scope", "string", 1, "经营范围"),
            ("vehicle_count", "integer", 2, "营运车辆数"),
        ),
        state=State.REGISTERED,
    ),
    # 公安 — 交通事故; 户籍 on the negative list
    _resource(
        "org-370300-police",
        "道路交通事故统计",
        "分区县按月统计的道路交通事故起数与伤亡。",
        "public_security",
        "monthly",
        "公安交通管理综合应用平台",
        _items(
            ("accident_month", "date", 1, "月份"),
            ("district_code", "string", 1, "区县代码"),
            ("accidents", "integer", 1, "事故起数"),
            ("injuries", "integer", 1, "受伤人数"),
            ("deaths", "integer", 2, "死亡人数"),
        ),
    ),
    _resource(
        "org-370300-police",
        "户籍人口信息",
        "常住户籍人口的身份与住址信息。",
        "public_security",
        "daily",
        "人口信息管理系统",
        _items(
            ("person_id", "string", 4, "公民身份号码"),
            ("person_name", "string", 4, "姓名"),
            ("household_address", "string", 4, "户籍地址"),
            ("household_no", "string", 4, "户号"),
        ),
        state=State.REGISTERED,
        negative_list=((None, "涉及公民个人隐私和公共安全，列入禁止开放类"),),
    ),
    # 气象
    _resource(
        "org-370300-weather",
        "逐小时气象观测",
        "全市自动气象站逐小时观测数据。",
        "meteorology",
        "realtime",
        "地面气象观测系统",
        _items(
            ("station_id", "string", 1, "站号"),
            ("observed_at", "datetime", 1, "观测时间"),
            ("temperature_c", "decimal", 1, "气温"),
            ("precipitation_mm", "decimal", 1, "降水量"),
        ),
    ),
    _resource(
        "org-370300-weather",
        "气象灾害预警信号",
        "暴雨、大风、高温等气象灾害预警信号的发布与解除。",
        "meteorology",
        "realtime",
        "突发事件预警信息发布系统",
        _items(
            ("signal_id", "string", 1, "预警编号"),
            ("hazard_type", "string", 1, "灾种"),
            ("level", "string", 1, "预警级别"),
            ("issued_at", "datetime", 1, "发布时间"),
            ("area", "string", 1, "影响区域"),
        ),
    ),
    # 文旅
    _resource(
        "org-370300-tourism",
        "景区客流统计",
        "A级景区日接待游客量。",
        "culture_tourism",
        "daily",
        "文旅大数据平台",
        _items(
            ("scenic_code", "string", 1, "景区编码"),
            ("visit_date", "date", 1, "日期"),
            ("visitors", "integer", 1, "游客人次"),
        ),
    ),
    _resource(
        "org-370300-tourism",
        "A级旅游景区名录",
        "全市A级旅游景区名称、等级与地址。",
        "culture_tourism",
        "monthly",
        "文旅大数据平台",
        _items(
            ("scenic_code", "string", 1, "景区编码"),
            ("scenic_name", "string", 1, "景区名称"),
            ("scenic_level", "string", 1, "景区等级"),
            ("address", "string", 1, "地址"),
        ),
    ),
    _resource(
        "org-370300-tourism",
        "星级饭店经营情况",
        "星级饭店月度出租率与营业收入。",
        "culture_tourism",
        "monthly",
        "全国星级饭店统计管理系统",
        _items(
            ("hotel_code", "string", 1, "饭店编码"),
            ("report_month", "date", 1, "月份"),
            ("occupancy_rate", "decimal", 2, "客房出租率"),
            ("revenue_fen", "integer", 3, "营业收入(分)"),
        ),
        state=State.REGISTERED,
    ),
    # 自然资源, 农业农村 — 农业现代化
    _resource(
        "org-370300-nature",
        "国有建设用地供应信息",
        "国有建设用地出让、划拨的宗地、面积与用途。",
        "natural_resources",
        "weekly",
        "土地市场动态监测与监管系统",
        _items(
            ("parcel_no", "string", 1, "宗地编号"),
            ("location", "string", 1, "坐落"),
            ("area_m2", "decimal", 1, "面积(平方米)"),
            ("land_use", "string", 1, "用途"),
            ("supplied_on", "date", 1, "供地日期"),
        ),
    ),
    _resource(
        "org-370300-agri",
        "新型农业经营主体名录",
        "家庭农场、农民合作社与农业龙头企业名录。",
        "agriculture",
        "monthly",
        "农业农村大数据平台",
        _items(
            ("entity_id", "string", 1, "主体编号"),
            ("entity_name", "string", 1, "主体名称"),
            ("entity_type", "string", 1, "主体类型"),
            ("main_products", "string", 1, "主营产品"),
            ("district_code", "string", 1, "区县代码"),
        ),
    ),
    _resource(
        "org-370300-agri",
        "耕地土壤检测",
        "测土配方施肥采样点的土壤理化指标。",
        "agriculture",
        "yearly",
        "测土配方施肥数据库",
        _items(
            ("sample_id", "string", 1, "样品编号"),
            ("location", "string", 2, "采样地点坐标"),
            ("ph", "decimal", 1, "pH值"),
            ("organic_matter_gkg", "decimal", 1, "有机质(g/kg)"),
            ("sampled_on", "date", 1, "采样日期"),
        ),
        state=State.REGISTERED,
    ),
    # 教育
    _resource(
        "org-370300-edu",
        "中小学校名录",
        "全市中小学校名称、学段、区县与在校生规模。",
        "education",
        "yearly",
        "教育管理信息系统",
        _items(
            ("school_code", "string", 1, "学校标识码"),
            ("school_name", "string", 1, "学校名称"),
            ("school_type", "string", 1, "学段"),
            ("district_code", "string", 1, "区县代码"),
            ("enrolment", "integer", 1, "在校生数"),
        ),
    ),
    _resource(
        "org-370300-edu",
        "学生学籍信息",
        "中小学生学籍注册、转学与毕业信息。",
        "education",
        "monthly",
        "全国中小学生学籍信息管理系统",
        _items(
            ("student_id", "string", 4, "学籍号"),
            ("student_name", "string", 4, "姓名"),
            ("school_code", "string", 1, "学校标识码"),
            ("grade_year", "string", 1, "年级"),
        ),
        state=State.REGISTERED,
        negative_list=(("student_id", "未成年人个人信息，禁止开放"),),
    ),
    # 应急, 民政, 生态环境, 公用事业
    _resource(
        "org-370300-emergency",
        "安全生产许可信息",
        "危险化学品、非煤矿山等安全生产许可证。",
        "emergency",
        "weekly",
        "应急管理综合应用平台",
        _items(
            ("license_no", "string", 1, "许可证编号"),
            ("credit_code", "string", 1, "统一社会信用代码"),
            ("permit_scope", "string", 1, "许可范围"),
            ("valid_until", "date", 1, "有效期至"),
        ),
    ),
    _resource(
        "org-370300-civil",
        "养老机构名录",
        "养老机构名称、床位数与所在区县。",
        "civil_affairs",
        "monthly",
        "金民工程养老服务信息系统",
        _items(
            ("institution_code", "string", 1, "机构编码"),
            ("institution_name", "string", 1, "机构名称"),
            ("beds", "integer", 1, "床位数"),
            ("district_code", "string", 1, "区县代码"),
        ),
    ),
    _resource(
        "org-370300-ecology",
        "空气质量自动监测",
        "国控、省控空气自动监测站逐小时AQI与PM2.5浓度。",
        "ecology_environment",
        "realtime",
        "环境空气质量监测网",
        _items(
            ("station_id", "string", 1, "监测站编号"),
            ("observed_at", "datetime", 1, "监测时间"),
            ("aqi", "integer", 1, "空气质量指数"),
            ("pm25_ugm3", "decimal", 1, "PM2.5浓度"),
        ),
    ),
    _resource(
        "org-370300-water",
        "企业用水量",
        "非居民用户按月用水量，用于企业经营活跃度监测。",
        "public_utilities",
        "monthly",
        "智慧水务营业收费系统",
        _items(
            ("credit_code", "string", 2, "统一社会信用代码"),
            ("usage_month", "date", 1, "用水月份"),
            ("water_m3", "decimal", 2, "用水量(立方米)"),
        ),
        state=State.PROPOSED,
    ),
    # 张店区 (county, FED-1)
    _resource(
        "org-370303-market",
        "张店区个体工商户名录",
        "张店区个体工商户字号、经营者与经营范围。",
        "market_regulation",
        "weekly",
        "山东省市场主体登记系统",
        _items(
            ("shop_id", "string", 1, "注册号"),
            ("shop_name", "string", 1, "字号名称"),
            ("owner_name", "string", 3, "经营者姓名"),
            ("business_scope", "string", 1, "经营范围"),
        ),
        state=State.REGISTERED,
    ),
)

RESOURCES: tuple[tuple[str, RegisterResource], ...] = tuple((r.org_id, r.declaration) for r in DEMO)
"""(provider org id, declaration) of every demo resource."""

OBJECTION = (
    "org-370300-dev-qixin",
    "公交线路客流",
    "10路公交3月5日客流为0，与运营记录不符，疑似漏采。",
)
