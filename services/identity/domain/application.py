"""The operator's application (运营机构申请材料, AUTH-9) to a tender, and its qualification
checklist (资格条件). ``check`` refuses an application that lacks a required record or
does not meet a qualification, naming which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from contracts.errors import DomainError
from services.identity.domain import credit_code


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
    "no_security_incident_3_years": "近三年未发生数据安全、网络安全事件 (no data or network "
    "security incident in the last 3 years)",
    "clean_credit_record": "信用记录良好，未被列入失信名单 (clean credit record)",
    "no_major_violation_3_years": "近三年无重大违法违规记录 (no major violation in 3 years)",
    "security_capability": "具备数据安全保障能力 (data security management and technical "
    "measures in place)",
    "operation_capability": "具备数据运营的技术和专业能力 (technical and operating capability)",
    "no_subcontracting": "承诺不转包、不分包运营权 (commits not to transfer or subcontract the "
    "operation right, AUTH-8)",
}
"""The qualification checklist; every item must be declared met."""

PHONE = re.compile(r"^\+?[0-9][0-9 -]{6,19}$")
TEXT_FIELDS: dict[str, str] = {
    "legal_representative": "法定代表人",
    "security_officer": "数据安全负责人",
    "contact_name": "联系人",
    "profile": "单位简介",
    "strengths": "优势",
    "operation_plan_summary": "运营方案摘要",
    "expected_results": "预期成效",
}


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
