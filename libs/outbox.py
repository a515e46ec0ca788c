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
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import context as otel_context

from contracts.envelope import (
    Envelope,
    decode,
    encode,
    event_id_text,
    from_builtins,
    to_builtins,
)
from contracts.topics import partition_key, topic_for
from libs.bus.port import EventBus, Message
from libs.store.port import Document, DocumentStore, StoreUnavailable
from libs.telemetry import (
    active_exporters,
    extract_context,
    inject_headers,
    publish_span,
    tracer,
)

log = logging.getLogger(__name__)

EVENT_TYPE_HEADER = "pdo-event-type"


def stage(doc: Document, envelopes: Iterable[Envelope], *, encoded: bool = False) -> Document:
    """Append events to the document's outbox, with the current trace context.

    An entry's ``envelope`` is the envelope as a JSON object, or with ``encoded`` its
    wire form as one JSON string (``encode``, what the relay publishes): msgspec writes
    it in C, and the store encodes, checks and decodes one string per event instead of
    an object tree (a document holding a run of hundreds of events)."""
    outbox: list[dict[str, Any]] = list(doc.get("_outbox", []))
    context: dict[str, str] = {}
    inject_headers(context)  # one trace context for the whole call: injected once
    for envelope in envelopes:
        outbox.append(
            {
                "event_id": event_id_text(envelope),
                "envelope": encode(envelope).decode("utf-8") if encoded else to_builtins(envelope),
                "headers": dict(context),
            }
        )
    doc["_outbox"] = outbox
    return doc


def to_message(entry: dict[str, Any]) -> Message:
    """The bus message of an outbox entry (its envelope as an object, or encoded)."""
    staged = entry["envelope"]
    if isinstance(staged, str):
        value = staged.encode("utf-8")
        envelope = decode(value)
    else:
        envelope = from_builtins(staged)
        value = encode(envelope)
    headers = dict(entry.get("headers", {}))
    headers[EVENT_TYPE_HEADER] = envelope.type
    return Message(
        topic=topic_for(envelope.type).name(envelope.region),
        key=partition_key(envelope.type, envelope.subject, envelope.payload),
        value=value,
        headers=headers,
    )


REFUSAL_BACKOFF_MAX_SECONDS = 30.0
"""The longest the background relay waits before it tries a refused topic again (the
wait doubles from the relay's interval with each refusal in a row)."""


@dataclass(slots=True)
class _Held:
    """What one ``drain`` holds back so that order is kept (OUTBOX head-of-line).

    ``topics``: refused (or backing off) topics, none of whose events goes out in this
    pass; ``keys``: (topic, partition key) pairs with an event held back, so a later
    event of the same key waits too (causal order per key, e.g. per listing on the
    trading topic, across the collections of one pass); ``docs``: per collection, the
    documents still holding events, read again on top of the next batch so that a
    full batch of held documents cannot hide the others' events."""

    topics: dict[str, Exception | None] = field(default_factory=dict)
    keys: set[tuple[str, str]] = field(default_factory=set)
    docs: dict[str, set[str]] = field(default_factory=dict)
    refusals: dict[str, Exception] = field(default_factory=dict)
    again: bool = False
    """events were held back only until another topic's round: read again"""


