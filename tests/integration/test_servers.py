"""The real test servers work: Kafka 4.0.1 (aiokafka) and FerretDB/MongoDB (pymongo async)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pymongo import AsyncMongoClient
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError

from tests.infra.servers import KafkaServer, MongoWireServer, port_open
from tests.support.kafka_topics import create_topics

Doc = dict[str, Any]


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def _produce(bootstrap: str, topic: str, values: list[bytes]) -> list[tuple[int, int]]:
    """Produce with acks=all; the (partition, offset) of each record."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        placed = []
        for i, value in enumerate(values):
            meta = await producer.send_and_wait(topic, value, key=f"k{i % 3}".encode())
            placed.append((meta.partition, meta.offset))
        return placed
    finally:
        await producer.stop()


async def _drain(consumer: AIOKafkaConsumer, count: int, within: float = 60) -> list[bytes]:
    got: list[bytes] = []
    deadline = time.monotonic() + within
    while len(got) < count:
        assert time.monotonic() < deadline, f"only {len(got)} of {count} records within {within}s"
        batches = await consumer.getmany(timeout_ms=500)
        for records in batches.values():
            got.extend(r.value for r in records)
    return got


def _group_consumer(bootstrap: str, group: str, *topics: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )


async def test_kafka_consumer_group_commits_and_resumes(kafka_bootstrap: str) -> None:
    topic, group = _name("servers-t"), _name("servers-g")
    create_topics(kafka_bootstrap, topic, partitions=3)
    values = [f"m{i}".encode() for i in range(10)]
    await _produce(kafka_bootstrap, topic, values)

    consumer = _group_consumer(kafka_bootstrap, group, topic)
    await consumer.start()
    try:
        got = await _drain(consumer, len(values))
        await consumer.commit()
        committed = [await consumer.committed(tp) or 0 for tp in consumer.assignment()]
    finally:
        await consumer.stop()
    assert sorted(got) == sorted(values)
    assert len(committed) == 3  # the topic was created with three partitions
    assert sum(committed) == len(values)

    # the group resumes after its committed offsets: only the new record is delivered
    await _produce(kafka_bootstrap, topic, [b"late"])
    consumer = _group_consumer(kafka_bootstrap, group, topic)
    await consumer.start()
    try:
        assert await _drain(consumer, 1) == [b"late"]
        extra = await consumer.getmany(timeout_ms=1000)
        assert not any(extra.values())
    finally:
        await consumer.stop()


async def test_kafka_kill9_restart_keeps_committed_record(kafka_server: KafkaServer) -> None:
    bootstrap = kafka_server.bootstrap
    topic, group = _name("servers-crash"), _name("servers-crash-g")
    create_topics(bootstrap, topic)
    [(partition, offset)] = await _produce(bootstrap, topic, [b"survivor"])
    tp = TopicPartition(topic, partition)

    consumer = _group_consumer(bootstrap, group, topic)
    await consumer.start()
    try:
        assert await _drain(consumer, 1) == [b"survivor"]
        await consumer.commit()
    finally:
        await consumer.stop()

    try:
        await kafka_server.akill9()
        assert not port_open(kafka_server.port)
        assert not kafka_server.is_running()
        await kafka_server.astart()
        assert kafka_server.bootstrap == bootstrap  # same port, same data
    finally:
        await kafka_server.astart()

    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await reader.start()
    try:
        reader.assign([tp])
        await reader.seek_to_beginning(tp)
        assert await _drain(reader, 1) == [b"survivor"]
    finally:
        await reader.stop()

    member = _group_consumer(bootstrap, group)
    await member.start()
    try:
        # Right after a restart the group coordinator may still be loading the offsets
        # topic and answer "nothing committed" for a while; a lost commit never appears.
        committed = None
        deadline = time.monotonic() + 60
        while committed is None and time.monotonic() < deadline:
            committed = await member.committed(tp)
            if committed is None:
                await asyncio.sleep(0.5)
        assert committed == offset + 1
    finally:
        await member.stop()


async def test_mongo_insert_find_update_pull(mongo_uri: str) -> None:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(mongo_uri, serverSelectionTimeoutMS=5000)
    try:
        coll = client[_name("servers-db")]["grants"]
        await coll.insert_one({"_id": "g1", "uses": 0, "scopes": ["read", "export", "share"]})
        await coll.update_one({"_id": "g1"}, {"$inc": {"uses": 2}, "$pull": {"scopes": "export"}})
        await coll.update_one({"_id": "g1"}, {"$push": {"scopes": "audit"}, "$set": {"x.y": 1}})
        doc = await coll.find_one({"_id": "g1"})
        assert doc == {
            "_id": "g1",
            "uses": 2,
            "scopes": ["read", "share", "audit"],
            "x": {"y": 1},
        }
        assert await coll.count_documents({"scopes": "share"}) == 1
        await client.drop_database(coll.database.name)
    finally:
        await client.close()


async def test_mongo_stop_fails_ping_fast_and_restart_recovers(
    mongo_server: MongoWireServer,
) -> None:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(
        mongo_server.uri, serverSelectionTimeoutMS=500, connectTimeoutMS=500
    )
    coll = client[_name("servers-db")]["kept"]
    try:
        assert (await client.admin.command("ping"))["ok"] == 1.0
        await coll.insert_one({"_id": 1, "v": "before"})
        try:
            await mongo_server.astop()
            # the pooled connection dies first (AutoReconnect), then server selection times out
            with pytest.raises(ConnectionFailure):
                await client.admin.command("ping")
            started = time.monotonic()
            with pytest.raises(ServerSelectionTimeoutError):
                await client.admin.command("ping")
            assert time.monotonic() - started < 5
        finally:
            await mongo_server.astart()

        # the same client reconnects by itself, and the data survived the restart
        deadline = time.monotonic() + 15
        while True:
            try:
                await client.admin.command("ping")
                break
            except ConnectionFailure:
                assert time.monotonic() < deadline, "client did not reconnect within 15s"
                await asyncio.sleep(0.2)
        assert await coll.find_one({"_id": 1}) == {"_id": 1, "v": "before"}
        await client.drop_database(coll.database.name)
    finally:
        await client.close()
