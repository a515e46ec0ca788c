"""Bus path: events/s and publish-to-handled latency through the mesh versus raw aiokafka.

The mesh path is what services run: envelope encode, publish through the bus adapter,
consume in batches, envelope decode, duplicate check against the consumer's inbox in
its store, handler. The raw path produces the same encoded payloads with a plain
idempotent aiokafka producer and consumes them with a plain aiokafka consumer that
commits after each batch. Both run in the same process, one after the other.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.harness import Result, percentiles
from contracts.envelope import SYSTEM_ACTOR, Envelope, encode, new_envelope
from contracts.events import OrgRegistered
from libs.bus.consumer import Consumer
from libs.bus.embedded import EmbeddedBus
from libs.bus.inbox import Inbox
from libs.bus.port import EventBus, Message
from libs.store.port import DocumentStore
from libs.store.sqlite import SqliteDocumentStore
from tests.support.kafka_topics import create_topics

BATCH = 500


def payloads(n: int) -> list[OrgRegistered]:
    return [
        OrgRegistered(
            org_id=f"org-{i}",
            name=f"机构{i}",
            role="provider",
            region="370300",
            credit_code="91370300MA3C7H9K2X",
        )
        for i in range(n)
    ]


async def mesh(
    bus: EventBus, store: DocumentStore, n: int, name: str, *, bootstrap: str = ""
) -> Result:
    topic = f"pdo.370300.bench.t{uuid.uuid4().hex[:8]}.v1"
    if bootstrap:  # the broker never auto-creates topics
        create_topics(bootstrap, topic)
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    done = asyncio.Event()

    async def handler(envelope: Envelope) -> None:
        latencies.append(time.perf_counter() - sent_at[envelope.subject])
        if len(latencies) >= n:
            done.set()

    group = f"bench-{uuid.uuid4().hex[:6]}"
    bus.subscribe(
        [topic], group, Consumer(bus=bus, group=group, inbox=Inbox(store, group), handler=handler)
    )
    await bus.start()
    await _warm_up(bus, topic, sent_at, latencies, done)
    # Envelopes are made and encoded before the clock starts, as the raw baselines'
    # payloads are: making an event is the service's work, carrying it is the mesh's.
    encoded = [
        (p.org_id, encode(new_envelope(p, region="370300", actor=SYSTEM_ACTOR, subject=p.org_id)))
        for p in payloads(n)
    ]
    start = time.perf_counter()
    for offset in range(0, n, BATCH):
        batch: list[Message] = []
        for subject, value in encoded[offset : offset + BATCH]:
            sent_at[subject] = time.perf_counter()
            batch.append(Message(topic=topic, key=subject, value=value))
        await bus.publish_many(batch)
        await asyncio.sleep(0)
    await asyncio.wait_for(done.wait(), timeout=300)
    elapsed = time.perf_counter() - start
    await bus.stop()
    p50, p99 = percentiles(latencies)
    return Result(name, n, elapsed, p50, p99)


async def _warm_up(
    bus: EventBus,
    topic: str,
    sent_at: dict[str, float],
    latencies: list[float],
    done: asyncio.Event,
) -> None:
    """One event end to end first, so group join and topic creation are not timed."""
    env = new_envelope(payloads(1)[0], region="370300", actor=SYSTEM_ACTOR, subject="warm-up")
    sent_at["warm-up"] = time.perf_counter()
    await bus.publish(Message(topic=topic, key="warm-up", value=encode(env)))
    while not latencies:
        await asyncio.sleep(0.01)
    latencies.clear()
    done.clear()


async def raw_aiokafka(bootstrap: str, n: int) -> Result:
    topic = f"pdo.370300.bench.raw{uuid.uuid4().hex[:8]}.v1"
    create_topics(bootstrap, topic)
    values = [
        encode(new_envelope(p, region="370300", actor=SYSTEM_ACTOR, subject=p.org_id))
        for p in payloads(n)
    ]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"raw-{uuid.uuid4().hex[:6]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=BATCH,
    )
    await producer.start()
    await consumer.start()
    sent_at: dict[bytes, float] = {}
    latencies: list[float] = []

    async def consume() -> None:
        while len(latencies) < n:
            batches = await consumer.getmany(timeout_ms=100, max_records=BATCH)
            for records in batches.values():
                now = time.perf_counter()
                latencies.extend(now - sent_at[r.key] for r in records)
            if batches:
                await consumer.commit()

    # Warm-up, as for the mesh: one record end to end before timing.
    sent_at[b"warm-up"] = time.perf_counter()
    await producer.send_and_wait(topic, b"{}", key=b"warm-up")
    while not latencies:
        for records in (await consumer.getmany(timeout_ms=100)).values():
            latencies.extend(time.perf_counter() - sent_at[r.key] for r in records)
    await consumer.commit()
    latencies.clear()
    reader = asyncio.create_task(consume())
    start = time.perf_counter()
    for offset in range(0, n, BATCH):
        futures = []
        for value, i in zip(values[offset : offset + BATCH], range(offset, n), strict=False):
            key = f"org-{i}".encode()
            sent_at[key] = time.perf_counter()
            futures.append(await producer.send(topic, value, key=key))
        await asyncio.gather(*futures)
    await asyncio.wait_for(reader, timeout=300)
    elapsed = time.perf_counter() - start
    await producer.stop()
    await consumer.stop()
    p50, p99 = percentiles(latencies)
    return Result("raw aiokafka produce→consume", n, elapsed, p50, p99)


async def embedded(n: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="pdo-bench-") as tmp:
        store = SqliteDocumentStore(Path(tmp) / "consumer.sqlite")
        result = await mesh(
            EmbeddedBus(Path(tmp) / "bus.sqlite"), store, n, "mesh on embedded bus (SQLite inbox)"
        )
        await store.close()
        return result


async def kafka_mesh(bootstrap: str, n: int) -> Result:
    """The mesh on Kafka with the inbox in a local SQLite store: isolates the mesh."""
    from libs.bus.kafka import KafkaBus

    with tempfile.TemporaryDirectory(prefix="pdo-bench-") as tmp:
        store = SqliteDocumentStore(Path(tmp) / "consumer.sqlite")
        result = await mesh(
            KafkaBus(bootstrap, client_id="bench"),
            store,
            n,
            "mesh on Kafka (SQLite inbox)",
            bootstrap=bootstrap,
        )
        await store.close()
        return result


async def kafka_mesh_ferret(bootstrap: str, mongo_uri: str, n: int) -> Result:
    """The mesh on Kafka with the inbox on the MongoDB-wire test server (FerretDB)."""
    from libs.bus.kafka import KafkaBus
    from libs.store.mongo import MongoDocumentStore

    store = MongoDocumentStore(mongo_uri, f"bench_{uuid.uuid4().hex[:6]}")
    result = await mesh(
        KafkaBus(bootstrap, client_id="bench"),
        store,
        n,
        "mesh on Kafka (FerretDB inbox)",
        bootstrap=bootstrap,
    )
    await store.close()
    return result


def raw_sqlite(n: int) -> Result:
    """The floor under the embedded bus, in the same run: the same encoded payloads
    appended in batches of ``BATCH`` to a table of the bus's shape (WAL,
    ``synchronous=NORMAL``, one transaction a batch) and read back in offset order with
    each payload decoded, no mesh, no handler. ``embedded_vs_raw_sqlite`` is the bus's
    rate over this one, so machine noise cannot hide a regression."""
    import sqlite3

    from contracts.envelope import decode

    items = payloads(n)
    encoded = [
        encode(new_envelope(p, region="370300", actor=SYSTEM_ACTOR, subject=p.org_id))
        for p in items
    ]
    with tempfile.TemporaryDirectory(prefix="pdo-bench-raw-sqlite-") as tmp:
        db = sqlite3.connect(Path(tmp) / "raw.sqlite", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE log (offset INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, "
            "key TEXT NOT NULL, value BLOB NOT NULL, headers TEXT NOT NULL)"
        )
        latencies: list[float] = []
        start = time.perf_counter()
        cursor = 0
        for offset in range(0, n, BATCH):
            t0 = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT INTO log(topic, key, value, headers) VALUES (?,?,?,?)",
                [("t", str(i), v, "{}") for i, v in enumerate(encoded[offset : offset + BATCH])],
            )
            db.execute("COMMIT")
            rows = db.execute(
                "SELECT offset, value FROM log WHERE offset > ? ORDER BY offset LIMIT ?",
                (cursor, BATCH),
            ).fetchall()
            for _, value in rows:
                decode(value)
            cursor = rows[-1][0]
            latencies.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - start
        db.close()
    p50, p99 = percentiles(latencies)
    return Result("raw SQLite append + read + decode (batches of 500)", n, elapsed, p50, p99)


async def burst_lag(
    bootstrap: str,
    *,
    steady: int = 500,
    factor: int = 10,
    bursts: tuple[float, ...] = (1.0, 2.0, 4.0),
    settle: float = 1.0,
) -> list[tuple[int, float, int]]:
    """Consumer lag after a burst on Kafka: the mesh (Kafka bus, SQLite inbox) under a
    steady ``steady`` events/s; for each burst length, ``factor`` × that rate for that
    many seconds, then steady again. Per burst: (events in the burst, seconds from the
    burst's end until every event published up to then was handled, the lag at the
    burst's end in events). Producing is paced in 20 ms ticks, each tick's records
    published without waiting for the previous tick's acknowledgements."""
    from libs.bus.kafka import KafkaBus

    topic = f"pdo.370300.bench.burst{uuid.uuid4().hex[:8]}.v1"
    create_topics(bootstrap, topic)
    handled = 0
    published = 0

    async def handler(envelope: Envelope) -> None:
        nonlocal handled
        handled += 1

    bus = KafkaBus(bootstrap, client_id="bench-burst")
    group = f"bench-burst-{uuid.uuid4().hex[:6]}"
    points: list[tuple[int, float, int]] = []
    with tempfile.TemporaryDirectory(prefix="pdo-bench-burst-") as tmp:
        store = SqliteDocumentStore(Path(tmp) / "consumer.sqlite")
        bus.subscribe(
            [topic],
            group,
            Consumer(bus=bus, group=group, inbox=Inbox(store, group), handler=handler),
        )
        await bus.start()
        counter = iter(range(10**9))

        def messages(n: int) -> list[Message]:
            """Encoded before the clock starts, so the burst is paced by the broker."""
            out = []
            for payload in payloads_from(counter, n):
                env = new_envelope(
                    payload, region="370300", actor=SYSTEM_ACTOR, subject=payload.org_id
                )
                out.append(Message(topic=topic, key=env.subject, value=encode(env)))
            return out

        async def produce(
            rate: int, seconds: float, until: Callable[[], bool] | None = None
        ) -> None:
            nonlocal published
            tick = 0.02
            per_tick = max(1, round(rate * tick))
            ready = messages(per_tick * max(1, round(seconds / tick)))
            start = time.perf_counter()
            ticks = 0
            while (until is None and time.perf_counter() - start < seconds) or (
                until is not None and not until()
            ):
                batch = ready[ticks * per_tick : (ticks + 1) * per_tick] or messages(per_tick)
                # Not awaited tick by tick: a tick's acknowledgements must not hold the next.
                in_flight.append(asyncio.create_task(bus.publish_many(batch)))
                published += len(batch)
                ticks += 1
                delay = start + ticks * tick - time.perf_counter()
                await asyncio.sleep(max(0.0, delay))

        in_flight: list[asyncio.Task[None]] = []
        await produce(steady, 0.0, until=lambda: handled >= 1)  # group joined
        for seconds in bursts:
            await produce(steady, settle)
            before = published
            await produce(steady * factor, seconds)
            target, ended = published, time.perf_counter()
            lag_at_end = published - handled
            await produce(steady, 0.0, until=lambda target=target: handled >= target)  # type: ignore[misc]
            points.append((target - before, time.perf_counter() - ended, lag_at_end))
        await asyncio.gather(*in_flight)
        await bus.stop()
        await store.close()
    return points


def payloads_from(counter: Iterator[int], n: int) -> list[OrgRegistered]:
    return [
        OrgRegistered(
            org_id=f"org-{i}",
            name=f"机构{i}",
            role="provider",
            region="370300",
            credit_code="91370300MA3C7H9K2X",
        )
        for i in (next(counter) for _ in range(n))
    ]
