"""Identity's authorization event kinds are one ``StrEnum`` (``domain.authorization.Kind``):
each event's ``kind``, the machine's keys and the rule of each out-of-place event name
members of it, never a bare string kept in a second place."""

from __future__ import annotations

import dataclasses
import inspect

from services.identity.domain import authorization as a


def _event_classes() -> list[type]:
    return [
        c
        for _, c in inspect.getmembers(a, inspect.isclass)
        if dataclasses.is_dataclass(c) and isinstance(getattr(c, "kind", None), str)
    ]


def test_every_authorization_event_kind_is_a_member_of_kind() -> None:
    events = _event_classes()
    assert len(events) == len(a.Kind)
    assert {c.kind for c in events} == set(a.Kind)  # type: ignore[attr-defined]
    assert all(isinstance(c.kind, a.Kind) for c in events)  # type: ignore[attr-defined]


def test_the_machine_and_its_rules_are_keyed_by_kind() -> None:
    keys = {k for moves in a.TRANSITIONS.values() for k in moves}
    assert all(isinstance(k, a.Kind) for k in keys)
    assert set(a.RULE_OF_EVENT) == keys
    assert all(isinstance(k, a.Kind) for k in a.RULE_OF_EVENT)
    # A kind still reads as its old string, so stored events and answers are unchanged.
    assert a.RULE_OF_EVENT["agreement_signed"] == "AUTH-2"  # type: ignore[index]
    assert a.advance("drafted", "agreement_signed") is a.State.ACTIVE
