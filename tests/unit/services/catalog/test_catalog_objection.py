"""Data-quality objections (异议, CAT-5): assignment, deadlines in China's calendar, the
provider's correction, the bureau's verification, and the idempotent escalation of
overdue ones. Pure, no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import DomainError, Forbidden, IllegalTransition
from contracts.events import (
    ObjectionCorrected,
    ObjectionEscalated,
    ObjectionResolved,
    ObjectionReturned,
)
from services.catalog.domain import jurisdiction, objection
from services.catalog.domain.jurisdiction import CatalogSettings
from services.catalog.domain.lifecycle import State as ResourceState
from services.catalog.domain.objection import (
    TERMINAL,
    TRANSITIONS,
    Action,
    Objection,
    RaiseObjection,
    State,
)
from tests.unit.services.catalog.factories import PROVIDER, resource_factory

RAISED_AT = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in China


def raise_factory(**overrides: object) -> RaiseObjection:
    base = RaiseObjection(
        resource_id="r-1",
        description="纳税信用等级与税务系统不一致",
        raised_by_org_id="org-dev-1",
        raised_by_user_id="u-dev-1",
        raised_by_role="developer",
        item_name="tax_paid",
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def raised(days: int = 15, at: datetime = RAISED_AT) -> Objection:
    found, _ = objection.raise_objection(
        raise_factory(), resource_factory(), objection_id="o-1", now=at, deadline_days=days
    )
    return found


def test_CAT_5_an_objection_is_assigned_to_the_provider_with_the_jurisdiction_deadline() -> None:
    found, event = objection.raise_objection(
        raise_factory(), resource_factory(), objection_id="o-1", now=RAISED_AT, deadline_days=15
    )
    assert found.provider_org_id == PROVIDER == event.provider_org_id
    assert found.status == State.OPEN
    assert found.due_on == event.due_on == date(2026, 3, 16)
    assert event.raised_by_org_id == "org-dev-1" and event.item_name == "tax_paid"


def test_CAT_5_the_deadline_counts_calendar_days_in_china() -> None:
    late_evening_utc = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # 01:00 on 2 March in China
    assert objection.due_on(late_evening_utc, 15) == date(2026, 3, 17)
    assert objection.due_on(RAISED_AT, 15) == date(2026, 3, 16)


def test_CAT_5_an_objection_says_what_is_wrong_about_a_live_resource_and_a_real_item() -> None:
    cases = [
        (raise_factory(description=" "), resource_factory(), "description"),
        (raise_factory(item_name="nope"), resource_factory(), "item_name"),
        (
            raise_factory(),
            resource_factory(status=ResourceState.CANCELLED.value),
            "resource_id",
        ),
    ]
    for cmd, resource, field in cases:
        with pytest.raises(DomainError) as caught:
            objection.raise_objection(
                cmd, resource, objection_id="o", now=RAISED_AT, deadline_days=15
            )
        assert (caught.value.rule, caught.value.field) == ("CAT-5", field)


def test_CAT_5_only_the_assigned_provider_reports_a_correction_and_says_how() -> None:
    open_one = raised()
    with pytest.raises(Forbidden) as caught:
        objection.report_correction(
            open_one, actor_org_id="org-other", correction="x", now=RAISED_AT
        )
    assert caught.value.rule == "CAT-5"
    with pytest.raises(DomainError) as refused:
        objection.report_correction(open_one, actor_org_id=PROVIDER, correction=" ", now=RAISED_AT)
    assert refused.value.field == "resolution"


def corrected(days: int = 15) -> Objection:
    found, _ = objection.report_correction(
        raised(days), actor_org_id=PROVIDER, correction="已按完税证明更正并重新汇聚", now=RAISED_AT
    )
    return found


def test_CAT_5_the_providers_correction_does_not_close_the_objection() -> None:
    """潍坊 001 第8条：“实施单位应建立数据质量监测和评价、问题数据纠错、异议核实处理的工作规范，
    对公共数据资源进行校核确认，并督促公共数据资源提供单位在规定期限内完成问题数据的整改。”
    The provider reports its correction; the objection waits for the bureau's verification."""
    done, event = objection.report_correction(
        raised(), actor_org_id=PROVIDER, correction="已更正并同步", now=RAISED_AT
    )
    assert done.status == State.CORRECTED != State.RESOLVED
    assert done.status not in TERMINAL and done.resolved_at == ""
    assert isinstance(event, ObjectionCorrected) and event.correction == "已更正并同步"
    with pytest.raises(IllegalTransition) as twice:
        objection.report_correction(done, actor_org_id=PROVIDER, correction="再次", now=RAISED_AT)
    assert twice.value.rule == "CAT-5"
    # No deadline sweep escalates an objection waiting for the bureau.
    assert objection.escalate_if_overdue(done, now=RAISED_AT + timedelta(days=60)) is None


