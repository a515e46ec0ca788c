"""Wraps an envelope handler into a bus handler: decode, skip duplicates, retry, dead-letter.

Theory of operation, for one record:
1. Decode the envelope. An undecodable record goes to ``<topic>.dlq`` at once with the
   reason (retrying cannot fix it) and consumption moves on.
2. If the inbox has the event id, do nothing: it was handled before a redelivery.
3. Call the handler. An exception is retried up to ``max_attempts`` times; after that
   the record goes to ``<topic>.dlq`` with the error and consumption moves on.
   ``StoreUnavailable`` is not the record's fault: it propagates, the bus does not
   commit, and the record is delivered again later.
4. Mark the event id in the inbox; the bus then commits the offset.

Handlers must make their effects keyed by the event (upserts by a derived id), so that a
crash between step 3 and step 4 — the only window left — replays harmlessly.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable

import msgspec

from contracts.envelope import Envelope, decode
from contracts.topics import dead_letter_topic
from libs.bus.inbox import Inbox
from libs.bus.port import EventBus, Message
from libs.store.port import StoreUnavailable
from libs.telemetry import consume_span, tracer

log = logging.getLogger(__name__)

EnvelopeHandler = Callable[[Envelope], Awaitable[None]]

ERROR_HEADER = "pdo-error"
ATTEMPTS_HEADER = "pdo-attempts"
GROUP_HEADER = "pdo-consumer-group"


class Consumer:
    """A bus handler with duplicate suppression, bounded retries and a dead-letter topic."""

    def __init__(
        self,
        *,
        bus: EventBus,
        group: str,
        inbox: Inbox,
        handler: EnvelopeHandler,
        max_attempts: int = 3,
        retry_delay: float = 0.05,
    ) -> None:
        self._bus = bus
        self._group = group
        self._inbox = inbox
        self._handler = handler
        self._max_attempts = max_attempts
        self._retry_delay = retry_delay
        self._tracer = tracer(group)

    async def __call__(self, message: Message) -> None:
        with consume_span(self._tracer, message.topic, self._group, message.headers):
            try:
                envelope = decode(message.value)
            except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as exc:
                await self._dead_letter(message, f"undecodable event: {exc}", attempts=0)
                return
            event_id = str(envelope.event_id)
            if await self._inbox.seen(event_id):
                return
            error = await self._handle_with_retries(envelope)
            if error is not None:
                await self._dead_letter(message, error, attempts=self._max_attempts)
            await self._inbox.mark(event_id)

    async def _handle_with_retries(self, envelope: Envelope) -> str | None:
        """Return None on success, or the last error after the final attempt."""
        for attempt in range(1, self._max_attempts + 1):
            try:
                await self._handler(envelope)
                return None
            except StoreUnavailable:
                raise
            except Exception as exc:
                log.warning(
                    "handler failed",
                    extra={"group": self._group, "event_type": envelope.type,
                           "event_id": str(envelope.event_id), "attempt": attempt},
                )
                if attempt == self._max_attempts:
                    return "".join(traceback.format_exception_only(exc)).strip()
                await asyncio.sleep(self._retry_delay * attempt)
        return None  # unreachable: the loop returns on its last attempt

    async def _dead_letter(self, message: Message, reason: str, *, attempts: int) -> None:
        headers = dict(message.headers)
        headers[ERROR_HEADER] = reason[:2000]
        headers[ATTEMPTS_HEADER] = str(attempts)
        headers[GROUP_HEADER] = self._group
        log.error("dead-lettered", extra={"topic": message.topic, "group": self._group,
                                          "reason": reason[:500]})
        await self._bus.publish(
            Message(topic=dead_letter_topic(message.topic), key=message.key,
                    value=message.value, headers=headers)
        )
