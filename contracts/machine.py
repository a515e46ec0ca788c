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
from typing import TypeVar, cast

from contracts.errors import IllegalTransition

S = TypeVar("S", bound=str)
E = TypeVar("E", bound=str)


def transition(
    machine: str,
    table: Mapping[S, Mapping[E, S]],
    state: str,
    event: str,
    *,
    rule: str | Mapping[E, str] | None = None,
) -> S:
    """The state after ``event`` in ``state``; ``IllegalTransition`` if there is none.

    ``state`` and ``event`` may be the enum members or their stored string values (a
    ``StrEnum`` member is equal to, and hashes as, its value); an unknown value is an
    illegal transition like any other missing pair."""
    rows = cast(Mapping[str, Mapping[str, S]], table)
    try:
        return rows[state][event]
    except KeyError:
        rules = cast(Mapping[str, str], rule) if isinstance(rule, Mapping) else None
        named = rules.get(event) if rules is not None else cast(str | None, rule)
        raise IllegalTransition(machine, str(state), str(event), rule=named) from None
