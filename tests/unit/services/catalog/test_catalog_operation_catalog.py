"""The operation catalog (运营目录): its one transition table, and proposing, publishing and
rejecting (CAT-3) with the negative list in the way (CAT-2). Pure, no I/O."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from contracts.errors import DomainError, Forbidden, IllegalTransition
from contracts.events import ResourceProposed, ResourcePublished, ResourceRejected
from services.catalog.domain import negative_list, operation_catalog
from services.catalog.domain.lifecycle import (
    RULE_OF,
    TERMINAL,
    TRANSITIONS,
    Action,
    State,
    advance,
    in_operation_catalog,
)
from tests.unit.services.catalog.factories import OTHER_PROVIDER, PROVIDER, resource_factory

PAIRS = [(s, a) for s in State for a in Action]


@given(st.sampled_from(PAIRS))
def test_CAT_3_every_pair_outside_the_table_raises_naming_state_action_and_rule(
    pair: tuple[State, Action],
) -> None:
    state, action = pair
    allowed = TRANSITIONS[state]
    if action in allowed:
        assert advance(state, action) == allowed[action]
        return
    with pytest.raises(IllegalTransition) as caught:
        advance(state, action)
    assert caught.value.state == state.value
    assert caught.value.event == action.value
    assert caught.value.rule == RULE_OF[action]


@given(st.text(max_size=12), st.sampled_from(list(Action)))
def test_CAT_3_an_unknown_state_or_action_is_an_illegal_transition(
    state: str, action: Action
) -> None:
    # A text that happens to name a real state or action (e.g. "change") is not unknown.
    assume(state not in {s.value for s in State} | {a.value for a in Action})
    with pytest.raises(IllegalTransition):
        advance(state, action)
    with pytest.raises(IllegalTransition):
        advance(State.REGISTERED, state or "x")


def test_CAT_3_the_table_is_complete_and_terminal_states_have_no_way_out() -> None:
    assert set(TRANSITIONS) == set(State)
    assert set(RULE_OF) == set(Action)
    for state in TERMINAL:
        assert TRANSITIONS[state] == {}
    for state, row in TRANSITIONS.items():
        if state not in TERMINAL:
            assert row, f"{state} is a dead end but not terminal"
        assert set(row.values()) <= set(State)


def test_CAT_3_only_a_bureau_approval_leads_into_the_operation_catalog() -> None:
    into = {
        (state, action)
        for state, row in TRANSITIONS.items()
        for action, target in row.items()
        if in_operation_catalog(target) and not in_operation_catalog(state)
    }
    assert into == {(State.PROPOSED, Action.PUBLISH)}


def test_CAT_2_no_path_leads_from_the_negative_list_into_the_operation_catalog() -> None:
    reachable = {State.NEGATIVE_LISTED}
    frontier = [State.NEGATIVE_LISTED]
    while frontier:
        for target in TRANSITIONS[frontier.pop()].values():
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert not any(in_operation_catalog(s) for s in reachable)


def test_CAT_3_propose_then_publish_puts_the_resource_in_the_operation_catalog() -> None:
    resource = resource_factory()
    proposed, events = operation_catalog.propose(resource, actor_org_id=PROVIDER)
    assert proposed.status == State.PROPOSED
    assert events == [
        ResourceProposed(
            resource_id=resource.resource_id,
            provider_org_id=PROVIDER,
            registration_code=resource.registration_code,
        )
    ]
    assert not in_operation_catalog(proposed.status)
    published, events = operation_catalog.publish(proposed)
    assert in_operation_catalog(published.status)
    (event,) = events
    assert isinstance(event, ResourcePublished)
    assert event.items == ["credit_code", "tax_paid", "legal_rep_id"]


def test_CAT_3_publishing_without_a_proposal_is_illegal() -> None:
    with pytest.raises(IllegalTransition) as caught:
        operation_catalog.publish(resource_factory())
    assert caught.value.rule == "CAT-3"


def test_CAT_3_a_provider_proposes_only_its_own_resource() -> None:
    with pytest.raises(Forbidden) as caught:
        operation_catalog.propose(resource_factory(), actor_org_id=OTHER_PROVIDER)
    assert caught.value.rule == "CAT-3"


def test_CAT_3_a_rejection_states_its_reason_and_the_provider_may_propose_again() -> None:
    proposed, _ = operation_catalog.propose(resource_factory(), actor_org_id=PROVIDER)
    with pytest.raises(DomainError) as caught:
        operation_catalog.reject(proposed, reason="  ")
    assert (caught.value.rule, caught.value.field) == ("CAT-3", "reason")
    rejected, events = operation_catalog.reject(proposed, reason="数据项说明不完整")
    assert rejected.status == State.REJECTED
    assert rejected.rejection_reason == "数据项说明不完整"
    assert isinstance(events[0], ResourceRejected)
    again, _ = operation_catalog.propose(rejected, actor_org_id=PROVIDER)
    assert again.status == State.PROPOSED and again.rejection_reason == ""


def test_CAT_2_a_negative_listed_resource_can_never_be_proposed_or_published() -> None:
    proposed, _ = operation_catalog.propose(resource_factory(), actor_org_id=PROVIDER)
    listed, _ = negative_list.add(
        proposed, reason="涉及国家安全", actor_org_id="org-370300-bureau", at=""
    )
    assert listed.status == State.NEGATIVE_LISTED
    attempts: tuple[Callable[[], object], ...] = (
        lambda: operation_catalog.propose(listed, actor_org_id=PROVIDER),
        lambda: operation_catalog.publish(listed),
    )
    for attempt in attempts:
        with pytest.raises(DomainError) as caught:
            attempt()
        assert caught.value.rule == "CAT-2"


def test_CAT_2_a_negative_listed_item_never_enters_the_operation_catalog() -> None:
    resource = resource_factory()
    withheld, _ = negative_list.add(
        resource,
        reason="个人敏感信息",
        item_name="legal_rep_id",
        actor_org_id="org-370300-bureau",
        at="",
    )
    proposed, _ = operation_catalog.propose(withheld, actor_org_id=PROVIDER)
    published, events = operation_catalog.publish(proposed)
    (event,) = events
    assert isinstance(event, ResourcePublished)
    assert "legal_rep_id" not in event.items
    assert published.grantable_items == ("credit_code", "tax_paid")


def test_CAT_2_a_resource_whose_every_item_is_listed_cannot_be_proposed() -> None:
    resource = resource_factory()
    for name in ("credit_code", "tax_paid"):
        resource, _ = negative_list.add(
            resource, reason="禁止开放", item_name=name, actor_org_id="b", at=""
        )
    assert resource.status == State.REGISTERED
    resource, _ = negative_list.add(
        resource, reason="禁止开放", item_name="legal_rep_id", actor_org_id="b", at=""
    )
    assert resource.status == State.NEGATIVE_LISTED
    with pytest.raises(DomainError) as caught:
        operation_catalog.propose(resource, actor_org_id=PROVIDER)
    assert caught.value.rule == "CAT-2"
