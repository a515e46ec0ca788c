"""The transparency log at a million leaves (DIS-3): appends, proofs generated and verified.

The log is built through its real append path: ``StoredLog.append`` in batches of
``BATCH`` records, as disclosure's consumer appends a run of public events, on the
SQLite store. Each batch commits to the head, writes its leaves, tiles, record index and
events out, and its ``disclosure.published`` events are then read and cleared from the
outbox with the store calls the outbox relay makes (``with_outbox``, then
``clear_outbox``; publishing itself, the bus's cost, is not measured). Then random
inclusion and consistency proofs are generated from the stored tiles by a fresh reader
(as the HTTP endpoints do), warmed first at every size (``LogReader.warm``: its tiles
read into memory, timed apart), and verified as ``pdo verify`` does.

``LAST`` keeps what the figures do not carry: CPU seconds per append and per proof
(``time.process_time``), the process's peak RSS after the build, and the tiles read and
milliseconds spent warming the reader.
"""

from __future__ import annotations

import asyncio
import random
import resource
import tempfile
import time
from pathlib import Path

from bench.harness import Result, percentiles
from contracts.envelope import SYSTEM_ACTOR
from libs.clock import SystemClock
from libs.service import ServiceContext
from libs.store.sqlite import SqliteDocumentStore
from services.disclosure.adapters.log_repository import STATE, LogReader, StoredLog
from services.disclosure.domain import transparency_log as merkle
from services.disclosure.domain.public_record import PublicRecord
from tests.support.stores import store_context

BATCH = 500
"""Records per append: the embedded bus's and the Kafka subscriber's batch size."""

LAST: dict[str, float] = {}


def _record(index: int) -> PublicRecord:
    return PublicRecord(
        record_id=f"bench-{index:09d}",
        kind="resource",
        title=f"资源进入运营目录 370300R{index:09d}",
        region="370300",
        published_at="2026-03-01T09:00:00+00:00",
        event_type="resource.published",
        subject=f"res-{index}",
        content={"action": "published", "registration_code": f"370300R{index:09d}"},
    )


def context(store: SqliteDocumentStore) -> ServiceContext:
    """Disclosure's context with only what appending uses: the store and the clock."""
    return store_context(store, "disclosure", SystemClock())


async def relay(store: SqliteDocumentStore) -> None:
    """The outbox relay's store calls (publishing, the bus's cost, left out): read the
    documents holding events, then clear each one's."""
    for doc in await store.with_outbox(STATE, 200):
        await store.clear_outbox(STATE, doc["_id"], [e["event_id"] for e in doc["_outbox"]])


async def build(store: SqliteDocumentStore, n: int, batch: int = BATCH) -> tuple[Result, bytes]:
    """Append ``n`` records through ``StoredLog.append``; returns the measure and the root."""
    stored = StoredLog(context(store))
    latencies: list[float] = []
    cpu = time.process_time()
    start = time.perf_counter()
    for first in range(0, n, batch):
        records = [_record(i) for i in range(first, min(first + batch, n))]
        t0 = time.perf_counter()
        added = await stored.append(records, actor=SYSTEM_ACTOR)
        await relay(store)
        latencies.append(time.perf_counter() - t0)
        if len(added) != len(records):
            raise RuntimeError(f"batch at {first}: {len(added)} of {len(records)} appended")
    elapsed = time.perf_counter() - start
    LAST["append_cpu_us"] = (time.process_time() - cpu) / n * 1e6
    LAST["rss_after_build_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    p50, p99 = percentiles(latencies)
    measure = Result(f"log append: {n:,} leaves, {batch} per append", n, elapsed, p50, p99)
    return measure, await stored.root(n)


async def run(n: int = 1_000_000, samples: int = 20_000) -> list[Result]:
    rng = random.Random(6962)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="pdo-bench-log-") as tmp:
        store = SqliteDocumentStore(Path(tmp) / "disclosure.sqlite")
        built, root = await build(store, n)
        results.append(built)
        log = LogReader(store)  # a fresh reader: nothing in memory yet
        if await log.root(n) != root:
            raise RuntimeError("the stored tiles disagree with the appender's root")
        # Warmed the same way at every size (``LogReader.warm``: all tiles that fit), so
        # the figures compare proof work, not how many cold tile reads a sample hits.
        t0 = time.perf_counter()
        LAST["warm_tiles"] = await log.warm(n)
        LAST["warm_ms"] = (time.perf_counter() - t0) * 1e3

        indexes = [rng.randrange(n) for _ in range(samples)]
        proofs: list[tuple[int, bytes, list[bytes]]] = []
        latencies: list[float] = []
        cpu = time.process_time()
        start = time.perf_counter()
        for index in indexes:
            t0 = time.perf_counter()
            leaf, path = await log.leaf_and_inclusion_proof(index, n)
            proofs.append((index, leaf, path))
            latencies.append(time.perf_counter() - t0)
        LAST["inclusion_cpu_us"] = (time.process_time() - cpu) / samples * 1e6
        results.append(_result("inclusion proof: generate (leaf + path)", latencies, start))

        latencies = []
        start = time.perf_counter()
        for index, leaf, path in proofs:
            t0 = time.perf_counter()
            merkle.verify_inclusion(index, n, leaf, path, root)
            latencies.append(time.perf_counter() - t0)
        results.append(_result("inclusion proof: verify", latencies, start))

        firsts = [rng.randrange(1, n) for _ in range(samples // 4)]
        old_roots = {f: await log.root(f) for f in firsts}
        consistency: list[tuple[int, list[bytes]]] = []
        latencies = []
        start = time.perf_counter()
        for first in firsts:
            t0 = time.perf_counter()
            consistency.append((first, await log.consistency_proof(first, n)))
            latencies.append(time.perf_counter() - t0)
        results.append(_result("consistency proof: generate", latencies, start))

        latencies = []
        start = time.perf_counter()
        for first, path in consistency:
            t0 = time.perf_counter()
            merkle.verify_consistency(first, n, old_roots[first], root, path)
            latencies.append(time.perf_counter() - t0)
        results.append(_result("consistency proof: verify", latencies, start))
        LAST["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        await store.close()
    return results


def _result(name: str, latencies: list[float], start: float) -> Result:
    p50, p99 = percentiles(latencies)
    return Result(name, len(latencies), time.perf_counter() - start, p50, p99)


if __name__ == "__main__":
    for row in asyncio.run(run()):
        print(row.row())
    print({k: round(v, 1) for k, v in LAST.items()})
