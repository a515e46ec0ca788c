"""The operator's application (运营机构申请材料, AUTH-9) to a tender, and its qualification
checklist (资格条件). ``check`` refuses an application that lacks a required record or
does not meet a qualification, naming which.

Sources: 000 annex 2 (the application form: 统一社会信用代码, 法定代表人, 安全负责人, 成立日期,
营业期限, 单位联系人, 联系电话, 联系地址, 机构性质, 企业简介, 基础条件和优势, 运营方案简介,
预期成效); 000 §3.1 (申报资料包含…最近一年的第三方审计报告和财务会计报告、授权运营方案、
数据安全承诺书、安全风险自评报告); 000 annex 1 items 6–7 (近3年内未发生网络安全、数据安全
事件; 企业法人、高管或者法定代表人、负责人不存在重大行政处罚、严重失信等记录，没有违法犯罪
记录 — no time limit; 主体资格必须内资，股权穿透中各级股东、关联公司及实际控制人均没有外资
成分).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from contracts.errors import DomainError
from contracts.identifiers import credit_code


class OrganizationNature(StrEnum):
    """单位性质 as AUTH-9 lists them."""

    PUBLIC_INSTITUTION = "public_institution"  # 事业单位
    WHOLLY_STATE_OWNED = "wholly_state_owned"  # 国有独资
    STATE_CONTROLLED = "state_controlled"  # 国有控股
    COLLECTIVE = "collective"  # 集体
    PRIVATE = "private"  # 民营
    JOINT_STOCK = "joint_stock"  # 股份制
    OTHER = "other"  # 其他


QUALIFICATIONS: dict[str, str] = {
    "no_security_incident_3_years": "近3年内未发生网络安全、数据安全事件 (no data or network "
    "security incident in the last 3 years)",
    "clean_credit_record": "信用记录良好，未被列入失信名单 (clean credit record)",
    "no_major_penalty_or_criminal_record": "企业法人、高管或者法定代表人、负责人不存在重大行政"
    "处罚、严重失信等记录，没有违法犯罪记录 (no major administrative penalty, serious "
    "dishonesty or criminal record of the company, its executives or legal representative — "
    "at any time: the source sets no period)",
    "domestic_capital": "主体资格必须内资，股权穿透中各级股东、关联公司及实际控制人均没有外资"
    "成分 (domestic capital: no foreign component at any level of the shareholding)",
    "security_capability": "具备数据安全保障能力 (data security management and technical "
    "measures in place)",
    "operation_capability": "具备数据运营的技术和专业能力 (technical and operating capability)",
    "no_subcontracting": "承诺不转包、不分包运营权 (commits not to transfer or subcontract the "
    "operation right, AUTH-8)",
}
"""The qualification checklist; every item must be declared met."""

PHONE = re.compile(r"^\+?[0-9][0-9 -]{6,19}$")
DIGEST = re.compile(r"^[0-9a-f]{64}$")
DOMESTIC = "CN"
"""Registered or of nationality in mainland China: anything else is a foreign component
(Hong Kong, Macao and Taiwan investors count as foreign investment in PRC law)."""
MAX_DEPTH = 12
TEXT_FIELDS: dict[str, str] = {
    "legal_representative": "法定代表人",
    "security_officer": "数据安全负责人",
    "contact_name": "联系人",
    "contact_address": "联系地址",
    "actual_controller": "实际控制人",
    "profile": "单位简介",
    "strengths": "优势",
    "operation_plan_summary": "运营方案摘要",
    "expected_results": "预期成效",
}


class HolderKind(StrEnum):
    """Who holds shares: a company (whose own holders are declared in turn), a natural
    person, or a state-assets body (国有资产监督管理机构 or a government), where the
    penetration ends."""

    COMPANY = "company"
    NATURAL_PERSON = "natural_person"
    STATE_ASSETS = "state_assets"


@dataclass(frozen=True, slots=True)
class Shareholder:
    """One holder in the declared shareholding (股权结构), with its own holders when it
    is a company — the structure the domestic-capital check penetrates (股权穿透)."""

    name: str
    kind: HolderKind
    country: str
    """ISO 3166 alpha-2 of registration or nationality; ``CN`` is domestic."""
    shareholders: tuple[Shareholder, ...] = ()


@dataclass(frozen=True, slots=True)
class Attachment:
    """A document attached to the application: what it is, who issued it, for which
    year, and the SHA-256 of the file as submitted (the platform keeps the digest)."""

    title: str
    issued_by: str
    year: int
    sha256: str


@dataclass(frozen=True, slots=True)
class OperatorApplication:
    """What the applicant declares (AUTH-9). ``business_term_ends_on`` is ``None`` for
    an indefinite business term (长期)."""

    credit_code: str
    legal_representative: str
    security_officer: str
    founded_on: date
    business_term_ends_on: date | None
    contact_name: str
    contact_phone: str
    organization_nature: OrganizationNature
    profile: str
    strengths: str
    operation_plan_summary: str
    expected_results: str
    qualifications: dict[str, bool] = field(default_factory=dict)
    contact_address: str = ""
    shareholders: tuple[Shareholder, ...] = ()
    actual_controller: str = ""
    audit_report: Attachment | None = None
    financial_statements: Attachment | None = None
    data_security_commitment: Attachment | None = None
    security_risk_self_assessment: Attachment | None = None


ATTACHMENTS: dict[str, str] = {
    "audit_report": "最近一年的第三方审计报告 (last year's third-party audit report)",
    "financial_statements": "最近一年的财务会计报告 (last year's financial statements)",
    "data_security_commitment": "数据安全承诺书 (data-security commitment)",
    "security_risk_self_assessment": "安全风险自评报告 (security-risk self-assessment)",
}
LAST_YEAR = frozenset({"audit_report", "financial_statements"})


def foreign_components(holders: tuple[Shareholder, ...], path: str = "") -> list[str]:
    """Every holder at any level that is foreign, or a company whose holders are not
    declared (the penetration cannot stop at a company), as ``a > b > c`` paths."""
    found: list[str] = []
    depth = path.count(" > ")
    for holder in holders:
        where = f"{path} > {holder.name}" if path else holder.name
        if holder.country.strip().upper() != DOMESTIC:
            found.append(f"{where} ({holder.country})")
        if holder.kind is HolderKind.COMPANY:
            if not holder.shareholders:
                found.append(f"{where} (its shareholders are not declared)")
            elif depth + 1 >= MAX_DEPTH:
                found.append(f"{where} (deeper than {MAX_DEPTH} levels)")
            else:
                found.extend(foreign_components(holder.shareholders, where))
    return found


def check_domestic_capital(record: OperatorApplication) -> None:
    """AUTH-9 (000 annex 1 item 7): 主体资格必须内资，股权穿透中各级股东、关联公司及实际
    控制人均没有外资成分 — checked on the declared structure, level by level."""
    if not record.shareholders:
        raise DomainError(
            "declare the shareholding structure down to the ultimate holders (股权穿透)",
            rule="AUTH-9",
            field="shareholders",
        )
    found = foreign_components(record.shareholders)
    if found:
        raise DomainError(
            "the operator must be domestic capital with no foreign component at any level "
            "of the shareholding (主体资格必须内资): " + "; ".join(found),
            rule="AUTH-9",
            field="shareholders",
        )


def check_attachments(record: OperatorApplication, today: date) -> None:
    """AUTH-9 (000 §3.1): the audit report and financial statements of the last year, the
    data-security commitment and the security-risk self-assessment are attached."""
    for name, label in ATTACHMENTS.items():
        attached: Attachment | None = getattr(record, name)
        if attached is None or not attached.title.strip() or not attached.issued_by.strip():
            raise DomainError(f"{label} ({name}) is required", rule="AUTH-9", field=name)
        if not DIGEST.match(attached.sha256):
            raise DomainError(
                f"{name}: give the SHA-256 of the document (64 hex digits)",
                rule="AUTH-9",
                field=f"{name}.sha256",
            )
        if name in LAST_YEAR and attached.year != today.year - 1:
            raise DomainError(
                f"{label} must be of {today.year - 1}, not {attached.year}",
                rule="AUTH-9",
                field=f"{name}.year",
            )


@dataclass(frozen=True, slots=True)
class Application:
    """An application as the tender keeps it, with the bureau's score once evaluated."""

    application_id: str
    org_id: str
    submitted_at: datetime
    record: OperatorApplication
    score: float | None = None
    score_remarks: str = ""