class OutboxRelay:
    """Publishes and clears pending events of one service's collections.

    ``notify()`` after a commit wakes it at once; a periodic sweep catches anything left
    by a crash. ``drain()`` runs one full pass (used at start-up and in tests).

    A refused write (a topic whose ACL is missing) holds back that topic's events only:
    the other topics' events keep going out. Order is kept per topic and key: no event
    of a refused topic leaves before the held ones, nor does a later event of a (topic,
    partition key) with an event held back, in any later collection of the pass (causal
    order per listing on the trading topic); a document already holding an event at the
    start of a pass holds its later events too. The background relay backs off per
    refused topic (doubling from ``interval`` up to ``REFUSAL_BACKOFF_MAX_SECONDS``), so
    commits that wake it do not retry the refused write each time."""

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
        self._backoff: dict[str, tuple[float, float]] = {}
        """Per refused topic: (monotonic time of the next try, current wait)."""
        self.published_last = 0
        """How many events the last ``drain`` published (also when it raised)."""

    @property
    def failure(self) -> str | None:
        """Why the last pass could not publish (the events stay in the outbox and the next
        pass retries them), or ``None`` once a pass published everything pending. What
        ``/readyz`` reports as the relay's problem (a refused write is a health
        signal, not a crash loop or a lost event)."""
        return self._failure

    @property
    def refused_topics(self) -> tuple[str, ...]:
        """Topics whose events are held back after a refused write, until one succeeds."""
        return tuple(sorted(self._backoff))

    async def pass_once(self, *, honour_backoff: bool = False) -> int:
        """One ``drain()`` whose failure is recorded, not raised: a failure is logged once
        (naming the topics and the error) until it changes or the relay recovers, so a
        refusal retried every second is one clear error line, not a log flood.

        ``honour_backoff`` (the background relay): a refused topic is not tried again
        before its back-off ends; its events stay held and the failure stays reported."""
        try:
            published = await self.drain(honour_backoff=honour_backoff)
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
        if self._failure is not None and not self._backoff:
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

    async def drain(self, *, honour_backoff: bool = False) -> int:
        """Publish everything pending now; returns how many events were published.

        Causal order across collections: ``collections`` are listed in causal order
        (trading-bridge: listings, orders, trades — an order needs its listing, a trade
        its order). Each pass reads the pending documents in reverse order, then
        publishes in forward order: whatever a later collection holds was committed
        before the read of an earlier one, so its cause is in the same pass (or was
        published before) and goes out first. Read forwards, an order and its trade
        committed between the two reads would publish the trade a pass before the order
        (causal order per trade).

        A refused topic's events are held back and the rest published (see the class);
        then the first refusal is raised (the events stay in the outbox)."""
        published = 0
        held = _Held()
        if honour_backoff:
            now = time.monotonic()
            held.topics.update({t: None for t, (due, _) in self._backoff.items() if due > now})
        self.published_last = 0
        while True:
            pending: dict[str, list[Document]] = {}
            for collection in reversed(self._collections):
                extra = len(held.docs.get(collection, ()))
                pending[collection] = await self._store.with_outbox(collection, self._batch + extra)
            # more to read: a batch of only held documents may hide later ones
            full = any(
                len(pending[c]) >= self._batch + len(held.docs.get(c, ())) and pending[c]
                for c in self._collections
            )
            refused = len(held.topics)
            held.keys.clear()
            held.docs.clear()
            held.again = False
            for collection in self._collections:
                published += await self._relay(collection, pending[collection], held)
            self.published_last = published
            # No read back when nothing more can be pending: a commit made during the
            # pass notified the relay, whose next pass takes it (one store read per
            # collection and commit on the hot path, not two).
            if not full and len(held.topics) == refused and not held.again:
                break
        if held.refusals:
            self._publishing = tuple(sorted(held.refusals))
            raise next(iter(held.refusals.values()))
        return published

    async def _relay(self, collection: str, docs: Sequence[Document], held: _Held) -> int:
        """Publish the pending events of ``docs`` in one append, in order, then clear
        each document's (a crash in between publishes them again: consumers dedupe).

        Events of a held topic, and every later event of their document and of their
        (topic, key), stay in the outbox. If the append fails, the topics are appended
        one by one (``_per_topic``) so that only the refused ones are held."""
        chosen: list[tuple[Document, list[tuple[dict[str, Any], Message]]]] = []
        for doc in docs:
            entries: list[tuple[dict[str, Any], Message]] = []
            blocked = False
            for entry in doc.get("_outbox", []):
                message = to_message(entry)
                ordering = (message.topic, message.key)
                if blocked or message.topic in held.topics or ordering in held.keys:
                    blocked = True
                    held.keys.add(ordering)
                    continue
                entries.append((entry, message))
            if blocked:
                held.docs.setdefault(collection, set()).add(doc["_id"])
            if entries:
                chosen.append((doc, entries))
        messages = [m for _, entries in chosen for _, m in entries]
        if not messages:
            return 0
        self._publishing = tuple(sorted({m.topic for m in messages}))
        try:
            await self._publish(messages)
        except Exception as exc:
            if len(self._publishing) == 1:
                self._refuse(self._publishing[0], exc, held)
                for doc, _ in chosen:
                    held.docs.setdefault(collection, set()).add(doc["_id"])
                return 0
            done = await self._per_topic(collection, chosen, held)
        else:
            done = {e["event_id"] for _, entries in chosen for e, _ in entries}
            for topic in self._publishing:
                self._backoff.pop(topic, None)
        count = 0
        for doc, entries in chosen:
            sent = [e["event_id"] for e, _ in entries if e["event_id"] in done]
            if sent:
                await self._store.clear_outbox(collection, doc["_id"], sent)
                count += len(sent)
        return count

    async def _per_topic(
        self,
        collection: str,
        chosen: list[tuple[Document, list[tuple[dict[str, Any], Message]]]],
        held: _Held,
    ) -> set[str]:
        """After a failed append of several topics: append one topic at a time (in order
        of first appearance) to find the refused ones; returns the published event ids.

        An event goes out in a topic's round only if every earlier event of its document
        is out already, and no earlier event of its (topic, key) waits; the others wait
        for the next read of the pass, which knows the refused topics (a document whose
        organisation event is refused keeps its later listing event)."""
        order: list[str] = []
        for _, entries in chosen:
            for _, message in entries:
                if message.topic not in order:
                    order.append(message.topic)
        done: set[str] = set()
        held.again = True
        for topic in order:
            group: list[tuple[str, Message]] = []
            for doc, entries in chosen:
                waiting = False
                for entry, message in entries:
                    if entry["event_id"] in done:
                        continue
                    ordering = (message.topic, message.key)
                    if not waiting and message.topic == topic and ordering not in held.keys:
                        group.append((entry["event_id"], message))
                        continue
                    waiting = True
                    held.docs.setdefault(collection, set()).add(doc["_id"])
                    if message.topic == topic:
                        held.keys.add(ordering)
            if not group:
                continue
            try:
                await self._publish([m for _, m in group])
            except Exception as exc:
                self._refuse(topic, exc, held)
                for _, message in group:
                    held.keys.add((message.topic, message.key))
                continue
            self._backoff.pop(topic, None)
            done.update(event_id for event_id, _ in group)
        return done

    async def _publish(self, messages: list[Message]) -> None:
        if not active_exporters():
            # No exporter: a span per record would be made and dropped (its cost was
            # ~9% of the server's time under the concurrent bench). The records keep
            # the trace context ``stage`` wrote, so consumers still continue the trace.
            await self._bus.publish_many(messages)
            return
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

    def _refuse(self, topic: str, exc: Exception, held: _Held) -> None:
        held.topics[topic] = exc
        held.refusals.setdefault(topic, exc)
        _, wait = self._backoff.get(topic, (0.0, 0.0))
        wait = min(max(self._interval, wait * 2), REFUSAL_BACKOFF_MAX_SECONDS)
        self._backoff[topic] = (time.monotonic() + wait, wait)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            await self.pass_once(honour_backoff=True)
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
