"""The operator's application records and qualification checklist (AUTH-9). Pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from contracts.errors import DomainError
from services.identity.domain.application import (
    QUALIFICATIONS,
    TEXT_FIELDS,
    OrganizationNature,
    check,
)
from tests.unit.services.identity.factories import OPERATOR_CODE, RIVAL_CODE, record_factory

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
