"""The transactional outbox: events ride inside the aggregate document, a relay publishes them.

A command handler calls ``stage`` to append envelopes to the document's ``_outbox`` and
saves the document with one write, so state and events commit together. ``OutboxRelay``
then publishes each pending event to its topic and clears it. If the process dies after
publishing and before clearing, the event is published again on restart; consumers drop
the duplicate by event id (``libs.bus.inbox``). No event is lost, none is applied twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from opentelemetry import context as otel_context

from contracts.envelope import Envelope, encode, from_builtins, to_builtins
from contracts.topics import partition_key, topic_for
from libs.bus.port import EventBus, Message
from libs.store.port import Document, DocumentStore, StoreUnavailable
from libs.telemetry import extract_context, inject_headers, publish_span, tracer

log = logging.getLogger(__name__)

EVENT_TYPE_HEADER = "pdo-event-type"


def stage(doc: Document, envelopes: Iterable[Envelope]) -> Document:
    """Append events to the document's outbox, with the current trace context."""
    outbox: list[dict[str, Any]] = list(doc.get("_outbox", []))
    for envelope in envelopes:
        headers: dict[str, str] = {}
        inject_headers(headers)
        outbox.append(
            {
                "event_id": str(envelope.event_id),
                "envelope": to_builtins(envelope),
                "headers": headers,
            }
        )
    doc["_outbox"] = outbox
    return doc


def to_message(entry: dict[str, Any]) -> Message:
    envelope = from_builtins(entry["envelope"])
    headers = dict(entry.get("headers", {}))
    headers[EVENT_TYPE_HEADER] = envelope.type
    return Message(
        topic=topic_for(envelope.type).name(envelope.region),
        key=partition_key(envelope.type, envelope.subject, envelope.payload),
        value=encode(envelope),
        headers=headers,
    )


class OutboxRelay:
    """Publishes and clears pending events of one service's collections.

    ``notify()`` after a commit wakes it at once; a periodic sweep catches anything left
    by a crash. ``drain()`` runs one full pass (used at start-up and in tests)."""

    def __init__(
        self,
        *,
        service: str,
        store: DocumentStore,
        bus: EventBus,
        collections: Sequence[str],
        interval: float = 1.0,
        batch: int = 200,
    ) -> None:
        self._store = store
        self._bus = bus
        self._collections = tuple(collections)
        self._interval = interval
        self._batch = batch
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._tracer = tracer(service)
        self._service = service
        self._failure: str | None = None
        self._publishing: tuple[str, ...] = ()

    @property
    def failure(self) -> str | None:
        """Why the last pass could not publish (the events stay in the outbox and the next
        pass retries them), or ``None`` once a pass published everything pending. What
        ``/readyz`` reports as the relay's problem (a refused write is a health
        signal, not a crash loop or a lost event)."""
        return self._failure

    async def pass_once(self) -> int:
        """One ``drain()`` whose failure is recorded, not raised: a failure is logged once
        (naming the topics and the error) until it changes or the relay recovers, so a
        refusal retried every second is one clear error line, not a log flood."""
        try:
            published = await self.drain()
        except asyncio.CancelledError:
            raise
        except StoreUnavailable:
            log.warning("outbox relay: store unavailable", extra={"service": self._service})
            return 0
        except Exception as exc:
            topics = ", ".join(self._publishing) or "(none)"
            failure = f"cannot publish to {topics}: {type(exc).__name__}: {exc}"
            if failure != self._failure:
                log.error(
                    "outbox relay of %s %s; the events stay in the outbox and are retried",
                    self._service,
                    failure,
                    extra={"service": self._service},
                )
            self._failure = failure
            return 0
        if self._failure is not None:
            log.info(
                "outbox relay of %s recovered: published %d held-back events",
                self._service,
                published,
                extra={"service": self._service},
            )
            self._failure = None
        return published

    def notify(self) -> None:
        self._wake.set()

    async def drain(self) -> int:
        """Publish everything pending now; returns how many events were published.

        Causal order across collections: ``collections`` are listed in causal order
        (trading-bridge: listings, orders, trades — an order needs its listing, a trade
        its order). Each pass reads the pending documents in reverse order, then
        publishes in forward order: whatever a later collection holds was committed
        before the read of an earlier one, so its cause is in the same pass (or was
        published before) and goes out first. Read forwards, an order and its trade
        committed between the two reads would publish the trade a pass before the order
        (causal order per trade)."""
        published = 0
        while True:
            pending: dict[str, list[Document]] = {}
            for collection in reversed(self._collections):
                pending[collection] = await self._store.with_outbox(collection, self._batch)
            if not any(pending.values()):
                return published
            for collection in self._collections:
                published += await self._relay(collection, pending[collection])

    async def _relay(self, collection: str, docs: Sequence[Document]) -> int:
        """Publish the pending events of ``docs`` in one append, in order, then clear
        each document's (a crash in between publishes them again: consumers dedupe)."""
        entries: list[dict[str, Any]] = [e for doc in docs for e in doc.get("_outbox", [])]
        if not entries:
            return 0
        messages = [to_message(e) for e in entries]
        self._publishing = tuple(sorted({m.topic for m in messages}))
        with contextlib.ExitStack() as spans:
            # Each publish span continues the trace of the command that staged the event
            # and writes its own context into the headers the consumers will extract.
            for message in messages:
                token = otel_context.attach(extract_context(message.headers))
                try:
                    spans.enter_context(
                        publish_span(self._tracer, message.topic, message.key, message.headers)
                    )
                finally:
                    otel_context.detach(token)
            await self._bus.publish_many(messages)
        for doc in docs:
            published = [e["event_id"] for e in doc.get("_outbox", [])]
            if published:
                await self._store.clear_outbox(collection, doc["_id"], published)
        return len(entries)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            await self.pass_once()
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
            # that lands as the wake-up completes, and stop() would then wait forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await self._wake.wait()

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name=f"outbox:{self._service}")

    async def stop(self) -> None:
        if self._task is not None:
            self._stopping = True
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
