"""Rectification orders (EVA-3) as a state machine, pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from contracts.errors import DomainError, Forbidden, IllegalTransition
from services.evaluation.domain import rectification as r
from services.evaluation.domain.rectification import TERMINAL, TRANSITIONS, State

NOW = datetime(2027, 1, 11, 2, 0, tzinfo=UTC)


def an_order(due_on: date = date(2027, 2, 10)) -> r.RectificationOrder:
    return r.order(
        order_id="rect-1",
        region="370300",
        operator_org_id="org-op",
        finding="产品数量未达标",
        due_on=due_on,
        now=NOW,
        ordered_by_org_id="org-bureau",
    )


def test_EVA_3_an_order_needs_a_finding_and_a_deadline_ahead() -> None:
    with pytest.raises(DomainError) as past:
        an_order(date(2027, 1, 11))
    assert past.value.rule == "EVA-3"
    with pytest.raises(DomainError):
        r.order(
            order_id="x",
            region="370300",
            operator_org_id="o",
            finding="  ",
            due_on=date(2027, 2, 1),
            now=NOW,
            ordered_by_org_id="b",
        )


def test_EVA_3_reported_then_accepted() -> None:
    reported = r.report(an_order(), by_org_id="org-op", text="已整改", now=NOW)
    assert reported.state is State.REPORTED
    assert r.accept(reported, now=NOW).state is State.COMPLETED


def test_EVA_3_only_the_addressed_operator_reports_and_only_by_the_deadline() -> None:
    with pytest.raises(Forbidden):
        r.report(an_order(), by_org_id="org-other", text="x", now=NOW)
    late = datetime(2027, 2, 10, 16, 1, tzinfo=UTC)  # 00:01 on 11 February in Zibo
    with pytest.raises(DomainError) as refused:
        r.report(an_order(), by_org_id="org-op", text="x", now=late)
    assert refused.value.rule == "EVA-3"


def test_EVA_3_a_returned_order_stands_with_its_deadline() -> None:
    reported = r.report(an_order(), by_org_id="org-op", text="已整改", now=NOW)
    back = r.return_(reported, reason="材料不全", now=NOW)
    assert back.state is State.ORDERED and back.due_on == date(2027, 2, 10)


def test_EVA_3_overdue_only_after_the_last_local_day_and_only_once() -> None:
    last_evening = datetime(2027, 2, 10, 15, 59, tzinfo=UTC)
    assert r.overdue_if_due(an_order(), now=last_evening) is None
    overdue = r.overdue_if_due(an_order(), now=last_evening + timedelta(minutes=2))
    assert overdue is not None and overdue.state is State.OVERDUE
    assert r.overdue_if_due(overdue, now=last_evening + timedelta(days=30)) is None


def test_EVA_3_a_reported_order_is_not_swept() -> None:
    reported = r.report(an_order(), by_org_id="org-op", text="已整改", now=NOW)
    assert r.overdue_if_due(reported, now=NOW + timedelta(days=60)) is None


def test_EVA_3_terminal_states_have_no_moves_and_unknown_moves_raise() -> None:
    assert all(not TRANSITIONS[s] for s in TERMINAL)
    with pytest.raises(IllegalTransition) as refused:
        r.advance(State.COMPLETED, "reported")
    assert refused.value.rule == "EVA-3" and refused.value.state == "completed"


@given(hs.lists(hs.sampled_from(sorted({e for m in TRANSITIONS.values() for e in m}))))
def test_EVA_3_any_sequence_of_moves_stays_inside_the_table(events: list[str]) -> None:
    state = State.ORDERED
    for event in events:
        try:
            state = r.advance(state, event)
        except IllegalTransition:
            assert event not in TRANSITIONS[state]
    assert state in TRANSITIONS


def test_EVA_3_rectification_machine_is_keyed_by_its_kind_enum() -> None:
    from services.evaluation.domain import rectification as r

    keys = {k for moves in r.TRANSITIONS.values() for k in moves}
    assert keys == set(r.Kind)
    assert all(isinstance(k, r.Kind) for k in keys)
    assert r.advance("reported", r.Kind.RETURNED) is r.State.ORDERED
    with pytest.raises(IllegalTransition) as refused:
        r.advance("completed", r.Kind.REPORTED)
    assert refused.value.rule == "EVA-3"
