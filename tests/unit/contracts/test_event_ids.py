"""Event ids: unique UUIDs, time-ordered (version 7), so stores keyed by them append."""

from __future__ import annotations

import uuid

import pytest

from contracts import envelope as envelope_module
from contracts.envelope import SYSTEM_ACTOR, decode, encode, new_envelope, new_event_id
from contracts.events import OrgRegistered

ORG = OrgRegistered(
    org_id="o", name="o", role="provider", region="370300", credit_code="91370300MA3C7H9K2X"
)


def test_an_event_id_is_a_version_7_rfc_uuid_holding_the_millisecond() -> None:
    event_id = new_event_id()
    assert event_id.version == 7
    assert event_id.variant == uuid.RFC_4122
    assert uuid.UUID(str(event_id)) == event_id


def test_event_ids_made_in_later_milliseconds_sort_after_earlier_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1_765_000_000_000_000_000]  # ns

    def time_ns() -> int:
        now[0] += 1_000_000  # one millisecond per id
        return now[0]

    monkeypatch.setattr(envelope_module.time, "time_ns", time_ns)
    ids = [new_event_id() for _ in range(200)]
    assert [str(i) for i in ids] == sorted(str(i) for i in ids)
    assert ids == sorted(ids)
    assert ids[0].int >> 80 == 1_765_000_000_001  # the first 48 bits: Unix milliseconds


def test_event_ids_made_in_the_same_millisecond_are_distinct(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(envelope_module.time, "time_ns", lambda: 1_765_000_000_000_000_000)
    ids = {new_event_id() for _ in range(10_000)}
    assert len(ids) == 10_000
    assert {i.int >> 80 for i in ids} == {1_765_000_000_000}
    assert {i.version for i in ids} == {7}


def test_new_envelope_uses_a_time_ordered_id_unless_given_one() -> None:
    made = new_envelope(ORG, region="370300", actor=SYSTEM_ACTOR, subject="o")
    assert made.event_id.version == 7
    assert made.correlation_id == made.event_id
    assert decode(encode(made)).event_id == made.event_id
    given = uuid.uuid4()
    named = new_envelope(ORG, region="370300", actor=SYSTEM_ACTOR, subject="o", event_id=given)
    assert named.event_id == given
