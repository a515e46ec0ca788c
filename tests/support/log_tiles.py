"""The transparency log's tile layout held to one contract on every store (DIS-3):
``TileLogContract`` runs on SQLite (``tests/unit``) and on the MongoDB-wire server
(``tests/integration``). A subclass gives the ``store`` fixture."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from typing import Any, cast

from contracts.envelope import SYSTEM_ACTOR, decode
from contracts.events import DisclosurePublished
from libs.clock import SystemClock
from libs.outbox import to_message
from libs.service import ServiceContext
from libs.store.port import Document, DocumentStore
from services.disclosure.adapters.log_repository import (
    HEAD_ID,
    LAYOUT,
    LEAVES,
    NODES,
    RECORDS,
    STATE,
    TILED,
    TILES,
    LogEntry,
    LogReader,
    StoredLog,
    empty_head,
    leaf_doc,
    left_leaf_of,
    node_docs,
    record_index_doc,
    tile_doc_id,
    tile_rows_of,
)
from services.disclosure.domain import transparency_log as merkle
from services.disclosure.domain.public_record import PublicRecord, leaf_bytes
from tests.support.stores import store_context


def context(store: DocumentStore) -> ServiceContext:
    """Disclosure's context with what the log uses: the store and the clock."""
    return store_context(store, "disclosure", SystemClock())


def record(n: int) -> PublicRecord:
    return PublicRecord(
        record_id=f"rec-{n:06d}",
        kind="resource" if n % 3 else "authorization",
        title=f"资源 {n}",
        region="370300",
        published_at="2026-03-01T09:00:00+00:00",
        event_type="resource.published",
        subject=f"res-{n}",
        content={"n": n},
    )


def leaf_hashes(n: int) -> list[bytes]:
    return [merkle.leaf_hash(leaf_bytes(record(i).as_json())) for i in range(n)]