def test_CAT_5_the_bureau_verifies_before_the_objection_closes_and_the_objector_is_told() -> None:
    """潍坊 001 第8条：“实施单位应建立……异议核实处理的工作规范，对公共数据资源进行校核确认”；
    银川 003：“健全常态化公共数据供需对接和异议处理机制……实现问题数据可反馈可追溯可定责”."""
    waiting = corrected()
    with pytest.raises(Forbidden) as neighbour:
        objection.verify(
            waiting,
            actor_org_id="org-370100-bureau",
            actor_region="370100",
            verified=True,
            finding="已核",
            now=RAISED_AT,
        )
    assert neighbour.value.rule == "CAT-5"
    with pytest.raises(DomainError) as silent:
        objection.verify(
            waiting,
            actor_org_id="org-370300-bureau",
            actor_region="370300",
            verified=True,
            finding=" ",
            now=RAISED_AT,
        )
    assert silent.value.field == "finding"
    done, event = objection.verify(
        waiting,
        actor_org_id="org-370300-bureau",
        actor_region="370300",
        verified=True,
        finding="抽查20条记录与完税证明一致",
        now=RAISED_AT + timedelta(days=2),
    )
    assert done.status == State.RESOLVED and done.verified_by_org_id == "org-370300-bureau"
    assert isinstance(event, ObjectionResolved)
    assert (event.raised_by_org_id, event.verified_by_org_id) == ("org-dev-1", "org-370300-bureau")
    assert event.resolution == "已按完税证明更正并重新汇聚"
    assert "已办结" in done.objector_notice and "核实确认" in done.objector_notice
    assert "抽查20条记录与完税证明一致" in done.objector_notice
    with pytest.raises(IllegalTransition):
        objection.verify(
            raised(),
            actor_org_id="org-370300-bureau",
            actor_region="370300",
            verified=True,
            finding="未经更正",
            now=RAISED_AT,
        )


def test_CAT_5_a_correction_the_bureau_does_not_verify_goes_back_to_the_provider() -> None:
    """潍坊 001 第8条：“……并督促公共数据资源提供单位在规定期限内完成问题数据的整改。”
    Returned, the objection is the provider's again and its deadline still runs."""
    returned, event = objection.verify(
        corrected(days=1),
        actor_org_id="org-370300-bureau",
        actor_region="370300",
        verified=False,
        finding="仍有3户纳税额与完税证明不符",
        now=RAISED_AT,
    )
    assert returned.status == State.OPEN and returned.objector_notice == ""
    assert isinstance(event, ObjectionReturned) and event.reason == "仍有3户纳税额与完税证明不符"
    decided = objection.escalate_if_overdue(returned, now=RAISED_AT + timedelta(days=3))
    assert decided is not None and decided[0].status == State.ESCALATED


def test_CAT_5_an_objection_is_escalated_only_after_its_whole_deadline_day() -> None:
    open_one = raised(days=15)
    last_minute = datetime(2026, 3, 16, 15, 59, tzinfo=UTC)  # 23:59 on 16 March in China
    assert objection.escalate_if_overdue(open_one, now=last_minute) is None
    decided = objection.escalate_if_overdue(open_one, now=last_minute + timedelta(minutes=1))
    assert decided is not None
    escalated, event = decided
    assert escalated.status == State.ESCALATED
    assert isinstance(event, ObjectionEscalated) and event.provider_org_id == PROVIDER


