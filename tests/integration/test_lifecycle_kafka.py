"""Issue 5's whole lifecycle on the real Kafka broker with every service's database on the
MongoDB-wire server: the same steps as the embedded test, through HTTP only (the exchange
with its own client-credential token), with all nine services in one distributed process
and a fresh region of its own. Events are only read back from Kafka, to check the
exchange-facing topic and that invoice lines name the events that caused them."""

from __future__ import annotations

import shutil
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from litestar.testing import AsyncTestClient

from contracts.envelope import Envelope, decode
from contracts.topics import topic_for
from libs.clock import FixedClock
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.full_path import source_env
from tests.support.lifecycle import SERVICES, Events, Lifecycle, LifecyclePath
from tests.support.platform import keyring, settings
from tests.support.regions import fresh_region
from tests.support.sandbox_broker import sandbox_root

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
READ_SECONDS = 10.0


def kafka_events(bootstrap: str, region: str) -> Events:
    """Every envelope of a type on its Kafka topic so far: the topic read from the start
    up to the end offsets it had once assigned (nothing when the topic does not exist
    yet)."""

    async def read(event_type: str) -> list[Envelope]:
        topic = topic_for(event_type).name(region)
        reader = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await reader.start()
        found: list[Envelope] = []
        try:
            deadline = time.monotonic() + READ_SECONDS
            ends: dict[TopicPartition, int] | None = None
            while time.monotonic() < deadline:
                for records in (await reader.getmany(timeout_ms=200)).values():
                    found.extend(decode(r.value) for r in records)
                assigned = reader.assignment()
                if not assigned:
                    continue
                if ends is None:
                    ends = await reader.end_offsets(list(assigned))
                if all([await reader.position(tp) >= end for tp, end in ends.items()]):
                    break
        finally:
            await reader.stop()
        return [e for e in found if e.type == event_type]

    return read


@pytest.fixture
async def lifecycle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kafka_bootstrap: str, mongo_uri: str
) -> AsyncIterator[Lifecycle]:
    root = sandbox_root()
    for name, value in source_env(tmp_path, root).items():
        monkeypatch.setenv(name, value)
    region = fresh_region()
    clock = FixedClock(START)
    chosen = settings(
        tmp_path, mode="distributed", kafka=kafka_bootstrap, mongo=mongo_uri, region=region
    )
    p = Platform(chosen, SERVICES, clock=clock, secrets=keyring(tmp_path)).build()
    try:
        async with AsyncTestClient(app=gateway(p)) as client:
            walk = LifecyclePath(p, client, clock, region, keys=keyring(tmp_path))
            yield Lifecycle(walk, kafka_events(kafka_bootstrap, region), tmp_path)
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def test_TRD_BIL_EVA_DIS_the_lifecycle_on_kafka_and_the_mongodb_wire_store(
    lifecycle: Lifecycle,
) -> None:
    await lifecycle.run()
