"""One helper for every state machine of request-review: a transition table lookup that
raises ``IllegalTransition`` naming the machine, the state, the action and the rule."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from contracts.errors import IllegalTransition

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


def step(
    machine: str,
    table: Mapping[S, Mapping[A, S]],
    state: S,
    action: A,
    *,
    rule: str,
) -> S:
    """The state after ``action`` in ``state``; a missing row or column is illegal."""
    try:
        return table[state][action]
    except KeyError:
        raise IllegalTransition(machine, state.value, action.value, rule=rule) from None
