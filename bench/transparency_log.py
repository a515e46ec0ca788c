"""The transparency log at a million leaves (DIS-3): proofs generated and verified per second.

The log is built in disclosure's own store layout (``services.disclosure.adapters.log_repository``)
the way a bulk load would: leaves hashed and appended to the frontier in memory, the
leaf and node documents written with ``insert_many`` in large batches, the head last.
Then random inclusion and consistency proofs are generated from the stored nodes
(O(log n) reads each, as the HTTP endpoints do) and verified as ``pdo verify`` does.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path

from bench.harness import Result, percentiles
from libs.store.port import Document
from libs.store.sqlite import SqliteDocumentStore
from services.disclosure.adapters.log_repository import (
    HEAD_ID,
    LEAVES,
    NODES,
    RECORDS,
    STATE,
    LogEntry,
    LogReader,
    leaf_doc,
    left_leaf_of,
    node_docs,
    record_index_doc,
)
from services.disclosure.domain import transparency_log as merkle
from services.disclosure.domain.public_record import leaf_bytes

BATCH = 50_000


def _record(index: int) -> dict[str, object]:
    return {
        "format": "pdo-disclosure-record/1",
        "record_id": f"bench-{index:09d}",
        "kind": "resource",
        "title": f"资源进入运营目录 370300R{index:09d}",
        "region": "370300",
        "published_at": "2026-03-01T09:00:00+00:00",
        "event_type": "resource.published",
        "subject": f"res-{index}",
        "content": {"action": "published", "registration_code": f"370300R{index:09d}"},
    }


async def build(store: SqliteDocumentStore, n: int) -> tuple[Result, bytes]:
    """Append ``n`` records into the store; returns the build measure and the root."""
    frontier = merkle.Frontier(0)
    start = time.perf_counter()
    leaves: list[Document] = []
    nodes: list[Document] = []
    records: list[Document] = []

    async def flush() -> None:
        await store.insert_many(LEAVES, leaves)
        await store.insert_many(NODES, nodes)
        await store.insert_many(RECORDS, records)
        leaves.clear()
        nodes.clear()
        records.clear()

    for index in range(n):
        body = _record(index)
        data = leaf_bytes(body)
        leaf = merkle.leaf_hash(data)
        left = left_leaf_of(frontier)
        frontier, completed = merkle.append(frontier, leaf)
        entry = LogEntry(index, str(body["record_id"]), "resource", leaf, body)
        leaves.append(leaf_doc(entry, data))
        nodes.extend(node_docs(completed, left))
        records.append(record_index_doc(entry))
        if len(leaves) >= BATCH:
            await flush()
    await flush()
    await store.insert(
        STATE,
        {
            "_id": HEAD_ID,
            "size": n,
            "frontier": [h.hex() for h in frontier.hashes],
            "pending": [],
            "counts": {"resource": n},
        },
    )
    elapsed = time.perf_counter() - start
    measure = Result(f"log build: {n:,} leaves appended + stored", n, elapsed, 0.0, 0.0)
    return measure, frontier.root()


async def run(n: int = 1_000_000, samples: int = 20_000) -> list[Result]:
    rng = random.Random(6962)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="pdo-bench-log-") as tmp:
        store = SqliteDocumentStore(Path(tmp) / "disclosure.sqlite")
        built, root = await build(store, n)
        results.append(built)
        log = LogReader(store)
        assert await log.root(n) == root, "the stored nodes disagree with the frontier"

        indexes = [rng.randrange(n) for _ in range(samples)]
        proofs: list[tuple[int, bytes, list[bytes]]] = []
        latencies: list[float] = []
        start = time.perf_counter()
        for index in indexes:
            t0 = time.perf_counter()
            leaf, path = await log.leaf_and_inclusion_proof(index, n)
            proofs.append((index, leaf, path))
            latencies.append(time.perf_counter() - t0)
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
        await store.close()
    return results


def _result(name: str, latencies: list[float], start: float) -> Result:
    p50, p99 = percentiles(latencies)
    return Result(name, len(latencies), time.perf_counter() - start, p50, p99)


if __name__ == "__main__":
    for row in asyncio.run(run()):
        print(row.row())
