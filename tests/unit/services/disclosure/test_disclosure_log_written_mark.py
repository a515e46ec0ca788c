"""The transparency log's write-out (DIS-3): the head is written once per append, a
written-out mark follows the leaves, tiles and record index, and a run cut between any
two of those writes leaves a log that the next append or the tree-head signer finishes,
at the positions committed. A reader can be warmed to serve proofs from memory."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import pytest

from contracts.envelope import SYSTEM_ACTOR
from libs.store.port import Document, DocumentStore
from libs.store.sqlite import SqliteDocumentStore
from services.disclosure.adapters.log_repository import (
    HEAD_ID,
    LEAVES,
    RECORDS,
    STATE,
    TILES,
    WRITTEN_ID,
    LogReader,
    StoredLog,
)
from tests.support.log_tiles import CountingStore, check_log, context, leaf_hashes, record


class Cut(Exception):
    """The process 'dies' here."""


class CutStore(CountingStore):
    """A store whose process dies at the first write to ``collection`` (after ``after``
    such writes), and which counts writes to the head."""

    def __init__(self, inner: DocumentStore, collection: str | None, after: int = 0) -> None:
        super().__init__(inner)
        self.cut_at = collection
        self.after = after
        self.head_writes = 0

    def _write(self, collection: str, doc_id: str | None = None) -> None:
        if doc_id == HEAD_ID:
            self.head_writes += 1
        if collection == self.cut_at:
            if self.after == 0:
                raise Cut(collection)
            self.after -= 1

    async def insert(self, collection: str, doc: Document) -> Document:
        self._write(collection, doc["_id"])
        return await self._inner.insert(collection, doc)

    async def insert_many(self, collection: str, docs: Sequence[Document]) -> int:
        self._write(collection)
        return await self._inner.insert_many(collection, docs)

    async def replace(self, collection: str, doc: Document, expected_version: int) -> Document:
        self._write(collection, doc["_id"])
        return await self._inner.replace(collection, doc, expected_version)


def _log(store: DocumentStore) -> StoredLog:
    return StoredLog(context(store))


async def test_DIS_3_the_head_is_written_once_per_append(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "d.sqlite")
    counting = CutStore(store, None)
    stored = _log(cast(DocumentStore, counting))
    for first in range(0, 1500, 300):
        await stored.append([record(i) for i in range(first, first + 300)], actor=SYSTEM_ACTOR)
    assert counting.head_writes == 5  # one commit each; pending is not cleared by a write
    mark = await store.get(STATE, WRITTEN_ID)
    assert mark is not None and mark["size"] == 1500
    head = await store.get(STATE, HEAD_ID)
    assert head is not None and len(head["pending"]) == 300  # the last run, written out
    assert await stored.size() == 1500
    await check_log(LogReader(store), leaf_hashes(1500), 1500, random.Random(5))
    await store.close()


@pytest.mark.parametrize(
    ("collection", "after"),
    [
        (LEAVES, 0),  # committed, nothing written out
        (TILES, 0),  # leaves written, no tile
        (TILES, 1),  # the bottom tiles written, not the stratum above
        (RECORDS, 0),  # leaves and tiles written, not the record index
        (STATE, 0),  # everything written but the mark
    ],
)
@pytest.mark.parametrize("finisher", ["append", "signer"])
async def test_DIS_3_a_run_cut_between_writes_is_finished_at_its_positions(
    tmp_path: Path, collection: str, after: int, finisher: str
) -> None:
    store = SqliteDocumentStore(tmp_path / "d.sqlite")
    hashes = leaf_hashes(1100)
    await _log(store).append([record(i) for i in range(700)], actor=SYSTEM_ACTOR)
    # The next run commits (the head) and dies at the chosen write of its write-out.
    dying = CutStore(store, None)
    stored = _log(cast(DocumentStore, dying))
    original = dying._write

    def cut_after_commit(name: str, doc_id: str | None = None) -> None:
        original(name, doc_id)
        if doc_id == HEAD_ID:
            dying.cut_at, dying.after = collection, after

    dying._write = cut_after_commit  # type: ignore[method-assign]
    with pytest.raises(Cut):
        await stored.append([record(i) for i in range(700, 1000)], actor=SYSTEM_ACTOR)
    head = await store.get(STATE, HEAD_ID)
    assert head is not None and head["size"] == 1000
    reader = LogReader(store)
    assert await reader.size() == 700  # the cut run is not provable yet
    await check_log(reader, hashes, 700, random.Random(1))

    restarted = _log(store)
    if finisher == "append":
        again = await restarted.append(
            [record(i) for i in range(650, 1100)], actor=SYSTEM_ACTOR
        )  # a redelivery overlapping both runs, and new records
        assert [e.index for e in again] == list(range(1000, 1100))
        size = 1100
    else:
        await restarted.write_out()  # the tree-head signer's pass
        size = 1000
    assert await restarted.size() == size
    entries = [await restarted.entry(i) for i in range(size)]
    assert [e.record_id for e in entries if e] == [record(i).record_id for i in range(size)]
    assert [e.leaf_hash for e in entries if e] == hashes[:size]
    for i in (0, 699, 700, 999):
        found = await restarted.entry_by_record(record(i).record_id)
        assert found is not None and found.index == i
    await check_log(LogReader(store), hashes, size, random.Random(2))
    assert await restarted.append([record(800)], actor=SYSTEM_ACTOR) == []  # appended once
    await store.close()


async def test_DIS_3_an_appender_carries_another_processes_unwritten_run(tmp_path: Path) -> None:
    """A run committed by a process that died before writing anything out is written out
    by whichever process appends next, in the same commit as its own run."""
    store = SqliteDocumentStore(tmp_path / "d.sqlite")
    dying = CutStore(store, LEAVES)
    with pytest.raises(Cut):
        await _log(cast(DocumentStore, dying)).append(
            [record(i) for i in range(5)], actor=SYSTEM_ACTOR
        )
    other = CutStore(store, None)
    added = await _log(cast(DocumentStore, other)).append(
        [record(i) for i in range(3, 9)], actor=SYSTEM_ACTOR
    )
    assert [e.index for e in added] == [5, 6, 7, 8]
    assert other.head_writes == 1
    head = await store.get(STATE, HEAD_ID)
    assert head is not None and len(head["pending"]) == 9  # carried, then written out
    await check_log(LogReader(store), leaf_hashes(9), 9, random.Random(3))
    await store.close()


async def test_DIS_3_a_warmed_reader_serves_proofs_without_reading(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "d.sqlite")
    size = 70_000  # three strata: 274 bottom tiles, 2 above them, 1 above those
    hashes = leaf_hashes(size)
    await _log(store).append([record(i) for i in range(size)], actor=SYSTEM_ACTOR)
    counting = CountingStore(store)
    reader = LogReader(cast(DocumentStore, counting))
    assert await reader.warm(size) == 274 + 2 + 1
    assert counting.reads == {TILES: 277}
    await check_log(reader, hashes, size, random.Random(4))
    assert counting.reads == {TILES: 277}  # every proof from memory
    assert await reader.warm(size) == 0
    small = LogReader(cast(DocumentStore, CountingStore(store)), cache_tiles=10)
    assert await small.warm(size) == 10 + 2 + 1  # the upper strata, bottom tiles that fit
    await store.close()


class HeadReads(CountingStore):
    """Counts the reads of the head document."""

    def __init__(self, inner: DocumentStore) -> None:
        super().__init__(inner)
        self.head_reads = 0

    async def get(self, collection: str, doc_id: str) -> Document | None:
        self.head_reads += collection == STATE and doc_id == HEAD_ID
        return await super().get(collection, doc_id)


async def test_DIS_3_an_appender_decides_on_the_head_it_wrote_unless_another_wrote_since(
    tmp_path: Path,
) -> None:
    store = SqliteDocumentStore(tmp_path / "d.sqlite")
    one, other = HeadReads(store), HeadReads(store)
    first, second = _log(cast(DocumentStore, one)), _log(cast(DocumentStore, other))
    await first.append([record(i) for i in range(0, 100)], actor=SYSTEM_ACTOR)
    await first.append([record(i) for i in range(100, 200)], actor=SYSTEM_ACTOR)
    assert one.head_reads == 1  # the second append decided on the head it had written
    await second.append([record(i) for i in range(150, 300)], actor=SYSTEM_ACTOR)
    # ``first`` holds the head at 200 leaves: its write is refused, it reads and decides again.
    added = await first.append([record(i) for i in range(250, 400)], actor=SYSTEM_ACTOR)
    assert [e.index for e in added] == list(range(300, 400))
    assert one.head_reads == 2
    assert await first.size() == 400
    entries = [await first.entry(i) for i in range(400)]
    assert [e.record_id for e in entries if e] == [record(i).record_id for i in range(400)]
    await check_log(LogReader(store), leaf_hashes(400), 400, random.Random(6))
    await store.close()
