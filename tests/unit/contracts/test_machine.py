"""The one ``transition()`` (``contracts.machine``): a table lookup, and a missing pair
raises ``IllegalTransition`` naming the machine, the state, the event and the rule."""

from __future__ import annotations

from enum import StrEnum

import pytest

from contracts.errors import IllegalTransition
from contracts.machine import transition


class State(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Event(StrEnum):
    CLOSE = "close"
    REOPEN = "reopen"


TABLE = {State.OPEN: {Event.CLOSE: State.CLOSED}, State.CLOSED: {}}


def test_transition_follows_the_table() -> None:
    assert transition("door", TABLE, State.OPEN, Event.CLOSE) is State.CLOSED


def test_a_missing_pair_names_machine_state_event_and_rule() -> None:
    with pytest.raises(IllegalTransition) as raised:
        transition("door", TABLE, State.CLOSED, Event.CLOSE, rule="DOOR-1")
    assert (raised.value.machine, raised.value.state, raised.value.event) == (
        "door",
        "closed",
        "close",
    )
    assert raised.value.rule == "DOOR-1"


def test_the_rule_may_be_named_per_event() -> None:
    with pytest.raises(IllegalTransition) as raised:
        transition("door", TABLE, State.CLOSED, Event.REOPEN, rule={Event.REOPEN: "DOOR-2"})
    assert raised.value.rule == "DOOR-2"


def test_stored_string_values_look_up_like_members_and_unknown_values_are_illegal() -> None:
    assert transition("door", TABLE, "open", "close") is State.CLOSED
    with pytest.raises(IllegalTransition):
        transition("door", TABLE, "ajar", "close")
