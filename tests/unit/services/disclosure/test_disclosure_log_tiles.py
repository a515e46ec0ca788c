"""The transparency log's tiles (DIS-3): the pure tile arithmetic against the recursive
definition, and the tile layout's contract on SQLite (``tests.support.log_tiles``; the
same contract runs on the MongoDB-wire server in ``tests/integration``)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from libs.store.port import DocumentStore
from libs.store.sqlite import SqliteDocumentStore
from services.disclosure.domain import transparency_log as merkle
from services.disclosure.domain.transparency_log import NodeId, TileId
from tests.support.log_tiles import TileLogContract


def _tiled(hashes: list[bytes], batches: list[int]) -> dict[TileId, list[bytes]]:
    tiles: dict[TileId, list[bytes]] = {}
    edge: dict[int, list[bytes]] = {}
    first = 0
    for batch in batches:
        added = b"".join(hashes[first : first + batch])
        for tile, rows in merkle.tiles_after(first, added, edge):
            if tile in tiles:  # a tile is only ever widened, its hashes kept
                width = len(tiles[tile][0]) // merkle.HASH_SIZE
                assert merkle.truncated(rows, width) == tiles[tile]
            tiles[tile] = rows
            edge[tile.stratum] = rows
        first += batch
    return tiles


def test_DIS_3_every_complete_subtree_hash_is_in_its_tile() -> None:
    draw = random.Random(256)
    size = 70_000  # three strata: levels 0-7, 8-15, 16
    hashes = [merkle.leaf_hash(str(i).encode()) for i in range(size)]
    batches: list[int] = []
    while sum(batches) < size:
        batches.append(min(draw.choice([1, 2, 255, 256, 257, 999, 5000]), size - sum(batches)))
    tiles = _tiled(hashes, batches)
    for level in range(17):
        count = size >> level
        for index in {0, count - 1, *(draw.randrange(count) for _ in range(40))}:
            tile, row, position, width = merkle.tile_of(NodeId(level, index))
            rows = tiles[tile]
            assert len(rows[0]) >= width * merkle.HASH_SIZE
            found = rows[row][position * 32 : position * 32 + 32]
            assert found == merkle.root_hash(hashes[index << level : (index + 1) << level])
    assert tiles[TileId(2, 0)][0] == b"".join(
        merkle.root_hash(hashes[i << 16 : (i + 1) << 16]) for i in range(size >> 16)
    )


def test_DIS_3_a_partial_tile_needs_its_rows_at_hand() -> None:
    hashes = b"".join(merkle.leaf_hash(bytes([i])) for i in range(3))
    with pytest.raises(ValueError, match="partial tile 0/0"):
        merkle.tiles_after(2, hashes[64:], {})


def test_DIS_3_the_frontier_extended_is_the_frontier_appended() -> None:
    frontier = merkle.Frontier(0)
    for i in range(1000):
        leaf = merkle.leaf_hash(str(i).encode())
        extended = merkle.extended(frontier, leaf)
        frontier, _ = merkle.append(frontier, leaf)
        assert extended == frontier


class TestSqliteTileLog(TileLogContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[DocumentStore]:
        sqlite_store = SqliteDocumentStore(tmp_path / "disclosure.sqlite")
        yield sqlite_store
        await sqlite_store.close()
