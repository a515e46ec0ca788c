"""The operator authorization state machine as data: one transition table, terminal states
without moves, and ``transition`` raising ``IllegalTransition`` naming state and event
(and the rule whose order it breaks) for every pair the table lacks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import IllegalTransition
from services.identity.domain import admission
from services.identity.domain.authorization import (
    EVENTS,
    RULE_OF_EVENT,
    TERMINAL,
    TRANSITIONS,
    State,
    advance,
)

ILLEGAL = [(s, e) for s in State for e in sorted(EVENTS) if e not in TRANSITIONS[s]]


def test_the_table_covers_every_state_and_terminal_states_have_no_moves() -> None:
    assert set(TRANSITIONS) == set(State)
    assert {s for s in State if not TRANSITIONS[s]} == TERMINAL
    assert set(RULE_OF_EVENT) == EVENTS


def test_every_state_is_reachable_from_the_tender() -> None:
    seen, frontier = {State.TENDER_PUBLISHED}, [State.TENDER_PUBLISHED]
    while frontier:
        for target in TRANSITIONS[frontier.pop()].values():
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(State)


@pytest.mark.parametrize(("state", "event"), ILLEGAL, ids=[f"{s.value}-{e}" for s, e in ILLEGAL])
def test_every_illegal_pair_raises_naming_state_and_event(state: State, event: str) -> None:
    with pytest.raises(IllegalTransition) as refused:
        advance(state, event)
    assert refused.value.state == state.value and refused.value.event == event
    assert state.value in refused.value.detail and event in refused.value.detail
    assert refused.value.rule == RULE_OF_EVENT[event]


def test_AUTH_2_signing_is_allowed_only_from_a_draft() -> None:
    allowed = [s for s in State if "agreement_signed" in TRANSITIONS[s]]
    assert allowed == [State.DRAFTED]
    for early in (State.TENDER_PUBLISHED, State.EVALUATING, State.PUBLICIZED):
        with pytest.raises(IllegalTransition) as refused:
            advance(early, "agreement_signed")
        assert refused.value.rule == "AUTH-2"


def test_AUTH_6_suspension_correction_reinstatement_and_exits_are_in_the_table() -> None:
    assert advance(State.ACTIVE, "agreement_suspended") is State.SUSPENDED
    assert advance(State.SUSPENDED, "correction_reported") is State.CORRECTION_REPORTED
    assert advance(State.CORRECTION_REPORTED, "agreement_reinstated") is State.ACTIVE
    for state in (State.ACTIVE, State.SUSPENDED, State.CORRECTION_REPORTED):
        assert advance(state, "agreement_terminated") is State.TERMINATED
        assert advance(state, "agreement_expired") is State.EXPIRED


@given(st.lists(st.sampled_from(sorted(EVENTS)), max_size=40))
def test_random_event_sequences_never_leave_the_table(events: list[str]) -> None:
    state = State.TENDER_PUBLISHED
    for event in events:
        try:
            after = advance(state, event)
        except IllegalTransition as refused:
            assert event not in TRANSITIONS[state]
            assert refused.state == state.value
            continue
        assert after == TRANSITIONS[state][event]
        assert after in TRANSITIONS
        state = after
        if state in TERMINAL:
            assert all(_refuses(state, e) for e in EVENTS)


def _refuses(state: State, event: str) -> bool:
    try:
        advance(state, event)
    except IllegalTransition:
        return True
    return False


ADMISSION_ILLEGAL = [
    (s, e)
    for s in admission.State
    for e in sorted(admission.RULE_OF_EVENT)
    if e not in admission.TRANSITIONS[s]
]


@pytest.mark.parametrize(("state", "event"), ADMISSION_ILLEGAL)
def test_DEV_1_DEV_2_admission_illegal_pairs_raise(state: admission.State, event: str) -> None:
    with pytest.raises(IllegalTransition) as refused:
        admission.advance(state, event)
    assert refused.value.rule in ("DEV-1", "DEV-2")
    assert state.value in refused.value.detail


@given(st.lists(st.sampled_from(sorted(admission.RULE_OF_EVENT)), max_size=20))
def test_DEV_1_DEV_2_admission_sequences_never_leave_the_table(events: list[str]) -> None:
    state = admission.State.APPLIED
    for event in events:
        if event in admission.TRANSITIONS[state]:
            state = admission.advance(state, event)
        else:
            with pytest.raises(IllegalTransition):
                admission.advance(state, event)
        assert state in admission.TRANSITIONS
    assert {s for s in admission.State if not admission.TRANSITIONS[s]} == admission.TERMINAL
