"""Identity's authorization event kinds are one ``StrEnum`` (``domain.authorization.Kind``):
each event's ``kind``, the machine's keys and the rule of each out-of-place event name
members of it, never a bare string kept in a second place. The admission (入驻) and
competition-complaint machines are keyed the same way by their own ``Kind``."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from contracts.errors import IllegalTransition
from services.identity.domain import admission, competition
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


def test_DEV_1_DEV_2_admission_machine_and_rules_share_one_kind_enum() -> None:
    keys = {k for moves in admission.TRANSITIONS.values() for k in moves}
    assert keys == set(admission.Kind)
    assert all(isinstance(k, admission.Kind) for k in keys)
    assert set(admission.RULE_OF_EVENT) == set(admission.Kind)
    assert all(isinstance(k, admission.Kind) for k in admission.RULE_OF_EVENT)
    assert admission.advance("applied", admission.Kind.APPROVED) is admission.State.APPROVED
    with pytest.raises(IllegalTransition) as refused:
        admission.advance("admitted", admission.Kind.APPROVED)
    assert refused.value.rule == "DEV-1"
    with pytest.raises(IllegalTransition) as ended:
        admission.advance("applied", admission.Kind.EXITED)
    assert ended.value.rule == "DEV-2"


def test_DEV_3_competition_complaint_machine_is_keyed_by_its_kind_enum() -> None:
    keys = {k for moves in competition.TRANSITIONS.values() for k in moves}
    assert keys == set(competition.Kind)
    assert all(isinstance(k, competition.Kind) for k in keys)
    assert competition.advance("filed", competition.Kind.ANSWERED) is competition.State.ANSWERED
    with pytest.raises(IllegalTransition) as refused:
        competition.advance("upheld", competition.Kind.DISMISSED)
    assert refused.value.rule == "DEV-3"
