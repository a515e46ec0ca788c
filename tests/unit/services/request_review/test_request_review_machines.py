"""Every transition of request-review's four state machines, legal and illegal, taken
from the tables themselves (REQ-3, REQ-5, REQ-6, REQ-8), and a random walk of each."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import IllegalTransition
from services.request_review.domain import appeal, application, grant, scenario

Machine = tuple[
    str, Any, type[StrEnum], type[StrEnum], Callable[[str, Any], StrEnum], str, frozenset[Any]
]

MACHINES: list[Machine] = [
    (
        "scenario",
        scenario.TRANSITIONS,
        scenario.State,
        scenario.Action,
        scenario.advance,
        "REQ-8",
        scenario.TERMINAL,
    ),
    (
        "application",
        application.TRANSITIONS,
        application.State,
        application.Action,
        application.advance,
        "REQ-3",
        application.TERMINAL,
    ),
    (
        "grant",
        grant.TRANSITIONS,
        grant.State,
        grant.Action,
        grant.advance,
        "REQ-5",
        grant.TERMINAL,
    ),
    (
        "appeal",
        appeal.TRANSITIONS,
        appeal.State,
        appeal.Action,
        appeal.advance,
        "REQ-6",
        appeal.TERMINAL,
    ),
]

CASES = [
    pytest.param(m, s, a, id=f"{m[0]}:{s.value}:{a.value}")
    for m in MACHINES
    for s, a in itertools.product(list(m[2]), list(m[3]))
]


@pytest.mark.parametrize(("machine", "state", "action"), CASES)
def test_REQ_3_5_6_8_every_transition_follows_the_table(
    machine: Machine, state: StrEnum, action: StrEnum
) -> None:
    _, table, _, _, transition, rule, _ = machine
    expected = table[state].get(action)
    if expected is None:
        with pytest.raises(IllegalTransition) as refused:
            transition(state.value, action)
        assert refused.value.rule == rule
        assert refused.value.state == state.value and refused.value.event == action.value
    else:
        assert transition(state.value, action) is expected


@pytest.mark.parametrize("machine", MACHINES, ids=[m[0] for m in MACHINES])
def test_REQ_3_5_6_8_every_state_has_a_row_and_terminal_states_have_no_way_out(
    machine: Machine,
) -> None:
    _, table, states, _, _, _, terminal = machine
    assert set(table) == set(states)
    for state in terminal:
        assert table[state] == {}
    for state in set(states) - terminal:
        assert table[state], f"{state} is a dead end but not terminal"


@given(data=st.data())
def test_REQ_3_5_6_8_a_random_walk_never_leaves_the_table(data: st.DataObject) -> None:
    machine = data.draw(st.sampled_from(MACHINES))
    _, table, states, actions, transition, _, terminal = machine
    state = next(iter(states))
    for action in data.draw(st.lists(st.sampled_from(list(actions)), max_size=12)):
        if action in table[state]:
            state = transition(state.value, action)
        else:
            with pytest.raises(IllegalTransition):
                transition(state.value, action)
        if state in terminal:
            for way_out in actions:
                with pytest.raises(IllegalTransition):
                    transition(state.value, way_out)
            break
