"""The log reader's fast paths give the proofs the plain definitions give (DIS-3): the
audit path planned with bit arithmetic, leaf hashes read with their level-1 parent,
written-out nodes kept in memory, and logs written before pairs were kept."""

from __future__ import annotations

import random
from pathlib import Path

from libs.store.sqlite import SqliteDocumentStore
from services.disclosure.adapters.log_repository import (
    LEAVES,
    NODES,
    LogEntry,
    LogReader,
    leaf_doc,
    left_leaf_of,
    node_docs,
)
from services.disclosure.domain import transparency_log as merkle
from services.disclosure.domain.transparency_log import NodeId


def test_DIS_3_the_planned_audit_path_is_the_subtrees_of_the_rfc_ranges() -> None:
    draw = random.Random(9162)
    sizes = [*range(1, 130), *(draw.randrange(130, 5_000_000) for _ in range(200))]
    for size in sizes:
        indexes = (
            range(size) if size < 130 else {0, size - 1, *(draw.randrange(size) for _ in range(20))}
        )
        for index in indexes:
            want = [merkle.subtrees(r.start, r.end) for r in merkle.inclusion_ranges(index, size)]
            assert merkle.inclusion_plan(index, size) == want, (index, size)


def test_DIS_3_a_level_one_node_carries_its_two_leaf_hashes() -> None:
    left, right = merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")
    frontier, _ = merkle.append(merkle.Frontier(0), left)
    assert left_leaf_of(frontier) == left
    _, completed = merkle.append(frontier, right)
    (doc,) = node_docs(completed, left_leaf_of(frontier))
    assert doc["_id"] == "1:0"
    assert doc["leaves"] == [left.hex(), right.hex()]
    assert doc["hash"] == merkle.node_hash(left, right).hex()


async def _log(
    tmp_path: Path, size: int, *, pairs: bool
) -> tuple[SqliteDocumentStore, list[bytes]]:
    store = SqliteDocumentStore(tmp_path / f"log-{pairs}.sqlite")
    frontier = merkle.Frontier(0)
    hashes: list[bytes] = []
    leaves, nodes = [], []
    for index in range(size):
        data = f"record {index}".encode()
        leaf = merkle.leaf_hash(data)
        hashes.append(leaf)
        left = left_leaf_of(frontier) if pairs else None
        frontier, completed = merkle.append(frontier, leaf)
        leaves.append(leaf_doc(LogEntry(index, f"r{index}", "resource", leaf, {}), data))
        nodes.extend(node_docs(completed, left))
    await store.insert_many(LEAVES, leaves)
    await store.insert_many(NODES, nodes)
    return store, hashes


async def test_DIS_3_proofs_verify_with_pairs_without_pairs_and_from_the_cache(
    tmp_path: Path,
) -> None:
    size = 1000
    for pairs in (True, False):  # a log written before level-1 nodes carried their leaves
        store, hashes = await _log(tmp_path, size, pairs=pairs)
        root = merkle.root_hash(hashes)
        reader = LogReader(store, cache_nodes=64)
        for _ in range(2):  # the second round is served partly from the cache
            for index in (*range(0, size, 7), size - 1):
                leaf, path = await reader.leaf_and_inclusion_proof(index, size)
                assert leaf == hashes[index]
                merkle.verify_inclusion(index, size, leaf, path, root)
            for first in (1, 2, 3, 500, 511, 512, 999):
                proof = await reader.consistency_proof(first, size)
                merkle.verify_consistency(
                    first, size, merkle.root_hash(hashes[:first]), root, proof
                )
        await store.close()


async def test_DIS_3_the_reader_keeps_only_the_upper_levels_that_fit(tmp_path: Path) -> None:
    store, hashes = await _log(tmp_path, 1024, pairs=True)
    reader = LogReader(store, cache_nodes=64)
    for index in range(0, 1024, 3):
        await reader.leaf_and_inclusion_proof(index, 1024)
    kept = reader._cache  # the cache's contents are what is tested
    assert 0 < len(kept) <= 64
    # 1024 / 64 = 16 leaves per kept node at most: levels 6 and up (31 nodes), none lower
    assert min(node.level for node in kept) == 6
    assert kept[NodeId(9, 1)] == merkle.root_hash(hashes[512:])
    await store.close()
