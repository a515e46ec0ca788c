"""SEC-4: staff records (training, confidentiality agreement) and the check the services
make at their admission points."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from contracts.envelope import Role
from contracts.errors import DomainError, Forbidden
from libs.auth.confidentiality import require_confidentiality
from libs.auth.principal import Principal
from services.identity.domain.staff import StaffRecord, check_record, confidentiality_until

DAY = date(2026, 6, 1)
PERSON = Principal(user_id="tax.li", org_id="org-370300-tax", role=Role.PROVIDER, region="370300")


def _record(kind: str, start: date, end: date) -> StaffRecord:
    return StaffRecord(
        record_id=f"staff-{kind}-{start}",
        username="tax.li",
        org_id="org-370300-tax",
        kind=kind,
        valid_from=start,
        valid_until=end,
        reference="保密协议〔2026〕7号",
        recorded_by="bureau.wang",
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_SEC_4_the_current_confidentiality_agreement_is_the_latest_one_covering_today() -> None:
    records = [
        _record("confidentiality", date(2025, 1, 1), date(2025, 12, 31)),
        _record("training", date(2026, 1, 1), date(2027, 12, 31)),
        _record("confidentiality", date(2026, 1, 1), date(2026, 12, 31)),
        _record("confidentiality", date(2026, 7, 1), date(2027, 6, 30)),
    ]
    assert confidentiality_until(records, DAY) == date(2026, 12, 31)
    assert confidentiality_until(records, date(2026, 7, 1)) == date(2027, 6, 30)
    assert confidentiality_until(records, date(2027, 7, 1)) is None
    assert confidentiality_until(records[1:2], DAY) is None  # training is not an agreement


def test_SEC_4_a_record_needs_a_known_kind_a_forward_validity_and_a_reference() -> None:
    check_record("confidentiality", DAY, DAY, "保密协议")
    with pytest.raises(DomainError) as kind:
        check_record("oath", DAY, DAY, "x")
    assert (kind.value.field, kind.value.rule) == ("kind", "SEC-4")
    with pytest.raises(DomainError) as backwards:
        check_record("training", DAY, date(2026, 5, 31), "x")
    assert backwards.value.field == "valid_until"
    with pytest.raises(DomainError) as blank:
        check_record("training", DAY, DAY, "  ")
    assert blank.value.field == "reference"


def test_SEC_4_a_person_without_a_current_agreement_is_refused_naming_the_rule() -> None:
    none = dataclasses.replace(PERSON, staff=True)
    with pytest.raises(Forbidden) as refused:
        require_confidentiality(none, DAY, doing="review applications")
    assert refused.value.rule == "SEC-4" and "not recorded" in refused.value.detail
    lapsed = dataclasses.replace(PERSON, staff=True, confidentiality_until=date(2026, 5, 31))
    with pytest.raises(Forbidden) as expired:
        require_confidentiality(lapsed, DAY, doing="run jobs in a sandbox")
    assert "expired" in expired.value.detail
    require_confidentiality(dataclasses.replace(lapsed, confidentiality_until=DAY), DAY, doing="x")
    require_confidentiality(PERSON, DAY, doing="x")  # not a person's sign-in (machine, system)


def test_SEC_4_the_token_claim_reader_gives_the_pure_decision_its_input() -> None:
    """``libs.auth.confidentiality`` only reads the claim; ``contracts.confidentiality``
    decides (the same decision every domain admission calls)."""
    from contracts.confidentiality import Confidentiality, require_current
    from libs.auth.confidentiality import confidentiality_of

    lapsed = dataclasses.replace(PERSON, staff=True, confidentiality_until=date(2026, 5, 31))
    claim = confidentiality_of(lapsed)
    assert claim == Confidentiality(user_id=PERSON.user_id, person=True, until=date(2026, 5, 31))
    with pytest.raises(Forbidden) as expired:
        require_current(claim, DAY, doing="decide exports")
    assert expired.value.rule == "SEC-4" and "expired" in expired.value.detail
    assert confidentiality_of(PERSON).person is False
    require_current(confidentiality_of(PERSON), DAY, doing="x")
