"""A sandbox's life as a transition table (SBX-7, AUTH-6)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import IllegalTransition
from contracts.machine import transition
from services.sandbox_broker.domain.sandbox import (
    TERMINAL,
    TRANSITIONS,
    SandboxEvent,
    SandboxState,
)
from tests.unit.services.sandbox_broker.factories import sandbox_factory


def test_SBX_7_a_sandbox_is_closed_then_deleted_and_deletion_is_final() -> None:
    sandbox = sandbox_factory(state=SandboxState.PROVISIONING)
    sandbox = sandbox.evolve(SandboxEvent.PROVISIONED)
    assert sandbox.state is SandboxState.READY
    sandbox = sandbox.evolve(SandboxEvent.CLOSED, reason="grant revoked")
    assert (sandbox.state, sandbox.closed_reason) == (SandboxState.CLOSED, "grant revoked")
    sandbox = sandbox.evolve(SandboxEvent.DELETED)
    assert sandbox.state in TERMINAL
    with pytest.raises(IllegalTransition):
        sandbox.evolve(SandboxEvent.CLOSED)


def test_SBX_7_a_ready_sandbox_cannot_be_deleted_before_it_is_closed() -> None:
    with pytest.raises(IllegalTransition) as caught:
        sandbox_factory().evolve(SandboxEvent.DELETED)
    assert (caught.value.state, caught.value.event, caught.value.rule) == (
        "ready",
        "deleted",
        "SBX-7",
    )


@given(st.lists(st.sampled_from(list(SandboxEvent)), max_size=8))
def test_SBX_7_every_sequence_of_events_follows_the_table(events: list[SandboxEvent]) -> None:
    state = SandboxState.PROVISIONING
    for event in events:
        allowed = TRANSITIONS.get(state, {})
        if event in allowed:
            state = transition("sandbox", TRANSITIONS, state, event, rule="SBX-7")
            assert state is allowed[event]
        else:
            with pytest.raises(IllegalTransition):
                transition("sandbox", TRANSITIONS, state, event, rule="SBX-7")
        if state in TERMINAL:
            assert not TRANSITIONS.get(state), "a terminal state has no way out"
