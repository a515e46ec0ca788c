"""The operator's application records and qualification checklist (AUTH-9). Pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from contracts.errors import DomainError
from services.identity.domain.application import (
    QUALIFICATIONS,
    TEXT_FIELDS,
    HolderKind,
    OrganizationNature,
    Shareholder,
    check,
)
from tests.unit.services.identity.factories import (
    OPERATOR_CODE,
    RIVAL_CODE,
    attachment,
    record_factory,
)

TODAY = date(2026, 3, 2)


def test_AUTH_9_a_complete_application_passes() -> None:
    check(record_factory(), today=TODAY, registered_credit_code=OPERATOR_CODE)


def test_AUTH_9_the_organization_natures_of_the_rule() -> None:
    assert {n.value for n in OrganizationNature} == {
        "public_institution",
        "wholly_state_owned",
        "state_controlled",
        "collective",
        "private",
        "joint_stock",
        "other",
    }


@pytest.mark.parametrize("name", sorted(TEXT_FIELDS))
def test_AUTH_9_every_record_is_required(name: str) -> None:
    with pytest.raises(DomainError) as refused:
        check(record_factory(**{name: " "}), today=TODAY, registered_credit_code=OPERATOR_CODE)
    assert refused.value.rule == "AUTH-9" and refused.value.field == name


@pytest.mark.parametrize("item", sorted(QUALIFICATIONS))
def test_AUTH_9_every_qualification_must_be_met(item: str) -> None:
    qualifications = {**record_factory().qualifications, item: False}
    with pytest.raises(DomainError) as refused:
        check(
            record_factory(qualifications=qualifications),
            today=TODAY,
            registered_credit_code=OPERATOR_CODE,
        )
    assert refused.value.rule == "AUTH-9"
    assert refused.value.field == f"qualifications.{item}"


def test_AUTH_9_no_security_incident_in_three_years_is_on_the_checklist() -> None:
    assert "no_security_incident_3_years" in QUALIFICATIONS
    assert "clean_credit_record" in QUALIFICATIONS


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"credit_code": "91350100M000100Y44"}, "credit_code", "GB 32100-2015"),
        ({"credit_code": RIVAL_CODE}, "credit_code", "AUTH-9"),
        ({"contact_phone": "call me"}, "contact_phone", "AUTH-9"),
        ({"founded_on": date(2027, 1, 1)}, "founded_on", "AUTH-9"),
        ({"business_term_ends_on": date(2025, 12, 31)}, "business_term_ends_on", "AUTH-9"),
    ],
)
def test_AUTH_9_records_are_checked(overrides: dict[str, object], field: str, rule: str) -> None:
    record = replace(record_factory(), **overrides)  # type: ignore[arg-type]
    with pytest.raises(DomainError) as refused:
        check(record, today=TODAY, registered_credit_code=OPERATOR_CODE)
    assert refused.value.field == field and refused.value.rule == rule


def test_AUTH_9_an_indefinite_business_term_is_fine() -> None:
    check(
        record_factory(business_term_ends_on=None),
        today=TODAY,
        registered_credit_code=OPERATOR_CODE,
    )


def test_AUTH_9_domestic_capital_is_checked_at_every_level_of_the_shareholding() -> None:
    """000 annex 1 item 7: “主体资格必须内资，股权穿透中各级股东、关联公司及实际控制人均没有
    外资成分” — a foreign holder two levels up refuses the application, naming the path."""
    deep_foreign = (
        Shareholder(
            "淄博数智投资有限公司",
            HolderKind.COMPANY,
            "CN",
            (
                Shareholder("张某", HolderKind.NATURAL_PERSON, "CN"),
                Shareholder(
                    "齐鲁科技控股有限公司",
                    HolderKind.COMPANY,
                    "CN",
                    (Shareholder("Pacific Data Ltd", HolderKind.COMPANY, "HK", ()),),
                ),
            ),
        ),
    )
    with pytest.raises(DomainError) as refused:
        check(
            record_factory(shareholders=deep_foreign),
            today=TODAY,
            registered_credit_code=OPERATOR_CODE,
        )
    assert refused.value.rule == "AUTH-9" and refused.value.field == "shareholders"
    assert "淄博数智投资有限公司 > 齐鲁科技控股有限公司 > Pacific Data Ltd (HK)" in (
        refused.value.detail
    )
    undeclared = (Shareholder("某某控股有限公司", HolderKind.COMPANY, "CN"),)
    with pytest.raises(DomainError, match="shareholders are not declared"):
        check(
            record_factory(shareholders=undeclared),
            today=TODAY,
            registered_credit_code=OPERATOR_CODE,
        )
    with pytest.raises(DomainError, match="股权穿透"):
        check(record_factory(shareholders=()), today=TODAY, registered_credit_code=OPERATOR_CODE)
    assert "domestic_capital" in QUALIFICATIONS


@pytest.mark.parametrize(
    "name",
    [
        "audit_report",
        "financial_statements",
        "data_security_commitment",
        "security_risk_self_assessment",
    ],
)
def test_AUTH_9_the_application_carries_its_audit_statements_commitment_and_self_assessment(
    name: str,
) -> None:
    """000 §3.1: “申报资料包含授权运营申请表(见附件2)、最近一年的第三方审计报告和财务会计
    报告、授权运营方案、数据安全承诺书、安全风险自评报告等”."""
    with pytest.raises(DomainError) as missing:
        check(record_factory(**{name: None}), today=TODAY, registered_credit_code=OPERATOR_CODE)
    assert missing.value.rule == "AUTH-9" and missing.value.field == name


def test_AUTH_9_the_audit_report_and_statements_are_of_the_last_year() -> None:
    """000 §3.1: “最近一年的第三方审计报告和财务会计报告” — 2024's will not do in 2026."""
    with pytest.raises(DomainError) as stale:
        check(
            record_factory(audit_report=attachment("2024年度审计报告", 2024)),
            today=TODAY,
            registered_credit_code=OPERATOR_CODE,
        )
    assert stale.value.field == "audit_report.year"


def test_AUTH_9_the_contact_address_of_the_form_is_required() -> None:
    """000 annex 2 (申请表): “联系地址”."""
    with pytest.raises(DomainError) as refused:
        check(record_factory(contact_address=""), today=TODAY, registered_credit_code=OPERATOR_CODE)
    assert refused.value.field == "contact_address"


def test_AUTH_9_penalties_and_criminal_records_have_no_three_year_limit() -> None:
    """000 annex 1 item 7: “企业法人、高管或者法定代表人、负责人不存在重大行政处罚、严重失信
    等记录，没有违法犯罪记录” — no period; only security incidents count 3 years (item 6:
    “近3年内未发生网络安全、数据安全事件”)."""
    assert "no_major_violation_3_years" not in QUALIFICATIONS
    penalty = QUALIFICATIONS["no_major_penalty_or_criminal_record"]
    assert "3" not in penalty.split("(")[0] and "no period" in penalty
    assert "近3年" in QUALIFICATIONS["no_security_incident_3_years"]
