"""Grants (REQ-5), appeals (REQ-6), risks (REQ-7) and scenarios (REQ-8), pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import Conflict, DomainError, Forbidden, IllegalTransition
from services.request_review.domain import appeal, grant, risk, scenario
from services.request_review.domain.calendar import end_of_day
from services.request_review.domain.settings import define
from tests.unit.services.request_review.factories import (
    NOW,
    application_factory,
    scenario_factory,
    terms_factory,
)


@given(
    wished=st.one_of(st.none(), st.dates(date(2026, 3, 2), date(2035, 1, 1))),
    ends=st.dates(date(2026, 3, 2), date(2035, 1, 1)),
    days=st.integers(1, 3650),
)
def test_REQ_5_validity_never_passes_the_agreement_end(
    wished: date | None, ends: date, days: int
) -> None:
    start, until = grant.validity(
        now=NOW, wished_until=wished, agreement_ends_on=ends, default_days=days
    )
    assert start == NOW < until <= end_of_day(ends)
    if wished is not None:
        assert until <= end_of_day(wished)


def test_REQ_5_a_grant_states_its_scope_and_ends_for_good_when_revoked() -> None:
    app = replace(application_factory(), status="approved")
    issued, event = grant.issue(app, now=NOW, agreement_ends_on=date(2026, 6, 30), default_days=365)
    assert issued.valid_until == datetime(2026, 6, 30, 16, tzinfo=UTC)
    assert event.scenario_class == "commercial" and event.operator_org_id == "org-op"
    assert [r.items for r in event.resources] == [["a", "b"], ["a"]]
    assert issued.grant_id == grant.grant_id_for("app-1") and issued.in_force(NOW)
    with pytest.raises(DomainError):
        grant.revoke(issued, reason=" ", now=NOW)
    revoked, gone = grant.revoke(issued, reason="违规", now=NOW)
    assert revoked.status == "revoked" and not revoked.in_force(NOW) and gone.reason == "违规"
    with pytest.raises(IllegalTransition):
        grant.revoke(revoked, reason="again", now=NOW)
    assert not issued.in_force(issued.valid_until)


def test_REQ_4_no_grant_once_the_agreement_or_the_developer_is_gone() -> None:
    with pytest.raises(Conflict) as refused:
        grant.check_still_grantable(
            agreement_active=False,
            agreement_standing="suspended",
            developer_in_good_standing=True,
            developer_org_id="d",
        )
    assert refused.value.rule == "REQ-4"
    with pytest.raises(Conflict):
        grant.check_still_grantable(
            agreement_active=True,
            agreement_standing="active",
            developer_in_good_standing=False,
            developer_org_id="d",
        )


def test_REQ_5_who_sees_a_grant() -> None:
    g, _ = grant.issue(
        application_factory(), now=NOW, agreement_ends_on=date(2027, 1, 1), default_days=30
    )
    assert grant.visible_to(g, role="developer", org_id="org-dev")
    assert not grant.visible_to(g, role="developer", org_id="org-x")
    assert grant.visible_to(g, role="operator", org_id="org-op")
    assert grant.visible_to(g, role="provider", org_id="org-market")
    assert not grant.visible_to(g, role="provider", org_id="org-health")
    assert grant.visible_to(g, role="supervisor", org_id="x")
    assert not grant.visible_to(g, role="public", org_id="x")


def test_REQ_6_only_the_applicant_appeals_only_a_rejected_application() -> None:
    app = application_factory()
    with pytest.raises(DomainError):
        appeal.check_application_appeal(app, appellant_org_id="org-dev")
    rejected = replace(app, status="rejected")
    with pytest.raises(Forbidden):
        appeal.check_application_appeal(rejected, appellant_org_id="org-other")
    appeal.check_application_appeal(rejected, appellant_org_id="org-dev")
    with pytest.raises(Forbidden):
        appeal.check_own_appeal("export", "org-dev", appellant_org_id="org-other")
    appeal.check_own_appeal("export", "org-dev", appellant_org_id="org-dev")


def test_REQ_6_one_appeal_per_subject_and_a_reasoned_decision() -> None:
    filed, event = appeal.file_appeal(
        subject_kind="export",
        subject_id="e1",
        appellant_org_id="d",
        appellant_user_id="u",
        grounds="g",
        now=NOW,
    )
    assert (
        filed.appeal_id
        == appeal.appeal_id_for("export", "e1")
        != appeal.appeal_id_for("export", "e2")
    )
    assert event.subject_kind == "export"
    with pytest.raises(DomainError):
        appeal.file_appeal(
            subject_kind="x",
            subject_id="e",
            appellant_org_id="d",
            appellant_user_id="u",
            grounds="g",
            now=NOW,
        )
    with pytest.raises(DomainError):
        appeal.decide(filed, decision="upheld", reasoning=" ", by_org_id="b", now=NOW)
    upheld, decided = appeal.decide(
        filed, decision="upheld", reasoning="成立", by_org_id="b", now=NOW
    )
    assert upheld.status == "upheld" and (decided.subject_kind, decided.subject_id) == (
        "export",
        "e1",
    )
    with pytest.raises(IllegalTransition):
        appeal.decide(upheld, decision="dismissed", reasoning="r", by_org_id="b", now=NOW)
    assert appeal.visible_to(filed, role="developer", org_id="d")
    assert not appeal.visible_to(filed, role="developer", org_id="x")


def test_REQ_7_a_risk_has_a_severity_and_a_description() -> None:
    found, event = risk.report(
        risk_id="r1",
        application_id="a",
        reporter_org_id="p",
        reporter_user_id="u",
        severity="high",
        description="d",
        now=NOW,
    )
    assert event.severity == "high" and found.reporter_org_id == "p"
    with pytest.raises(DomainError):
        risk.report(
            risk_id="r",
            application_id="a",
            reporter_org_id="p",
            reporter_user_id="u",
            severity="dire",
            description="d",
            now=NOW,
        )
    with pytest.raises(DomainError):
        risk.report(
            risk_id="r",
            application_id="a",
            reporter_org_id="p",
            reporter_user_id="u",
            severity="low",
            description=" ",
            now=NOW,
        )


def test_REQ_1_a_scenario_needs_an_active_agreement_and_a_class() -> None:
    with pytest.raises(DomainError) as refused:
        scenario.file_scenario(
            terms_factory(),
            scenario_id="s",
            operator_org_id="op",
            operator_has_active_agreement=False,
            now=NOW,
            interval_days=365,
        )
    assert refused.value.rule == "REQ-1"
    with pytest.raises(DomainError):
        scenario.check_terms(terms_factory(scenario_class="charity"))
    with pytest.raises(DomainError):
        scenario.check_terms(terms_factory(purpose=" "))
    filed, event = scenario.file_scenario(
        terms_factory(),
        scenario_id="s",
        operator_org_id="op",
        operator_has_active_agreement=True,
        now=NOW,
        interval_days=30,
    )
    assert filed.next_review_on == event.next_review_on == date(2026, 4, 1)


def test_REQ_8_changes_come_from_the_filing_operator_and_change_something() -> None:
    s = scenario_factory()
    with pytest.raises(Forbidden):
        scenario.change_scenario(s, terms_factory(purpose="新"), actor_org_id="other")
    with pytest.raises(DomainError):
        scenario.change_scenario(s, terms_factory(), actor_org_id="org-op")
    changed, event = scenario.change_scenario(s, terms_factory(purpose="新"), actor_org_id="org-op")
    assert changed.changes == 1 and event.purpose == "新"


def test_REQ_8_reevaluation_continues_or_retires() -> None:
    s = scenario_factory(next_review_on=date(2026, 3, 2))
    assert scenario.is_due(s, date(2026, 3, 2)) and not scenario.is_due(s, date(2026, 3, 1))
    kept, event = scenario.reevaluate(
        s, outcome="continued", note="n", by_org_id="b", now=NOW, interval_days=10
    )
    assert kept.next_review_on == event.next_review_on == date(2026, 3, 12)
    retired, event = scenario.reevaluate(
        kept, outcome="retired", note="n", by_org_id="b", now=NOW, interval_days=10
    )
    assert retired.status == "retired" and event.next_review_on is None
    assert not retired.accepts_applications and not scenario.is_due(retired, date(2030, 1, 1))
    with pytest.raises(IllegalTransition):
        scenario.change_scenario(retired, terms_factory(purpose="x"), actor_org_id="org-op")
    with pytest.raises(DomainError):
        scenario.reevaluate(s, outcome="paused", note="", by_org_id="b", now=NOW, interval_days=1)


def test_REQ_8_settings_are_bounded() -> None:
    assert (
        define(
            reevaluation_interval_days=180, default_grant_validity_days=90
        ).reevaluation_interval_days
        == 180
    )
    with pytest.raises(DomainError):
        define(reevaluation_interval_days=0, default_grant_validity_days=90)


def test_REQ_5_a_day_ends_at_midnight_in_china() -> None:
    assert end_of_day(date(2026, 6, 30)) == datetime(2026, 6, 30, 16, tzinfo=UTC)
    assert end_of_day(date(2026, 6, 30)) - end_of_day(date(2026, 6, 29)) == timedelta(days=1)
