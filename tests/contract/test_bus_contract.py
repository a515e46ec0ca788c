"""One contract suite for every EventBus adapter: the embedded log and Kafka (real broker).

Covers delivery with key and headers, per-key order, commit-after-handling (a handler
that raises gets the record again), resumption after restart without redelivery of
committed records, and — through the consumer wrapper — duplicate suppression,
dead-lettering of undecodable and failing records, and moving on after them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import msgspec
import pytest

from contracts.envelope import SYSTEM_ACTOR, Envelope, encode, new_envelope
from contracts.events import OrgRegistered
from libs.bus.consumer import ATTEMPTS_HEADER, ERROR_HEADER, Consumer
from libs.bus.embedded import EmbeddedBus
from libs.bus.inbox import Inbox
from libs.bus.port import EventBus, Message
from libs.store.sqlite import SqliteDocumentStore
from tests.support.platform import eventually

BusFactory = Callable[[], EventBus]


@pytest.fixture(params=["embedded", pytest.param("kafka", marks=pytest.mark.kafka)])
def make_bus(request: pytest.FixtureRequest, tmp_path: Path) -> BusFactory:
    if request.param == "embedded":
        return lambda: EmbeddedBus(tmp_path / "bus.sqlite")
    bootstrap: str = request.getfixturevalue("kafka_bootstrap")
    from libs.bus.kafka import KafkaBus
    from tests.support.kafka_topics import create_topics

    def kafka_bus() -> EventBus:
        # The test broker never auto-creates topics: make the ones this test named.
        if _named:
            create_topics(bootstrap, *_named)
            _named.clear()
        return KafkaBus(bootstrap, client_id=f"test-{uuid.uuid4().hex[:6]}")

    return kafka_bus


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteDocumentStore]:
    s = SqliteDocumentStore(tmp_path / "consumer.sqlite")
    yield s
    await s.close()


_named: list[str] = []


def topic() -> str:
    """A fresh topic name; on Kafka it is created when the test makes its next bus."""
    name = f"pdo.370300.test.t{uuid.uuid4().hex[:10]}.v1"
    _named.append(name)
    return name


def event(org: str) -> Envelope:
    return new_envelope(
        OrgRegistered(
            org_id=org,
            name=f"机构{org}",
            role="provider",
            region="370300",
            credit_code="91370300MA3C7H9K2X",
        ),
        region="370300",
        actor=SYSTEM_ACTOR,
        subject=org,
    )


def record(t: str, env: Envelope) -> Message:
    return Message(topic=t, key=env.subject, value=encode(env), headers={"x-test": "1"})


async def test_records_arrive_with_key_value_headers_and_per_key_order(
    make_bus: BusFactory,
) -> None:
    t = topic()
    got: list[Message] = []

    async def handler(batch: list[Message]) -> None:
        got.extend(batch)

    bus = make_bus()
    bus.subscribe([t], f"g-{uuid.uuid4().hex[:6]}", handler)
    await bus.start()
    try:
        sent = [
            Message(topic=t, key=f"k{i % 3}", value=f"v{i}".encode(), headers={"h": str(i)})
            for i in range(30)
        ]
        await bus.publish_many(sent)
        await eventually(lambda: _ready(len(got) >= 30))
        assert sorted((m.key, m.value) for m in got) == sorted((m.key, m.value) for m in sent)
        for key in ("k0", "k1", "k2"):
            assert [m.value for m in got if m.key == key] == [m.value for m in sent if m.key == key]
        assert all(m.headers["h"] == m.value.decode()[1:] for m in got)
    finally:
        await bus.stop()


async def _ready(value: bool) -> bool:
    return value


async def test_a_handler_that_raises_gets_the_record_again(make_bus: BusFactory) -> None:
    t = topic()
    calls: list[bytes] = []

    async def flaky(batch: list[Message]) -> None:
        calls.extend(m.value for m in batch)
        if len(calls) == 1:
            raise ConnectionError("database down for a moment")

    bus = make_bus()
    bus.subscribe([t], f"g-{uuid.uuid4().hex[:6]}", flaky)
    await bus.start()
    try:
        await bus.publish(Message(topic=t, key="k", value=b"once"))
        await eventually(lambda: _ready(len(calls) >= 2), timeout=30)
        assert calls[:2] == [b"once", b"once"]
    finally:
        await bus.stop()


async def test_a_restarted_consumer_resumes_after_its_last_commit(make_bus: BusFactory) -> None:
    t, group = topic(), f"g-{uuid.uuid4().hex[:6]}"
    first: list[bytes] = []
    bus = make_bus()

    async def collect_first(batch: list[Message]) -> None:
        first.extend(m.value for m in batch)

    bus.subscribe([t], group, collect_first)
    await bus.start()
    await bus.publish_many(
        [Message(topic=t, key="k", value=b"a"), Message(topic=t, key="k", value=b"b")]
    )
    await eventually(lambda: _ready(len(first) == 2))
    await asyncio.sleep(0.5)  # let the commit of the last record land
    await bus.stop()

    second: list[bytes] = []

    async def collect_second(batch: list[Message]) -> None:
        second.extend(m.value for m in batch)

    again = make_bus()
    again.subscribe([t], group, collect_second)
    await again.start()
    try:
        await again.publish(Message(topic=t, key="k", value=b"c"))
        await eventually(lambda: _ready(b"c" in second), timeout=30)
        assert second == [b"c"]
    finally:
        await again.stop()


async def _run_consumer(
    make_bus: BusFactory,
    store: SqliteDocumentStore,
    t: str,
    handler: Callable[[Envelope], object],
    *,
    attempts: int = 3,
) -> tuple[EventBus, list[Message]]:
    bus = make_bus()
    group = f"g-{uuid.uuid4().hex[:6]}"
    dead: list[Message] = []

    async def on_dead(batch: list[Message]) -> None:
        dead.extend(batch)

    async def wrapped(env: Envelope) -> None:
        result = handler(env)
        if asyncio.iscoroutine(result):
            await result

    bus.subscribe(
        [t],
        group,
        Consumer(
            bus=bus,
            group=group,
            inbox=Inbox(store, group),
            handler=wrapped,
            max_attempts=attempts,
            retry_delay=0.01,
        ),
    )
    bus.subscribe([f"{t}.dlq"], f"{group}-dlq-watch", on_dead)
    await bus.start()
    return bus, dead


async def test_a_redelivered_event_has_no_second_effect(
    make_bus: BusFactory, store: SqliteDocumentStore
) -> None:
    t = topic()
    effects: list[str] = []
    bus, _ = await _run_consumer(make_bus, store, t, lambda e: effects.append(e.subject))
    try:
        one = event("org-a")
        await bus.publish_many(
            [record(t, one), record(t, one), record(t, event("org-b")), record(t, one)]
        )
        await eventually(lambda: _ready("org-b" in effects))
        await asyncio.sleep(0.3)
        assert sorted(effects) == ["org-a", "org-b"]
    finally:
        await bus.stop()


async def test_an_undecodable_record_is_dead_lettered_and_consumption_moves_on(
    make_bus: BusFactory, store: SqliteDocumentStore
) -> None:
    t = topic()
    effects: list[str] = []
    bus, dead = await _run_consumer(make_bus, store, t, lambda e: effects.append(e.subject))
    try:
        await bus.publish_many(
            [
                Message(topic=t, key="junk", value=b"\x00not json"),
                Message(topic=t, key="half", value=b'{"event_id": "x"}'),
                record(t, event("org-after")),
            ]
        )
        await eventually(lambda: _ready(effects == ["org-after"] and len(dead) == 2))
        assert all(m.headers[ERROR_HEADER].startswith("undecodable event") for m in dead)
        assert {m.key for m in dead} == {"junk", "half"}
        assert dead[0].topic == f"{t}.dlq"
    finally:
        await bus.stop()


async def test_an_event_type_from_a_newer_producer_is_skipped_not_dead_lettered(
    make_bus: BusFactory, store: SqliteDocumentStore
) -> None:
    t = topic()
    effects: list[str] = []
    bus, dead = await _run_consumer(make_bus, store, t, lambda e: effects.append(e.subject))
    try:
        newer = msgspec.json.decode(encode(event("org-x")))
        newer["type"] = newer["payload"]["type"] = "org.merged"  # unknown to this build
        await bus.publish_many(
            [
                Message(topic=t, key="org-x", value=msgspec.json.encode(newer)),
                Message(topic=t, key="bad", value=b'{"event_id": "1", "type": "org.registered"}'),
                record(t, event("org-after")),
            ]
        )
        await eventually(lambda: _ready(effects == ["org-after"] and len(dead) == 1))
        assert dead[0].key == "bad"  # a known type that fails to decode is still dead-lettered
    finally:
        await bus.stop()


async def test_an_event_failing_once_is_retried_and_handled_not_dead_lettered(
    make_bus: BusFactory, store: SqliteDocumentStore
) -> None:
    """The first attempt runs inline in the consumer's loop; its failure is the first of
    the ``max_attempts`` (the retry is attempt 2), and success after it dead-letters
    nothing."""
    t = topic()
    attempts: list[str] = []
    handled: list[str] = []

    def handler(env: Envelope) -> None:
        attempts.append(env.subject)
        if env.subject == "org-flaky" and attempts.count("org-flaky") == 1:
            raise ValueError("not yet")
        handled.append(env.subject)

    bus, dead = await _run_consumer(make_bus, store, t, handler, attempts=2)
    try:
        await bus.publish_many([record(t, event("org-flaky")), record(t, event("org-next"))])
        await eventually(lambda: _ready(handled == ["org-flaky", "org-next"]))
        await asyncio.sleep(0.1)
        assert attempts == ["org-flaky", "org-flaky", "org-next"]
        assert dead == []
    finally:
        await bus.stop()


async def test_a_failing_event_is_dead_lettered_after_n_attempts_and_the_next_is_handled(
    make_bus: BusFactory, store: SqliteDocumentStore
) -> None:
    t = topic()
    attempts: list[str] = []
    handled: list[str] = []

    def handler(env: Envelope) -> None:
        if env.subject == "org-poison":
            attempts.append(env.subject)
            raise ValueError("this organization cannot be processed")
        handled.append(env.subject)

    bus, dead = await _run_consumer(make_bus, store, t, handler, attempts=3)
    try:
        await bus.publish_many([record(t, event("org-poison")), record(t, event("org-next"))])
        await eventually(lambda: _ready(handled == ["org-next"] and len(dead) == 1))
        assert attempts == ["org-poison"] * 3
        assert "ValueError: this organization cannot be processed" in dead[0].headers[ERROR_HEADER]
        assert dead[0].headers[ATTEMPTS_HEADER] == "3"
    finally:
        await bus.stop()
