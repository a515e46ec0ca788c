"""Issue 4's whole path on the real Kafka broker with every service's database on the
MongoDB-wire server: the same walk as the embedded test, through HTTP only, with the
five services of the path in one distributed process and a fresh region of its own."""

from __future__ import annotations

import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from litestar.testing import AsyncTestClient

from contracts.envelope import decode
from contracts.events import UsageMetered
from contracts.topics import topic_for
from libs.clock import FixedClock
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.full_path import SERVICES, FullPath, scenario_to_metered_call, source_env
from tests.support.platform import keyring, settings
from tests.support.regions import fresh_region
from tests.support.sandbox_broker import sandbox_root

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@dataclass
class OnKafka:
    walk: FullPath
    bootstrap: str


@pytest.fixture
async def on_kafka(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kafka_bootstrap: str, mongo_uri: str
) -> AsyncIterator[OnKafka]:
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
            yield OnKafka(FullPath(p, client, clock, region), kafka_bootstrap)
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def usage_on_kafka(bootstrap: str, region: str) -> list[UsageMetered]:
    """Every ``usage.metered`` event on the region's usage topic so far."""
    reader = AIOKafkaConsumer(
        topic_for("usage.metered").name(region),
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await reader.start()
    found: list[UsageMetered] = []
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            batch = await reader.getmany(timeout_ms=500)
            if not batch and found:
                break
            for records in batch.values():
                for record in records:
                    payload = decode(record.value).payload
                    if isinstance(payload, UsageMetered):
                        found.append(payload)
    finally:
        await reader.stop()
    return found


async def test_REQ_SBX_EXP_the_whole_path_on_kafka_and_the_mongodb_wire_store(
    on_kafka: OnKafka, tmp_path: Path
) -> None:
    walk = on_kafka.walk

    async def metered() -> list[UsageMetered]:
        return await usage_on_kafka(on_kafka.bootstrap, walk.region)

    await scenario_to_metered_call(walk, tmp_path, metered)