@given(st.integers(min_value=0, max_value=60 * 24 * 60))
def test_CAT_5_the_sweep_decision_is_idempotent(minutes: int) -> None:
    now = RAISED_AT + timedelta(minutes=minutes)
    first = objection.escalate_if_overdue(raised(), now=now)
    after = first[0] if first else raised()
    assert objection.escalate_if_overdue(after, now=now) is None
    assert (first is not None) == (objection.local_day(now) > date(2026, 3, 16))


def test_CAT_5_a_late_provider_can_still_correct_an_escalated_objection() -> None:
    decided = objection.escalate_if_overdue(raised(days=1), now=RAISED_AT + timedelta(days=3))
    assert decided is not None
    done, _ = objection.report_correction(
        decided[0], actor_org_id=PROVIDER, correction="已更正", now=RAISED_AT
    )
    assert done.status == State.CORRECTED and done.escalated_at


@given(st.sampled_from([(s, a) for s in State for a in Action]))
def test_CAT_5_every_pair_outside_the_objection_table_raises(pair: tuple[State, Action]) -> None:
    state, action = pair
    if action in TRANSITIONS[state]:
        assert objection.advance(state, action) == TRANSITIONS[state][action]
        return
    with pytest.raises(IllegalTransition):
        objection.advance(state, action)
    assert state in TERMINAL or TRANSITIONS[state]


def test_CAT_5_who_may_read_an_objection() -> None:
    found = raised()
    assert objection.visible_to(found, role="bureau", org_id="b", user_id="x")
    assert objection.visible_to(found, role="provider", org_id=PROVIDER, user_id="x")
    assert not objection.visible_to(found, role="provider", org_id="org-x", user_id="x")
    assert objection.visible_to(found, role="developer", org_id="org-dev-1", user_id="x")
    assert not objection.visible_to(found, role="developer", org_id="org-dev-2", user_id="x")
    assert not objection.visible_to(found, role="public", org_id="org-dev-1", user_id="u-x")


def test_CAT_5_the_deadline_is_a_jurisdiction_setting_inherited_downwards() -> None:
    stored = {"370300": CatalogSettings(region="370300", objection_deadline_days=10)}
    county = jurisdiction.effective("370303", stored)
    assert (county.objection_deadline_days, county.defined_by) == (10, "370300")
    elsewhere = jurisdiction.effective("370102", stored)
    assert elsewhere.objection_deadline_days == jurisdiction.DEFAULT_OBJECTION_DEADLINE_DAYS == 15
    assert elsewhere.defined_by == ""
    stored["370303"] = jurisdiction.define("370303", objection_deadline_days=7)
    assert jurisdiction.effective("370303", stored).objection_deadline_days == 7
    assert jurisdiction.effective("370300", stored).objection_deadline_days == 10


@pytest.mark.parametrize("days", [0, -1, 366])
def test_CAT_5_a_deadline_setting_is_one_day_to_a_year(days: int) -> None:
    with pytest.raises(DomainError) as caught:
        jurisdiction.define("370300", objection_deadline_days=days)
    assert (caught.value.rule, caught.value.field) == ("CAT-5", "objection_deadline_days")


def test_FED_1_regions_nest_by_their_gbt_2260_prefix() -> None:
    assert jurisdiction.lineage("370303") == ("370303", "370300", "370000")
    assert jurisdiction.lineage("370300") == ("370300", "370000")
    assert jurisdiction.covers("370300", "370303")
    assert jurisdiction.covers("370000", "370303")
    assert not jurisdiction.covers("370303", "370300")
    assert not jurisdiction.covers("370100", "370303")
    with pytest.raises(DomainError):
        jurisdiction.check_region("37030")
