"""The typed payload of an envelope, for handlers: a wrong event type is a typed error
(``UnexpectedPayload``), never an ``assert`` that ``python -O`` would remove."""

from __future__ import annotations

from typing import TypeVar

from contracts.envelope import Envelope

P = TypeVar("P")


class UnexpectedPayload(TypeError):
    """A handler was given an event it is not subscribed to (a wiring error)."""


def payload_of(envelope: Envelope, kind: type[P]) -> P:
    """The envelope's payload as ``kind``; ``UnexpectedPayload`` when it is not one."""
    payload = envelope.payload
    if not isinstance(payload, kind):
        raise UnexpectedPayload(
            f"{envelope.type} carries {type(payload).__name__}, not {kind.__name__}"
        )
    return payload
