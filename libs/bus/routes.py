"""One service's event handlers by event type, bound to its context.

A service's ``handlers/`` holds one ``on_<topic>`` module per subscribed topic; each
declares ``ROUTES: dict[str, Route]`` — the event types of that topic it takes and the
function taking ``(ctx, envelope)`` for each. ``bind`` turns the union of them into the
``event type -> EnvelopeHandler`` map the consumer runs (``libs.bus.consumer``); a module
may also declare ``BATCH_ROUTES`` for a run of records of one type, bound by
``bind_batches``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from contracts.envelope import Envelope
from libs.bus.consumer import BatchEnvelopeHandler, EnvelopeHandler

C = TypeVar("C")

Route = Callable[[Any, Envelope], Awaitable[None]]
"""One handler before it is bound: ``(ctx, envelope) -> None`` (``ctx`` the service's
``ServiceContext``)."""

BatchRoute = Callable[[Any, Sequence[Envelope]], Awaitable[None]]
"""A handler of a run of envelopes of one type (``BATCH_ROUTES``), before it is bound."""


def bind(
    ctx: C, *routes: Mapping[str, Callable[[C, Envelope], Awaitable[None]]]
) -> dict[str, EnvelopeHandler]:
    """Every event type of ``routes`` bound to ``ctx``; an event type routed twice is a
    wiring error (two modules would claim one event)."""
    bound: dict[str, EnvelopeHandler] = {}
    for table in routes:
        for event_type, route in table.items():
            if event_type in bound:
                raise ValueError(f"event type {event_type!r} is routed twice")
            bound[event_type] = _bound(ctx, route)
    return bound


def bind_batches(
    ctx: C, *routes: Mapping[str, Callable[[C, Sequence[Envelope]], Awaitable[None]]]
) -> dict[str, BatchEnvelopeHandler]:
    """Every batched event type of ``routes`` (``BATCH_ROUTES``) bound to ``ctx``."""
    bound: dict[str, BatchEnvelopeHandler] = {}
    for table in routes:
        for event_type, route in table.items():
            if event_type in bound:
                raise ValueError(f"event type {event_type!r} is routed twice")
            bound[event_type] = _bound_batch(ctx, route)
    return bound


def _bound_batch(
    ctx: C, route: Callable[[C, Sequence[Envelope]], Awaitable[None]]
) -> BatchEnvelopeHandler:
    async def handle(envelopes: Sequence[Envelope]) -> None:
        await route(ctx, envelopes)

    return handle


def _bound(ctx: C, route: Callable[[C, Envelope], Awaitable[None]]) -> EnvelopeHandler:
    async def handle(envelope: Envelope) -> None:
        await route(ctx, envelope)

    return handle


__all__ = ["BatchRoute", "Route", "bind", "bind_batches"]
