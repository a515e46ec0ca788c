"""``expect``: a handler's typed check of the payload it was subscribed for.

A handler registered for one event type receives that payload; ``expect`` says so to the
type checker and, should the registry and the handler ever disagree, raises
``UnexpectedEvent`` (a ``TypeError``: the consumer retries and dead-letters it) instead
of an ``assert`` that vanishes under ``python -O``.
"""

from __future__ import annotations

from typing import TypeVar, overload

from contracts.envelope import Envelope

A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")


class UnexpectedEvent(TypeError):
    """A handler received a payload of a type it does not handle."""


@overload
def expect(envelope: Envelope, a: type[A], /) -> A: ...
@overload
def expect(envelope: Envelope, a: type[A], b: type[B], /) -> A | B: ...
@overload
def expect(envelope: Envelope, a: type[A], b: type[B], c: type[C], /) -> A | B | C: ...
@overload
def expect(
    envelope: Envelope, a: type[A], b: type[B], c: type[C], d: type[D], /
) -> A | B | C | D: ...
def expect(envelope: Envelope, *kinds: type[object]) -> object:
    """The envelope's payload if it is one of ``kinds``; ``UnexpectedEvent`` otherwise."""
    payload = envelope.payload
    if not isinstance(payload, kinds):
        names = ", ".join(k.__name__ for k in kinds)
        raise UnexpectedEvent(f"expected {names}, got {envelope.type} ({envelope.event_id})")
    return payload
