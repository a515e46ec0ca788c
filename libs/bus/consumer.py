"""Wraps an envelope handler into a bus handler: decode, skip duplicates, retry, dead-letter.

Theory of operation, for one batch of records:
1. Decode each envelope. A well-formed envelope of an event type this build does not
   know (a newer producer added it) is skipped: it cannot concern this consumer's
   handlers, and adding event types must not break old consumers. Any other
   undecodable record goes to ``<topic>.dlq`` with the reason (retrying cannot fix it)
   and consumption moves on.
   Dead letters go under the consumer's own region (``libs.bus.federation``): a county
   reading a city topic writes nothing under the city's prefix.
2. Ask the inbox, once for the batch, which events were handled before (redelivery
   after a crash or a rebalance, or an event published twice) and claim the others
   (``libs.bus.inbox``); the skipped records, and repeats inside the batch, are not
   handled.
3. Call the handler for each remaining record, in order. An exception is retried up to
   ``max_attempts`` times; after that the record goes to ``<topic>.dlq`` with the error
   and consumption moves on. ``StoreUnavailable`` is not the record's fault: it
   propagates, the bus commits nothing, and the batch is delivered again later.
   Consecutive records of a type with a *batch handler* (``batch_handlers``: e.g.
   billing's metering, one store transaction for the run) are handed over in one call,
   in order; if that call fails with anything but ``StoreUnavailable``, the run is
   handled again record by record as above (the batch handler is idempotent per event
   id), so one bad record is dead-lettered alone.
4. Mark the batch handled in the inbox (its partitions' high-water marks move, one
   write each); the bus then commits the batch.

Handlers make their effects keyed by the event (inserts or upserts by a derived id), so
a crash between step 3 and step 4 — the only window left — replays harmlessly.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence

import msgspec

from contracts.envelope import Envelope, decode, event_id_text
from contracts.events import ALL_EVENTS
from contracts.topics import dead_letter_topic
from libs.bus.federation import SOURCE_TOPIC_HEADER, own_dead_letter_topic
from libs.bus.inbox import Inbox
from libs.bus.port import EventBus, Message
from libs.store.port import StoreUnavailable
from libs.telemetry import active_exporters, consume_span, tracer

log = logging.getLogger(__name__)

EnvelopeHandler = Callable[[Envelope], Awaitable[None]]
BatchEnvelopeHandler = Callable[[Sequence[Envelope]], Awaitable[None]]
"""Handles a run of envelopes of one type at once; idempotent per event id (a run may be
delivered again, whole or in part, after a crash)."""

ERROR_HEADER = "pdo-error"
ATTEMPTS_HEADER = "pdo-attempts"
GROUP_HEADER = "pdo-consumer-group"


class _Head(msgspec.Struct):
    """The two envelope fields needed to tell a newer event type from a broken record."""

    event_id: str
    type: str


_head_decoder = msgspec.json.Decoder(_Head)
KNOWN_TYPES: frozenset[str] = frozenset(str(e.__struct_config__.tag) for e in ALL_EVENTS)


def _newer_event_type(value: bytes) -> bool:
    try:
        head = _head_decoder.decode(value)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False
    return head.type not in KNOWN_TYPES


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
        region: str = "",
        batch_handlers: Mapping[str, BatchEnvelopeHandler] | None = None,
    ) -> None:
        """``region``: the consumer's own region; dead letters go under its prefix even
        for records read from another region's topic (FED-1). Empty: ``<topic>.dlq``.
        ``batch_handlers``: by event type, handlers of a run of consecutive records of
        that type (``handler`` must handle the type as well: it is the fallback)."""
        self._bus = bus
        self._region = region
        self._group = group
        self._inbox = inbox
        self._handler = handler
        self._max_attempts = max_attempts
        self._retry_delay = retry_delay
        self._batch_handlers: Mapping[str, BatchEnvelopeHandler] = batch_handlers or {}
        self._tracer = tracer(group)

    async def __call__(self, batch: list[Message]) -> None:
        dead: list[Message] = []
        envelopes: list[Envelope] = []
        events: list[tuple[Message, str]] = []
        for message in batch:
            try:
                envelope = decode(message.value)
            except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as exc:
                if _newer_event_type(message.value):
                    log.info(
                        "skipped an event type unknown to this build",
                        extra={"topic": message.topic, "group": self._group},
                    )
                    continue
                dead.append(self._dead_letter(message, f"undecodable event: {exc}", 0))
                continue
            envelopes.append(envelope)
            events.append((message, event_id_text(envelope)))
        claim = await self._inbox.claim(batch, events)
        done = claim.skip
        fresh: list[tuple[Message, Envelope]] = []
        handled: list[str] = []
        for envelope, (message, event_id) in zip(envelopes, events, strict=True):
            if event_id not in done:
                done.add(event_id)
                fresh.append((message, envelope))
                handled.append(event_id)
        traced = bool(active_exporters())  # no exporter: skip the span's cost per record
        position = 0
        while position < len(fresh):
            kind = fresh[position][1].type
            end = position + 1
            if kind in self._batch_handlers:
                while end < len(fresh) and fresh[end][1].type == kind:
                    end += 1
                if await self._handle_run(self._batch_handlers[kind], fresh[position:end]):
                    position = end
                    continue
            handler = self._handler
            for message, envelope in fresh[position:end]:
                if traced:
                    with consume_span(self._tracer, message.topic, self._group, message.headers):
                        error = await self._handle_with_retries(envelope)
                else:
                    # The first attempt inline (no coroutine of its own per record); a
                    # failure is retried from attempt 1 as ``_handle_with_retries`` does.
                    try:
                        await handler(envelope)
                        continue
                    except StoreUnavailable:
                        raise
                    except Exception as exc:
                        error = await self._handle_with_retries(envelope, failed=exc)
                if error is not None:
                    dead.append(self._dead_letter(message, error, self._max_attempts))
            position = end
        if dead:
            await self._bus.publish_many(dead)
        await self._inbox.mark(handled)

    async def _handle_run(
        self, handle: BatchEnvelopeHandler, run: Sequence[tuple[Message, Envelope]]
    ) -> bool:
        """True when the batch handler took the whole run; False: handle it one by one."""
        first = run[0][0]
        try:
            with consume_span(self._tracer, first.topic, self._group, first.headers):
                await handle([envelope for _, envelope in run])
            return True
        except StoreUnavailable:
            raise
        except Exception:
            log.warning(
                "batch handler failed; handling the run record by record",
                extra={"group": self._group, "event_type": run[0][1].type, "records": len(run)},
            )
            return False

    async def _handle_with_retries(
        self, envelope: Envelope, *, failed: Exception | None = None
    ) -> str | None:
        """None on success, or the last error after the final attempt. ``failed``: the
        first attempt was made already and raised this."""
        attempt = 1
        error = failed
        while True:
            if error is None:
                try:
                    await self._handler(envelope)
                    return None
                except StoreUnavailable:
                    raise
                except Exception as exc:
                    error = exc
            log.warning(
                "handler failed",
                extra={
                    "group": self._group,
                    "event_type": envelope.type,
                    "event_id": str(envelope.event_id),
                    "attempt": attempt,
                },
            )
            if attempt >= self._max_attempts:
                return "".join(traceback.format_exception_only(error)).strip()
            await asyncio.sleep(self._retry_delay * attempt)
            attempt += 1
            error = None

    def _dead_letter(self, message: Message, reason: str, attempts: int) -> Message:
        log.error(
            "dead-lettered",
            extra={"topic": message.topic, "group": self._group, "reason": reason[:500]},
        )
        headers = dict(message.headers)
        headers[ERROR_HEADER] = reason[:2000]
        headers[ATTEMPTS_HEADER] = str(attempts)
        headers[GROUP_HEADER] = self._group
        headers[SOURCE_TOPIC_HEADER] = message.topic
        return Message(
            topic=(
                own_dead_letter_topic(message.topic, self._region)
                if self._region
                else dead_letter_topic(message.topic)
            ),
            key=message.key,
            value=message.value,
            headers=headers,
        )


class ProjectionConsumer:
    """A bus handler for a read model every replica keeps: decode, call, retry.

    No inbox (each replica must apply every event, and the projection's handlers are
    idempotent re-reads of the store) and no dead-letter topic (the event is not this
    replica's to dispose of): an event that still fails after ``max_attempts`` is logged
    and the next ones are applied. ``StoreUnavailable`` propagates (redelivered)."""

    def __init__(self, *, name: str, handler: EnvelopeHandler, max_attempts: int = 3) -> None:
        self._name = name
        self._handler = handler
        self._max_attempts = max_attempts

    async def __call__(self, batch: list[Message]) -> None:
        for message in batch:
            try:
                envelope = decode(message.value)
            except (msgspec.DecodeError, msgspec.ValidationError, ValueError):
                continue  # the service's own consumer group dead-letters it
            for attempt in range(1, self._max_attempts + 1):
                try:
                    await self._handler(envelope)
                    break
                except StoreUnavailable:
                    raise
                except Exception:
                    if attempt == self._max_attempts:
                        log.exception(
                            "read model skipped an event",
                            extra={"projection": self._name, "event_id": str(envelope.event_id)},
                        )
                    else:
                        await asyncio.sleep(0.05 * attempt)
