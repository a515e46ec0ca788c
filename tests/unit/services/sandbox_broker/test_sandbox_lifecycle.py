"""A sandbox's life as a transition table, and who may run a job in it (SBX-2, SBX-7)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import IllegalTransition
from services.sandbox_broker.domain.plan import Environment
from services.sandbox_broker.domain.sandbox import (
    TERMINAL,
    TRANSITIONS,
    Sandbox,
    SandboxEvent,
    SandboxState,
    admit_job,
    transition,
)
from tests.unit.services.sandbox_broker.factories import DEVELOPER, NOW, OTHER_DEVELOPER


def sandbox_factory(**overrides: object) -> Sandbox:
    base = Sandbox(
        sandbox_id="sbx-pro-g1",
        grant_id="g1",
        developer_org_id=DEVELOPER,
        environment=Environment.PRODUCTION,
        valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(days=30),
        state=SandboxState.READY,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


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
            state = transition(state, event)
            assert state is allowed[event]
        else:
            with pytest.raises(IllegalTransition):
                transition(state, event)
        if state in TERMINAL:
            assert not TRANSITIONS.get(state), "a terminal state has no way out"


def test_SBX_2_a_developer_cannot_run_a_job_in_another_developers_sandbox() -> None:
    refusal = admit_job(sandbox_factory(), OTHER_DEVELOPER, NOW)
    assert refusal is not None and refusal.rule == "SBX-2"
    assert "another organization" in refusal.reason
    assert admit_job(sandbox_factory(), DEVELOPER, NOW) is None


@pytest.mark.parametrize(
    ("sandbox", "rule", "says"),
    [
        (
            sandbox_factory(state=SandboxState.CLOSED, closed_reason="grant revoked"),
            "SBX-7",
            "closed (grant revoked)",
        ),
        (sandbox_factory(state=SandboxState.DELETED), "SBX-7", "deleted"),
        (sandbox_factory(valid_until=NOW), "SBX-7", "expired"),
        (sandbox_factory(valid_from=NOW + timedelta(hours=1)), "REQ-5", "valid only from"),
        (sandbox_factory(state=SandboxState.PROVISIONING), "SBX-1", "not ready"),
        (sandbox_factory(state=SandboxState.FAILED), "SBX-1", "not ready"),
    ],
)
def test_SBX_7_no_job_enters_a_closed_expired_or_unready_sandbox(
    sandbox: Sandbox, rule: str, says: str
) -> None:
    refusal = admit_job(sandbox, DEVELOPER, NOW)
    assert refusal is not None and refusal.rule == rule and says in refusal.reason
