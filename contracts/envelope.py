"""The event envelope (事件信封) every message on the mesh carries, and its codec.

The envelope's ``event_id`` is the idempotency key; the Kafka key is ``subject`` (the
aggregate id), or on a topic naming a ``key_field`` that payload field (the listing id on
the trading topic, ``contracts.topics.partition_key``), so one aggregate's — or one
trading chain's — events stay in order. ``type`` repeats the payload's tag so
routing and filtering never need to decode the payload.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import msgspec

from contracts.events import Event, Payload

SCHEMA_VERSION = 1


class Role(StrEnum):
    """Code roles of DESIGN §2."""

    BUREAU = "bureau"
    PROVIDER = "provider"
    OPERATOR = "operator"
    DEVELOPER = "developer"
    SUPERVISOR = "supervisor"
    EXCHANGE = "exchange"
    PUBLIC = "public"
    SYSTEM = "system"


class Actor(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=False, gc=False):
    """Who caused the event: organization, user and the role they acted in."""

    org_id: str
    user_id: str
    role: Role


SYSTEM_ACTOR = Actor(org_id="platform", user_id="system", role=Role.SYSTEM)


# gc=False (also on Actor and the payloads' base Event): envelopes are immutable trees of
# values and can never be part of a reference cycle, so the cycle collector need not
# track them. A consumer decodes one per record; untracked, they no longer drive the
# collector's full passes over the process's heap (bench/bus.py, bench/billing.py).
# (A comment, not the docstring: the docstring is the schema's description.)
class Envelope(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One event as it travels between services."""

    event_id: uuid.UUID
    type: str
    schema_version: int
    region: str
    occurred_at: datetime
    actor: Actor
    subject: str
    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None
    payload: Payload

    def __post_init__(self) -> None:
        kind = type(self.payload)
        tag = _PAYLOAD_TAGS.get(kind)
        if tag is None:  # ``__struct_config__`` builds a new object on every access
            tag = _PAYLOAD_TAGS[kind] = kind.__struct_config__.tag
        if self.type != tag:
            raise ValueError(f"envelope type {self.type!r} does not match payload {tag!r}")
        if self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware UTC")


_PAYLOAD_TAGS: dict[type[Event], object] = {}
"""Event type -> its tag, for ``Envelope.__post_init__`` (run on every decode) and
``tag_of`` (on every new envelope)."""


class UntaggedEvent(TypeError):
    """An event type without a string tag: it could never be routed or decoded."""


def tag_of(event: type[Event]) -> str:
    """The dotted type name of an event type, e.g. ``resource.registered``."""
    tag = _PAYLOAD_TAGS.get(event)
    if isinstance(tag, str):
        return tag
    tag = event.__struct_config__.tag
    if not isinstance(tag, str):
        raise UntaggedEvent(f"{event.__name__} has no string tag (msgspec tag=...)")
    _PAYLOAD_TAGS[event] = tag
    return tag


def event_type(payload: Event) -> str:
    """The dotted type name of a payload, e.g. ``resource.registered``."""
    return tag_of(type(payload))


def new_event_id() -> uuid.UUID:
    """A fresh event id: a time-ordered UUID (version 7, RFC 9562): the Unix time in
    milliseconds in the first 48 bits, then 74 random bits (with the version and
    variant bits). As unique as a random UUID for an idempotency key, but ids made later
    sort after earlier ones, so the stores' indexes keyed by event id (every consumer's
    inbox claims, billing's metered uses) grow at their end instead of at random places:
    a batch of writes touches a few index pages, not most of them (measured: half the
    SQLite write time of a metering batch)."""
    value = (time.time_ns() // 1_000_000 & _MS_MASK) << 80 | int.from_bytes(os.urandom(10))
    return uuid.UUID(int=value & _VERSION_CLEAR | _VERSION_7)


_MS_MASK = (1 << 48) - 1
_VERSION_CLEAR = ~((0xF << 76) | (0x3 << 62))
_VERSION_7 = (0x7 << 76) | (0x2 << 62)
"""The version (7) and variant (RFC 9562, binary 10) bits of ``new_event_id``."""


def new_envelope(
    payload: Payload,
    *,
    region: str,
    actor: Actor,
    subject: str,
    occurred_at: datetime | None = None,
    correlation_id: uuid.UUID | None = None,
    causation: Envelope | None = None,
    event_id: uuid.UUID | None = None,
) -> Envelope:
    """Wrap a payload. An event caused by another inherits its correlation id."""
    eid = event_id or new_event_id()
    if causation is not None:
        correlation = causation.correlation_id
        causation_id: uuid.UUID | None = causation.event_id
    else:
        correlation = correlation_id or eid
        causation_id = None
    return Envelope(
        event_id=eid,
        type=event_type(payload),
        schema_version=SCHEMA_VERSION,
        region=region,
        occurred_at=occurred_at or datetime.now(UTC),
        actor=actor,
        subject=subject,
        correlation_id=correlation,
        causation_id=causation_id,
        payload=payload,
    )


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Envelope)


def encode(envelope: Envelope) -> bytes:
    return _encoder.encode(envelope)


def decode(data: bytes) -> Envelope:
    """Decode and validate; raises ``msgspec.ValidationError``/``DecodeError`` on bad input."""
    return _decoder.decode(data)


def event_id_text(envelope: Envelope) -> str:
    """The envelope's ``event_id`` as text (``str(uuid)``'s canonical form), by msgspec in C:
    about a third of the cost of ``uuid.UUID.__str__``, paid per record by consumers."""
    text: str = _id_text(envelope.event_id)
    return text


_id_text = msgspec.to_builtins


def to_builtins(envelope: Envelope) -> dict[str, Any]:
    """A JSON-safe dict (for keeping the event inside an aggregate's outbox)."""
    result = msgspec.to_builtins(envelope)
    if not isinstance(result, dict):
        raise TypeError(f"an envelope encodes as a JSON object, not {type(result).__name__}")
    return result


def from_builtins(data: dict[str, Any]) -> Envelope:
    return msgspec.convert(data, Envelope)
