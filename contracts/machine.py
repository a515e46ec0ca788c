"""State machines as data (状态机): one ``transition()`` over a transition table.

Theory of operation: a machine is a table ``state -> event -> new state`` (a Mapping of
Mappings, keys usually ``StrEnum`` members). ``transition`` looks the pair up; a missing
row or column raises ``IllegalTransition`` naming the machine, the state, the event and
the rule the refusal enforces (one rule for the machine, or one per event). Terminal
states are rows without columns. Every service's state machines go through this one
function; ``tests/unit/test_import_directions`` refuses a second copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from contracts.errors import IllegalTransition

S = TypeVar("S", bound=str)
E = TypeVar("E", bound=str)


def transition(
    machine: str,
    table: Mapping[S, Mapping[E, S]],
    state: S,
    event: E,
    *,
    rule: str | Mapping[E, str] | None = None,
) -> S:
    """The state after ``event`` in ``state``; ``IllegalTransition`` if there is none."""
    try:
        return table[state][event]
    except KeyError:
        named = rule.get(event) if isinstance(rule, Mapping) else rule
        raise IllegalTransition(machine, str(state), str(event), rule=named) from None
