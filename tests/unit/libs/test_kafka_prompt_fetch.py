"""The Kafka bus's consumers hand records over as soon as they arrive (command → visible
in another service). FastStream's batch subscriber sleeps ``batch_timeout_ms`` after an
empty fetch; ``libs.bus.kafka`` swaps in a fetch that does not. No broker is needed: the
subscriber's fetch is called with a stand-in consumer."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from faststream.kafka import KafkaBroker

from libs.bus.kafka import _without_idle_sleep


class _EmptyThenRecords:
    """``getmany`` finds nothing once, then one record."""

    def __init__(self) -> None:
        self.calls = 0

    async def getmany(self, *, timeout_ms: int, max_records: int | None) -> dict[Any, list[str]]:
        self.calls += 1
        return {} if self.calls == 1 else {"tp": ["record"]}


def _subscriber(timeout_ms: int) -> Any:
    broker = KafkaBroker("127.0.0.1:9")
    return broker.subscriber(
        "pdo.370300.test.t.v1", group_id="g", batch=True, batch_timeout_ms=timeout_ms
    )


async def test_faststreams_own_fetch_sleeps_after_an_empty_one() -> None:
    subscriber = _subscriber(300)
    started = time.perf_counter()
    assert await subscriber.get_msg(_EmptyThenRecords()) == ()
    assert time.perf_counter() - started >= 0.25  # the idle sleep this bus removes


async def test_after_an_empty_fetch_the_next_fetch_starts_at_once() -> None:
    subscriber = _subscriber(5_000)
    _without_idle_sleep(subscriber)
    consumer = _EmptyThenRecords()
    started = time.perf_counter()
    assert await subscriber.get_msg(consumer) == ()
    assert await subscriber.get_msg(consumer) == ("record",)
    assert time.perf_counter() - started < 1.0
    assert subscriber.batch_timeout_ms == 5_000  # the state is the subscriber's own


async def test_the_swap_is_one_subclass_per_subscriber_class() -> None:
    first, second = _subscriber(100), _subscriber(100)
    base = type(first)
    _without_idle_sleep(first)
    _without_idle_sleep(second)
    assert type(first) is type(second)
    assert issubclass(type(first), base)
    await asyncio.sleep(0)
