"""The embedded bus stores records without headers without the JSON encoder and hands
them back as empty dicts; records with headers keep every header."""

from __future__ import annotations

import asyncio
from pathlib import Path

from libs.bus.embedded import EmbeddedBus
from libs.bus.port import Message


async def test_records_with_and_without_headers_come_back_as_published(tmp_path: Path) -> None:
    bus = EmbeddedBus(tmp_path / "bus.sqlite")
    got: list[Message] = []
    done = asyncio.Event()

    async def handler(batch: list[Message]) -> None:
        got.extend(batch)
        if len(got) >= 3:
            done.set()

    bus.subscribe(["t"], "g", handler)
    await bus.start()
    await bus.publish_many(
        [
            Message("t", "a", b"1"),
            Message("t", "b", b"2", {"traceparent": "00-abc-def-01", "x": "{}"}),
            Message("t", "c", b"3", {}),
        ]
    )
    await asyncio.wait_for(done.wait(), timeout=10)
    await bus.stop()
    assert [(m.key, m.headers) for m in got] == [
        ("a", {}),
        ("b", {"traceparent": "00-abc-def-01", "x": "{}"}),
        ("c", {}),
    ]
    got[0].headers["mutated"] = "yes"  # each record has its own dict
    assert got[2].headers == {}
