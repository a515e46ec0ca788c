"""The event bus port.

Theory of operation: producers publish encoded envelopes (bytes) to a topic with the
aggregate's subject id as key, so one aggregate's events stay in order. Consumers
subscribe a handler under a consumer group; the handler receives records in batches (in
log order per partition) so that duplicate checks and bookkeeping cost one database
round trip per batch, not per record. The bus guarantees at-least-once delivery and
commits a batch only after the handler returns; ``libs.bus.consumer`` wraps every
handler so that a redelivered event id has no second effect, a failing message is
retried and then sent to ``<topic>.dlq`` with the error, and consumption moves on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

import msgspec


class Message(msgspec.Struct, frozen=True, gc=False):
    """One record as it travels: topic, key, raw value and string headers.

    A consumed record also carries its position in the log (``partition``, ``offset``;
    -1 for a record being published), which the inbox uses to tell a redelivery from a
    first delivery without looking every event id up (``libs.bus.inbox``).

    A frozen msgspec struct, not a frozen dataclass: one is built per record published
    and per record consumed, and the dataclass's ``__init__`` (``object.__setattr__``
    per field) cost about 4 µs a record against 0.3 µs (``bench/bus.py``). Untracked by
    the cycle collector (``gc=False``): a record holds only values, never itself."""

    topic: str
    key: str
    value: bytes
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    partition: int = -1
    offset: int = -1


Handler = Callable[[list[Message]], Awaitable[None]]
"""Handles one batch of records; raising means none of the batch is committed."""


class EventBus(Protocol):
    """Publishes records and runs subscribed handlers.

    ``publish`` returns once the record is durable (appended to the embedded log, or
    acknowledged by the Kafka broker with ``acks=all`` and an idempotent producer), so the
    outbox relay may clear the event afterwards. Subscriptions are registered before
    ``start``; a handler may be called again for records it already saw (at-least-once),
    which the consumer wrapper absorbs."""

    async def publish(self, message: Message) -> None: ...

    async def publish_many(self, messages: list[Message]) -> None:
        """Publish several records; returns when all are durable."""
        ...

    def subscribe(
        self, topics: list[str], group: str, handler: Handler, *, every_replica: bool = False
    ) -> None:
        """``every_replica``: this process receives every record of ``topics`` from the
        start of the log, whatever other processes of the group do, and commits nothing
        (for read models each replica keeps in memory)."""
        ...

    async def start(self) -> None: ...

    async def stop_consuming(self) -> None:
        """Take no new records; the batch in hand is handled and committed first.
        Publishing still works until ``stop``."""
        ...

    async def unready_reason(self) -> str | None:
        """None when the bus is reachable and every consumer has joined its group;
        otherwise a short reason (for ``/readyz``)."""
        ...

    async def stop(self) -> None: ...
