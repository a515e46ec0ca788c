"""Developer admission (DEV-1) and exit or removal (DEV-2). Pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from contracts import events as contract
from contracts.errors import Conflict, DomainError, Forbidden, IllegalTransition
from services.identity.domain import admission
from services.identity.domain.admission import AdmissionRequest, State
from tests.unit.services.identity.factories import BUREAU, DEVELOPER, NOW, OPERATOR, RIVAL

REQUEST = AdmissionRequest(
    data_management_capability="已通过DCMM二级认证，设有数据管理部门",
    security_capability="通过等保三级测评，建立安全管理制度与应急预案",
    no_security_incident_3_years=True,
    good_standing=True,
)


def applied(**overrides: Any) -> admission.Admission:
    facts: dict[str, Any] = {
        "actor": DEVELOPER,
        "developer_registered": True,
        "operator_authorized": True,
        "already_open": False,
        "now": NOW,
    }
    request = overrides.pop("request", REQUEST)
    facts.update(overrides)
    return admission.apply("adm-1", "370300", "org-op", request, **facts)


def admitted() -> admission.Admission:
    approved, _ = admission.review(applied(), approve=True, reason="", actor=OPERATOR, now=NOW)
    done, _ = admission.sign_agreement(
        approved, development_agreement_id="dev-1", terms="开发利用协议", actor=OPERATOR, now=NOW
    )
    return done


def test_DEV_1_application_review_and_agreement_admit_the_developer() -> None:
    first = applied()
    assert first.state is State.APPLIED and first.developer_org_id == "org-dev"
    approved, announced = admission.review(first, approve=True, reason="", actor=OPERATOR, now=NOW)
    assert approved.state is State.APPROVED and announced == []
    done, event = admission.sign_agreement(
        approved, development_agreement_id="dev-1", terms="开发利用协议", actor=OPERATOR, now=NOW
    )
    assert done.state is State.ADMITTED and done.admitted_at == NOW
    assert event == contract.DeveloperAdmitted(
        developer_org_id="org-dev", operator_org_id="org-op", development_agreement_id="dev-1"
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (
            {"request": replace(REQUEST, data_management_capability="有")},
            "data_management_capability",
        ),
        ({"request": replace(REQUEST, security_capability="  ")}, "security_capability"),
        (
            {"request": replace(REQUEST, no_security_incident_3_years=False)},
            "no_security_incident_3_years",
        ),
        ({"request": replace(REQUEST, good_standing=False)}, "good_standing"),
        ({"operator_authorized": False}, "operator_org_id"),
    ],
)
def test_DEV_1_capability_standing_and_an_authorized_operator_are_required(
    overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(DomainError) as refused:
        applied(**overrides)
    assert refused.value.rule == "DEV-1" and refused.value.field == field


def test_DEV_1_only_a_registered_developer_applies_and_only_once_at_a_time() -> None:
    with pytest.raises(Forbidden):
        applied(actor=OPERATOR)
    with pytest.raises(Forbidden):
        applied(developer_registered=False)
    with pytest.raises(Conflict) as twice:
        applied(already_open=True)
    assert twice.value.rule == "DEV-1"


def test_DEV_1_only_the_operator_applied_to_reviews_and_a_rejection_needs_a_reason() -> None:
    first = applied()
    for actor in (RIVAL, BUREAU, DEVELOPER):
        with pytest.raises(Forbidden):
            admission.review(first, approve=True, reason="", actor=actor, now=NOW)
    with pytest.raises(DomainError) as no_reason:
        admission.review(first, approve=False, reason=" ", actor=OPERATOR, now=NOW)
    assert no_reason.value.rule == "DEV-1"
    rejected, announced = admission.review(
        first, approve=False, reason="安全能力不足", actor=OPERATOR, now=NOW
    )
    assert rejected.state is State.REJECTED and rejected.review_reason == "安全能力不足"
    # REQ-6: the refusal is announced so the developer can appeal it to the bureau.
    assert announced == [
        contract.DeveloperAdmissionRejected(
            admission_id=first.admission_id,
            developer_org_id="org-dev",
            operator_org_id="org-op",
            reason="安全能力不足",
        )
    ]
    with pytest.raises(IllegalTransition) as signed:
        admission.sign_agreement(
            rejected, development_agreement_id="d", terms="t", actor=OPERATOR, now=NOW
        )
    assert signed.value.rule == "DEV-1"


def test_DEV_1_no_admission_without_the_signed_development_agreement() -> None:
    with pytest.raises(IllegalTransition):
        admission.sign_agreement(
            applied(), development_agreement_id="d", terms="t", actor=OPERATOR, now=NOW
        )
    approved, _ = admission.review(applied(), approve=True, reason="", actor=OPERATOR, now=NOW)
    with pytest.raises(DomainError, match="terms"):
        admission.sign_agreement(
            approved, development_agreement_id="d", terms=" ", actor=OPERATOR, now=NOW
        )


def test_DEV_2_the_operator_removes_with_a_reason() -> None:
    with pytest.raises(DomainError) as no_reason:
        admission.end(admitted(), reason="", actor=OPERATOR, now=NOW)
    assert no_reason.value.rule == "DEV-2"
    removed, event = admission.end(admitted(), reason="违反协议", actor=OPERATOR, now=NOW)
    assert removed.state is State.REMOVED
    assert event == contract.DeveloperRemoved(
        developer_org_id="org-dev", operator_org_id="org-op", reason="removed: 违反协议"
    )
    with pytest.raises(IllegalTransition) as again:
        admission.end(removed, reason="再次", actor=OPERATOR, now=NOW)
    assert again.value.rule == "DEV-2"


def test_DEV_2_the_developer_exits_of_its_own_accord() -> None:
    exited, event = admission.end(admitted(), reason="", actor=DEVELOPER, now=NOW)
    assert exited.state is State.EXITED
    assert event.reason == "exited: exit at the developer's request"
    with pytest.raises(Forbidden) as stranger:
        admission.end(admitted(), reason="x", actor=RIVAL, now=NOW)
    assert stranger.value.rule == "DEV-2"


def test_DEV_1_the_report_to_the_bureau_lists_admissions_and_exits_of_the_period() -> None:
    day = date(2026, 3, 2)
    done = admitted()
    assert admission.in_period(done, day, day)
    assert not admission.in_period(done, day + timedelta(days=1), day + timedelta(days=30))
    ended, _ = admission.end(done, reason="x", actor=OPERATOR, now=NOW + timedelta(days=40))
    assert admission.in_period(ended, day + timedelta(days=39), day + timedelta(days=41))
    assert not admission.in_period(applied(), day, day)