async def check_log(reader: LogReader, hashes: list[bytes], size: int, draw: random.Random) -> None:
    """Roots, inclusion and consistency proofs at ``size`` verify against the recursive
    definition over ``hashes`` (RFC 9162), for the edges and a sample of leaves."""
    root = merkle.root_hash(hashes[:size])
    assert await reader.root(size) == root
    indexes = {0, size - 1, size // 2, *(draw.randrange(size) for _ in range(12))}
    for index in sorted(indexes):
        leaf, path = await reader.leaf_and_inclusion_proof(index, size)
        assert leaf == hashes[index]
        merkle.verify_inclusion(index, size, leaf, path, root)
    for first in sorted({1, size, draw.randrange(1, size + 1), (size + 1) // 2}):
        proof = await reader.consistency_proof(first, size)
        merkle.verify_consistency(first, size, merkle.root_hash(hashes[:first]), root, proof)


class CountingStore:
    """A store that counts what is read, by collection."""

    def __init__(self, inner: DocumentStore) -> None:
        self._inner = inner
        self.reads: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def get(self, collection: str, doc_id: str) -> Document | None:
        self.reads[collection] = self.reads.get(collection, 0) + 1
        return await self._inner.get(collection, doc_id)

    async def find(self, collection: str, where: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        self.reads[collection] = self.reads.get(collection, 0) + 1
        return await self._inner.find(collection, where, **kw)


async def node_layout(store: DocumentStore, n: int, pending: int = 0) -> list[bytes]:
    """A log of ``n`` leaves as the code before tiles stored it: leaf, node and record
    documents and a head without ``layout``; the last ``pending`` leaves committed to the
    head but not written out, as that code kept them (each with its nodes)."""
    frontier = merkle.Frontier(0)
    leaves: list[Document] = []
    nodes: list[Document] = []
    records: list[Document] = []
    hashes: list[bytes] = []
    for i in range(n):
        body = record(i).as_json()
        data = leaf_bytes(body)
        leaf = merkle.leaf_hash(data)
        hashes.append(leaf)
        left = left_leaf_of(frontier)
        frontier, completed = merkle.append(frontier, leaf)
        entry = LogEntry(i, record(i).record_id, record(i).kind, leaf, body)
        leaves.append(leaf_doc(entry, data))
        nodes.extend(node_docs(completed, left))
        records.append(record_index_doc(entry))
        if i >= n - pending:
            written = node_docs(completed, left)
            pairs = [d["leaves"] for d in written if "leaves" in d]
            leaves[-1]["nodes"] = {d["_id"]: d["hash"] for d in written}
            if pairs:
                leaves[-1]["pair"] = pairs[0]
            records.pop()
    kept = n - pending
    await store.insert_many(LEAVES, leaves[:kept])
    await store.insert_many(NODES, [d for d in nodes if d["_id"] in _below(kept)])
    await store.insert_many(RECORDS, records)
    head = empty_head()
    del head[LAYOUT]
    head.update(
        size=n,
        frontier=[h.hex() for h in frontier.hashes],
        counts={"resource": n},
        pending=leaves[kept:],
    )
    await store.insert(STATE, head)
    return hashes


def _below(size: int) -> set[str]:
    """Ids of the nodes complete within the first ``size`` leaves."""
    return {
        f"{level}:{index}"
        for level in range(1, max(size, 1).bit_length() + 1)
        for index in range(size >> level)
    }


class TileLogContract:
    async def test_DIS_3_appends_in_batches_give_rfc_9162_proofs_from_tiles(
        self, store: DocumentStore
    ) -> None:
        draw = random.Random(6962)
        stored = StoredLog(context(store))
        batches = [1, 1, 2, 60, 192, 1, 255, 256, 257, 300, 700, 1, 3]
        hashes = leaf_hashes(sum(batches))
        size = 0
        for batch in batches:
            added = await stored.append(
                [record(i) for i in range(size, size + batch)], actor=SYSTEM_ACTOR
            )
            assert [e.index for e in added] == list(range(size, size + batch))
            size += batch
            assert await stored.size() == size
            await check_log(stored, hashes, size, draw)
            await check_log(LogReader(store), hashes, size, draw)  # nothing in memory
        # Proofs at every earlier size, from tiles written wider since.
        fresh = LogReader(store, cache_tiles=1)
        for earlier in (1, 2, 3, 255, 256, 257, 513, 1024, 2000):
            await check_log(fresh, hashes, earlier, draw)
        # A full tile holds 510 hashes; the right edge's partial tile only its width.
        full = await store.get(TILES, "0/000000000")
        assert full is not None and full["width"] == 256
        edge = await store.get(TILES, f"0/{(size - 1) // 256:09d}")
        assert edge is not None and edge["width"] == size % 256
        upper = await store.get(TILES, "1/000000000")
        assert upper is not None and upper["width"] == size // 256
        assert await store.count(NODES) == 0  # nothing is written in the node layout
        assert await store.count(TILES) == (size + 255) // 256 + 1

    async def test_DIS_3_a_proof_reads_at_most_two_tiles_per_stratum(
        self, store: DocumentStore
    ) -> None:
        stored = StoredLog(context(store))
        size = 3000
        await stored.append([record(i) for i in range(size)], actor=SYSTEM_ACTOR)
        hashes = leaf_hashes(size)
        root = merkle.root_hash(hashes)
        for index in (0, 1234, 2999):
            counting = CountingStore(store)
            reader = LogReader(cast(DocumentStore, counting))
            leaf, path = await reader.leaf_and_inclusion_proof(index, size)
            merkle.verify_inclusion(index, size, leaf, path, root)
            # Strata 0 and 1: the leaf's tile in each, and for a leaf left of the right
            # edge the edge's own stratum-0 tile (its range's lower subtrees).
            want = 3 if index < 2816 else 2
            assert counting.reads == {TILES: want}, counting.reads
            await reader.leaf_and_inclusion_proof(index, size)
            assert counting.reads == {TILES: want}  # the second time from memory

    async def test_DIS_3_concurrent_appenders_only_ever_widen_a_tile(
        self, store: DocumentStore
    ) -> None:
        """Five appenders on one store (as replicas would be) race for the head; whoever
        writes a tile out, no tile ends narrower than its leaves, every proof verifies."""
        logs = [StoredLog(context(store)) for _ in range(5)]
        await asyncio.gather(
            *(
                log.append([record(i) for i in range(k * 100, k * 100 + 100)], actor=SYSTEM_ACTOR)
                for k, log in enumerate(logs)
            )
        )
        for log in logs:
            await log.write_out()
        size = await logs[0].size()
        assert size == 500
        stored_leaves = [await logs[0].entry(i) for i in range(size)]
        hashes = [e.leaf_hash for e in stored_leaves if e is not None]
        assert sorted(e.record_id for e in stored_leaves if e) == [
            record(i).record_id for i in range(size)
        ]
        draw = random.Random(1)
        await check_log(LogReader(store), hashes, size, draw)
        edge = await store.get(TILES, "0/000000001")
        assert edge is not None and edge["width"] == size - 256

    async def test_DIS_3_a_log_in_the_node_layout_serves_proofs_and_is_tiled(
        self, store: DocumentStore
    ) -> None:
        """Migration: a store written before tiles serves proofs from its node documents
        until it is tiled (by the first write-out: the signer's first pass at start-up,
        or the first append); then from tiles, and appends continue the same tree."""
        size = 700
        hashes = await node_layout(store, size)
        draw = random.Random(9162)
        await check_log(LogReader(store), hashes, size, draw)  # the node layout, read as is
        stored = StoredLog(context(store))
        await stored.write_out()  # the tree-head signer's first pass at start-up
        assert await stored.migrate() == 0  # tiled once
        head = await store.get(STATE, HEAD_ID)
        assert head is not None and head[LAYOUT] == TILED
        assert await store.count(TILES) == 3 + 1
        counting = CountingStore(store)
        await check_log(LogReader(cast(DocumentStore, counting)), hashes, size, draw)
        assert NODES not in counting.reads and LEAVES not in counting.reads  # tiles only
        more = leaf_hashes(size + 300)
        await stored.append([record(i) for i in range(size, size + 300)], actor=SYSTEM_ACTOR)
        await check_log(LogReader(store), more, size + 300, draw)
        assert await stored.append([record(0)], actor=SYSTEM_ACTOR) == []  # appended once

    async def test_DIS_3_the_first_write_to_a_node_layout_log_tiles_it(
        self, store: DocumentStore
    ) -> None:
        """An old head with leaves committed but not written out (kept with their nodes,
        as the code before tiles kept them): the first write tiles what was written out,
        then writes the pending leaves out at their committed positions, as tiles."""
        size = 300
        hashes = leaf_hashes(size + 5)
        await node_layout(store, size, pending=3)
        stored = StoredLog(context(store))
        assert await stored.size() == size - 3
        assert await stored.append([record(size - 1)], actor=SYSTEM_ACTOR) == []  # pending
        await stored.append([record(i) for i in range(size, size + 5)], actor=SYSTEM_ACTOR)
        head = await store.get(STATE, HEAD_ID)
        assert head is not None and head[LAYOUT] == TILED
        await check_log(LogReader(store), hashes, size + 5, random.Random(3))

    async def test_DIS_3_migration_tiles_the_node_layout_as_appends_would(
        self, store: DocumentStore
    ) -> None:
        size = 1000
        hashes = await node_layout(store, size)
        stored = StoredLog(context(store))
        assert await stored.migrate(batch=300) == size  # in steps across tile edges
        assert await stored.migrate() == 0
        want = dict(merkle.tiles_after(0, b"".join(hashes), {}))
        assert await store.count(TILES) == len(want)
        for tile, rows in want.items():
            doc = await store.get(TILES, tile_doc_id(tile))
            assert doc is not None and tile_rows_of(doc) == rows, tile

    async def test_DIS_3_a_runs_events_are_staged_beside_the_head_and_cleared(
        self, store: DocumentStore
    ) -> None:
        stored = StoredLog(context(store))
        await stored.append([record(i) for i in range(300)], actor=SYSTEM_ACTOR)
        await stored.append([record(i) for i in range(200, 450)], actor=SYSTEM_ACTOR)
        runs = await store.with_outbox(STATE, 0)
        assert [d["_id"] for d in runs] == ["events/000000000000", "events/000000000300"]
        published = [decode(to_message(e).value) for d in runs for e in d["_outbox"]]
        payloads = [e.payload for e in published]
        assert all(isinstance(p, DisclosurePublished) for p in payloads)
        assert [cast(DisclosurePublished, p).leaf_index for p in payloads] == list(range(450))
        assert [e.subject for e in published] == [record(i).record_id for i in range(450)]
        for doc in runs:
            await store.clear_outbox(STATE, doc["_id"], [e["event_id"] for e in doc["_outbox"]])
        assert await store.with_outbox(STATE, 0) == []
        head = await store.get(STATE, HEAD_ID)
        assert head is not None and head["_outbox"] == [] and head["size"] == 450