def check(record: OperatorApplication, *, today: date, registered_credit_code: str) -> None:
    """AUTH-9: every record present, the credit code valid and the applicant's own, the
    business term not lapsed, and every qualification met."""
    credit_code.check(record.credit_code)
    if record.credit_code != registered_credit_code:
        raise DomainError(
            "the credit code differs from the one the organization is registered with",
            rule="AUTH-9",
            field="credit_code",
        )
    for name, label in TEXT_FIELDS.items():
        if not str(getattr(record, name)).strip():
            raise DomainError(f"{label} ({name}) is required", rule="AUTH-9", field=name)
    if not PHONE.match(record.contact_phone):
        raise DomainError(
            "the contact phone is not a phone number", rule="AUTH-9", field="contact_phone"
        )
    if record.founded_on > today:
        raise DomainError("the founding date lies in the future", rule="AUTH-9", field="founded_on")
    if record.business_term_ends_on is not None and record.business_term_ends_on < today:
        raise DomainError(
            f"the business term (营业期限) ended on {record.business_term_ends_on}",
            rule="AUTH-9",
            field="business_term_ends_on",
        )
    unknown = sorted(set(record.qualifications) - set(QUALIFICATIONS))
    if unknown:
        raise DomainError(
            f"unknown qualification(s) {', '.join(unknown)}",
            rule="AUTH-9",
            field="qualifications",
        )
    for key, label in QUALIFICATIONS.items():
        if record.qualifications.get(key) is not True:
            raise DomainError(
                f"qualification not met: {label}",
                rule="AUTH-9",
                field=f"qualifications.{key}",
            )
    check_domestic_capital(record)
    check_attachments(record, today)
