"""Periodic background work: runs at start, repeats, survives failures, stops cleanly."""

from __future__ import annotations

import asyncio

from libs.periodic import Periodic
from libs.store.port import StoreUnavailable


async def test_runs_at_start_repeats_and_keeps_going_after_failures() -> None:
    calls: list[int] = []

    async def work() -> int:
        calls.append(len(calls))
        if len(calls) == 2:
            raise StoreUnavailable("database down")
        if len(calls) == 3:
            raise RuntimeError("a bug in one round")
        return len(calls)

    task = Periodic("test:work", work, interval=0.01)
    await task.start()
    await task.start()  # a second start does not start a second loop
    for _ in range(200):
        if len(calls) >= 5:
            break
        await asyncio.sleep(0.01)
    await task.stop()
    seen = len(calls)
    assert seen >= 5, "the loop went on after both failures"
    await asyncio.sleep(0.05)
    assert len(calls) == seen, "nothing runs after stop"
    await task.stop()  # stopping twice is harmless


async def test_the_first_round_happens_at_start_not_after_the_interval() -> None:
    ran = asyncio.Event()

    async def work() -> None:
        ran.set()

    task = Periodic("test:first", work, interval=3600)
    await task.start()
    try:
        await asyncio.wait_for(ran.wait(), timeout=2)
    finally:
        await task.stop()
