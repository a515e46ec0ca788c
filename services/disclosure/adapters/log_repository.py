"""The transparency log in disclosure's own database: append-only leaves and hash tiles.

Theory of operation (DIS-3). Collections:

* ``log_state`` holds one document, ``head``: the committed tree size, the frontier (the
  right edge's complete-subtree hashes, ``domain.transparency_log.Frontier``), leaves
  committed but not yet written out (``pending``), counts per record kind, the storage
  ``layout`` and ``events_from``: the first leaf whose ``disclosure.published`` event is
  staged by the write-out (a head written before kept the events of its leaves in its
  own outbox; ``events_from`` is then its size, so those are not staged twice).
  ``log_state/events/<first>`` (``EVENTS_PREFIX``, zero-padded first index): the
  ``disclosure.published`` events of leaves ``first`` to ``end`` (exclusive) in the
  document's outbox, one document per run written out; the outbox relay publishes and
  clears them, the small document stays (``end`` tells a later write-out where the
  next run's events start).
* ``log_leaves`` (``_id`` = zero-padded index): the record's leaf bytes (its canonical
  JSON, exactly as hashed), its leaf hash, its kind. Served by the entries endpoints.
* ``log_tiles`` (``_id`` = ``<stratum>/<index>``): the tree's hashes in tiles, after
  C2SP tlog-tiles (瓦片): a tile of stratum ``T`` starts from up to 256 consecutive
  hashes of tree level ``8*T`` and holds the 8 levels of complete nodes above them (a
  pyramid of at most 510 hashes, ``domain.transparency_log.tile_rows``), so a proof
  reads hashes and never rehashes a subtree. A full tile never changes; the partial tile
  at the right edge of each stratum is rewritten wider as leaves arrive (never
  narrower: its hashes are a prefix of the wider tile's). An append of a batch writes a
  few tiles; a proof reads at most two tiles per stratum (three strata at a million
  leaves), and the reader keeps tiles in memory.
* ``log_records`` (``_id`` = record id): where each record sits, so a record is
  appended once however often its event is delivered.
* ``log_nodes`` (``_id`` = ``<level>:<index>``): the layout before tiles, one document
  per complete subtree. Nothing writes it any more; a log stored that way is tiled from
  its leaves before its first write (``StoredLog.migrate``, run by ``write_out``: at
  start-up, the tree-head signer's first pass), and until then the reader serves
  proofs from these nodes.

Appending commits to the head document only (one atomic write with optimistic
concurrency: the new size, frontier and pending leaves), then writes the pending
leaves, tiles, record index and the run's events out with idempotent ``insert_many`` (a
partial tile by a versioned replace, only ever wider) and, last, raises the *written-out mark*
(``log_state/written``: the size written out, a tiny document that only ever grows).
The head is written once per append: its ``pending`` is not cleared after the write-out,
the next commit drops the entries below the mark (``written_size``). A crash before the
mark leaves it behind the head; the next append carries the unwritten entries into its
own commit and writes them out, or the tree-head signer does — the positions were fixed
by the commit, so writing them twice writes the same thing. The events of a run are
staged by its write-out, not in the head: the head stays small (it is read and written
once per append) and no event is published for a leaf before it is committed. An events
document found written already (a write-out cut after it, or run concurrently) is read
for its ``end``, and only the events after it are staged, in a document of their own.
"""

from __future__ import annotations

import binascii
import contextlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from contracts.envelope import SYSTEM_ACTOR, Actor
from contracts.events import DisclosurePublished
from libs import aggregate
from libs.service import ServiceContext
from libs.store.port import Document, DocumentStore, DuplicateDocument, VersionConflict
from services.disclosure.domain import transparency_log as merkle
from services.disclosure.domain.public_record import PublicRecord, leaf_bytes
from services.disclosure.domain.transparency_log import (
    HASH_SIZE,
    TILE_HEIGHT,
    Frontier,
    NodeId,
    Range,
    TileId,
)

STATE = "log_state"
LEAVES = "log_leaves"
NODES = "log_nodes"
RECORDS = "log_records"
TILES = "log_tiles"
HEAD_ID = "head"
EVENTS_PREFIX = "events/"
"""``log_state/events/<first leaf>``: a run's ``disclosure.published`` events."""
EVENTS_FROM = "events_from"
WRITTEN_ID = "written"
"""``log_state/written``: ``size``, the leaves written out (leaves, tiles, record index)."""
LAYOUT = "layout"
TILED = "tiles/1"
"""The head's ``layout`` once every written-out leaf is in ``log_tiles``."""
MIGRATION_BATCH = 8192
"""Leaves read per step while tiling a log stored in the node layout."""
ATTEMPTS = 20


class LogCorrupted(RuntimeError):
    """A node the log must hold is missing: the store was damaged or edited by hand."""


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One leaf: its position, its hash and the record it commits to."""

    index: int
    record_id: str
    kind: str
    leaf_hash: bytes
    record: dict[str, Any]


def leaf_id(index: int) -> str:
    return f"{index:012d}"


def node_doc_id(node: NodeId) -> str:
    return node.key


def empty_head() -> Document:
    return {
        "_id": HEAD_ID,
        "size": 0,
        "frontier": [],
        "pending": [],
        "counts": {},
        LAYOUT: TILED,
        EVENTS_FROM: 0,
    }


def events_from(head: Document) -> int:
    """The first leaf whose event the write-out stages: a head that does not say so was
    written when the events rode in the head's own outbox, staged with the commit of
    every leaf it holds."""
    value = head.get(EVENTS_FROM)
    return int(head["size"]) if value is None else int(value)


def events_doc_id(first: int) -> str:
    return f"{EVENTS_PREFIX}{first:012d}"


def published_of(leaf: Document) -> DisclosurePublished:
    """The ``disclosure.published`` event of a leaf document (its title from the record
    the leaf holds)."""
    record = json.loads(leaf["leaf"])
    return DisclosurePublished(
        record_id=str(leaf["record_id"]),
        kind=str(leaf["kind"]),
        title=str(record["title"]),
        leaf_index=int(leaf["index"]),
        leaf_hash=str(leaf["leaf_hash"]),
    )


_PENDING_ENCODER = msgspec.json.Encoder()
_PENDING_DECODER = msgspec.json.Decoder()


def pending_entry(leaf: Document) -> str:
    """A committed leaf as the head keeps it until written out: its document as one JSON
    string, so the head's write neither walks nor rebuilds it field by field."""
    return _PENDING_ENCODER.encode(leaf).decode("utf-8")


def pending_leaves(head: Document) -> list[Document]:
    """The head's committed leaves not yet written out, as leaf documents (a head written
    before kept them as documents, with their nodes: those fields are dropped)."""
    leaves: list[Document] = []
    for p in head["pending"]:
        leaf = _PENDING_DECODER.decode(p) if isinstance(p, str) else p
        if "nodes" in leaf or "pair" in leaf:
            leaf = {k: v for k, v in leaf.items() if k not in ("nodes", "pair")}
        leaves.append(leaf)
    return leaves


def written_size(head: Document, mark: Document | None) -> int:
    """How many leaves are written out: the written-out mark, or (a head whose ``pending``
    was cleared by the write-out, as before the mark) the size less the pending; both
    only ever under-count, so the larger is the answer."""
    cleared = int(head["size"]) - len(head["pending"])
    return max(cleared, int(mark["size"])) if mark is not None else cleared


def unwritten(head: Document, written: int) -> list[Any]:
    """The head's pending entries at ``written`` and after, as stored (the pending
    entries are the last leaves, in order: no entry needs decoding to be placed)."""
    pending: list[Any] = head["pending"]
    first = int(head["size"]) - len(pending)
    return pending[max(0, written - first) :]


def tile_doc_id(tile: TileId) -> str:
    return f"{tile.stratum}/{tile.index:09d}"


def tile_doc(tile: TileId, rows: Sequence[bytes]) -> Document:
    """A tile as stored: its width (bottom hashes) and its rows, concatenated, base64
    (a string: both stores keep it as is)."""
    return {
        "_id": tile_doc_id(tile),
        "width": len(rows[0]) // HASH_SIZE,
        "rows": binascii.b2a_base64(b"".join(rows), newline=False).decode("ascii"),
    }


def tile_rows_of(doc: Document) -> list[bytes]:
    """The rows of a stored tile (row ``k`` holds ``width >> k`` hashes)."""
    width = int(doc["width"])
    blob = binascii.a2b_base64(doc["rows"])
    rows: list[bytes] = []
    offset = 0
    for row in range(TILE_HEIGHT):
        end = offset + (width >> row) * HASH_SIZE
        rows.append(blob[offset:end])
        offset = end
    if offset != len(blob):
        raise LogCorrupted(f"tile {doc.get('_id')} holds {len(blob)} bytes, not {offset}")
    return rows


def tile_id_of(doc_id: str) -> TileId:
    stratum, index = doc_id.split("/")
    return TileId(int(stratum), int(index))


def frontier_of(head: Document) -> Frontier:
    return Frontier(int(head["size"]), tuple(bytes.fromhex(h) for h in head["frontier"]))


def leaf_doc(entry: LogEntry, leaf: bytes | None = None) -> Document:
    """The stored leaf keeps the exact bytes that were hashed (the record's canonical
    JSON), so what is served is what is in the tree, whatever the database does to
    nested documents."""
    data = leaf if leaf is not None else leaf_bytes(entry.record)
    return {
        "_id": leaf_id(entry.index),
        "index": entry.index,
        "record_id": entry.record_id,
        "kind": entry.kind,
        "leaf_hash": entry.leaf_hash.hex(),
        "leaf": data.decode("utf-8"),
    }


def entry_of(doc: Document) -> LogEntry:
    record = json.loads(doc["leaf"])
    if not isinstance(record, dict):
        raise ValueError(f"leaf {doc.get('_id')} does not hold a record")
    return LogEntry(
        index=int(doc["index"]),
        record_id=str(doc["record_id"]),
        kind=str(doc["kind"]),
        leaf_hash=bytes.fromhex(doc["leaf_hash"]),
        record=record,
    )


def node_docs(
    completed: Iterable[tuple[NodeId, bytes]], left_leaf: bytes | None = None
) -> list[Document]:
    """Documents of completed nodes above the leaves (level-0 hashes live in the leaves).
    ``left_leaf``: the hash of the leaf left of the appended one, when the append closes
    a level-1 node: that node's document then carries both leaf hashes."""
    docs: list[Document] = []
    right: bytes | None = None
    for n, h in completed:
        if n.level == 0:
            right = h
            continue
        doc: Document = {"_id": node_doc_id(n), "hash": h.hex()}
        if n.level == 1 and left_leaf is not None and right is not None:
            doc["leaves"] = [left_leaf.hex(), right.hex()]
        docs.append(doc)
    return docs


def left_leaf_of(frontier: Frontier) -> bytes | None:
    """The leaf waiting for a right sibling on the frontier (the tree size is odd)."""
    return frontier.hashes[-1] if frontier.size & 1 else None


def record_index_doc(entry: LogEntry) -> Document:
    return {"_id": entry.record_id, "index": entry.index, "kind": entry.kind}


CACHED_NODES = 1 << 17
"""How many node hashes a reader keeps in memory from a log still in the node layout
(~30 MiB): enough for every node above the lowest few levels of a million-leaf log."""

CACHED_TILES = 4096
"""How many bottom-stratum tiles a reader keeps in memory (16 KiB each, 64 MiB: every
tile of a million-leaf log): a tile never changes once full, so any of them may be
kept. Tiles of higher strata (one per 65,536 leaves) are all kept."""


CACHED_EDGES = 4096
"""How many right-edge range hashes a reader keeps (about 40 per tree size)."""


class LogReader:
    """Reads the written-out log: entries, roots and proofs, from the store alone.

    Hashes come from tiles (``log_tiles``): a proof needs at most two tiles per stratum,
    and the reader keeps the tiles it has read. A full tile never changes and a partial
    one only grows (its hashes stay), so a kept tile serves every node it holds; a node
    beyond a kept partial tile's width is read again. A log written before tiles (no
    tile holds the node) is read from its node documents (``log_nodes``), whose hashes
    are kept up to ``cache_nodes``, upper levels first."""

    def __init__(
        self,
        store: DocumentStore,
        *,
        cache_nodes: int = CACHED_NODES,
        cache_tiles: int = CACHED_TILES,
    ) -> None:
        self._store = store
        self._cache: dict[NodeId, bytes] = {}
        self._cache_room = cache_nodes
        self._cache_size = cache_nodes
        self._cache_level = 1
        """Only nodes of this level and above are kept: the levels that fit whole."""
        self._tiles: dict[TileId, list[bytes]] = {}
        """Bottom-stratum tiles, oldest read first (dropped first when full)."""
        self._upper_tiles: dict[TileId, list[bytes]] = {}
        self._tile_room = cache_tiles
        self._edges: dict[tuple[int, int], bytes] = {}
        """Hashes of right-edge ranges (``range_hash``)."""

    def _plan_cache(self, size: int) -> None:
        """Keep the levels whose nodes all fit in the cache for a tree of ``size``
        leaves (level L and above hold about ``size / 2**(L-1)`` nodes)."""
        self._cache_level = max(1, (size // max(self._cache_size, 1)).bit_length() + 1)

    async def head(self) -> Document:
        return await self._store.get(STATE, HEAD_ID) or empty_head()

    async def size(self) -> int:
        """Leaves written out and provable (committed leaves still pending excluded)."""
        head = await self.head()
        return written_size(head, await self._store.get(STATE, WRITTEN_ID))

    async def counts(self) -> dict[str, int]:
        return dict((await self.head()).get("counts", {}))

    async def entry(self, index: int) -> LogEntry | None:
        doc = await self._store.get(LEAVES, leaf_id(index))
        return None if doc is None else entry_of(doc)

    async def entry_by_record(self, record_id: str) -> LogEntry | None:
        doc = await self._store.get(RECORDS, record_id)
        return None if doc is None else await self.entry(int(doc["index"]))

    async def entries(self, *, kind: str | None, offset: int, limit: int) -> list[LogEntry]:
        where = {"kind": kind} if kind else None
        docs = await self._store.find(LEAVES, where, sort=[("_id", 1)], skip=offset, limit=limit)
        return [entry_of(d) for d in docs]

    # -- tiles ------------------------------------------------------------------------

    def _kept_tile(self, tile: TileId) -> list[bytes] | None:
        return (self._upper_tiles if tile.stratum else self._tiles).get(tile)

    def keep_tile(self, tile: TileId, rows: list[bytes]) -> None:
        """Keep ``rows`` of ``tile`` (read, or just written) unless a wider copy is kept."""
        kept = self._tiles if tile.stratum == 0 else self._upper_tiles
        known = kept.get(tile)
        if known is not None:
            if len(known[0]) < len(rows[0]):
                kept[tile] = rows
            return
        if tile.stratum == 0:
            if self._tile_room <= 0:
                if not kept:
                    return
                del kept[next(iter(kept))]  # the oldest read
            else:
                self._tile_room -= 1
        kept[tile] = rows

    async def warm(self, size: int) -> int:
        """Read the tiles of the tree of ``size`` leaves into memory ahead of proofs:
        every tile of the upper strata, then bottom tiles while the cache has room.
        Returns how many tiles were read. Proofs are then served from memory, so their
        cost depends on the tree's height only, not on which tiles were read before."""
        upper: dict[TileId, int] = {}
        bottom: dict[TileId, int] = {}
        stratum, count = 0, size
        while count:
            into = bottom if stratum == 0 else upper
            for index in range(0, count, merkle.TILE_WIDTH):
                tile = TileId(stratum, index >> TILE_HEIGHT)
                width = min(merkle.TILE_WIDTH, count - index)
                rows = self._kept_tile(tile)
                if rows is None or len(rows[0]) < width * HASH_SIZE:
                    into[tile] = width
            stratum, count = stratum + 1, count >> TILE_HEIGHT
        room = max(self._tile_room, 0)
        wanted = {**upper, **dict(list(bottom.items())[:room])}
        await self.tiles(wanted)
        return len(wanted)

    async def tiles(self, wanted: Mapping[TileId, int]) -> dict[TileId, list[bytes]]:
        """The rows of each wanted tile at least as wide as asked (bottom hashes), from
        memory or one read; a tile not stored that wide is left out."""
        found: dict[TileId, list[bytes]] = {}
        missing: list[str] = []
        for tile, width in wanted.items():
            rows = self._kept_tile(tile)
            if rows is not None and len(rows[0]) >= width * HASH_SIZE:
                found[tile] = rows
            else:
                missing.append(tile_doc_id(tile))
        if not missing:
            return found
        # Point reads, not ``$in``: a MongoDB-wire stand-in scans the collection for it.
        docs = [await self._store.get(TILES, doc_id) for doc_id in missing]
        for doc in filter(None, docs):
            tile = tile_id_of(doc["_id"])
            rows = tile_rows_of(doc)
            self.keep_tile(tile, rows)
            if len(rows[0]) >= wanted[tile] * HASH_SIZE:
                found[tile] = rows
        return found

    async def hashes(self, wanted: Iterable[NodeId]) -> dict[NodeId, bytes]:
        """The stored hashes of ``wanted`` complete subtrees: from tiles (at most two per
        stratum, most of them in memory), else from the node layout."""
        places: list[tuple[NodeId, TileId, int, int]] = []
        widths: dict[TileId, int] = {}
        tile_of = merkle.tile_of
        for node in wanted:
            tile, row, position, width = tile_of(node)
            places.append((node, tile, row, position))
            if width > widths.get(tile, 0):
                widths[tile] = width
        rows_of = await self.tiles(widths)
        found: dict[NodeId, bytes] = {}
        untiled: list[NodeId] = []
        for node, tile, row, position in places:
            rows = rows_of.get(tile)
            if rows is None:
                untiled.append(node)
            else:
                offset = position * HASH_SIZE
                found[node] = rows[row][offset : offset + HASH_SIZE]
        if untiled:
            found.update(await self._node_hashes(untiled))
        return found

    # -- the node layout (before tiles) ---------------------------------------------

    async def _node_hashes(self, wanted: Iterable[NodeId]) -> dict[NodeId, bytes]:
        """Hashes from node documents (a log not yet tiled): two reads at most."""
        nodes = set(wanted)
        cache = self._cache
        found: dict[NodeId, bytes] = {n: cache[n] for n in nodes if n in cache}
        if len(found) == len(nodes):
            return found
        leaves = {n for n in nodes if n.level == 0 and n not in found}
        upper = {n for n in nodes if n.level > 0 and n not in found}
        # a leaf's hash and its sibling's come with their level-1 parent
        upper_ids = [node_doc_id(n) for n in upper | {NodeId(1, n.index >> 1) for n in leaves}]
        read: dict[NodeId, bytes] = {}
        for doc in await self._store.find(NODES, {"_id": {"$in": upper_ids}}):
            level, index = (int(part) for part in doc["_id"].split(":"))
            node = NodeId(level, index)
            if node in upper:
                read[node] = bytes.fromhex(doc["hash"])
            pair = doc.get("leaves")
            if level == 1 and pair:
                for child in (NodeId(0, 2 * index), NodeId(0, 2 * index + 1)):
                    if child in leaves:
                        read[child] = bytes.fromhex(pair[child.index & 1])
        leaf_ids = [leaf_id(n.index) for n in leaves if n not in read]
        if leaf_ids:  # the right edge's last leaf, or nodes written before pairs were kept
            for doc in await self._store.find(LEAVES, {"_id": {"$in": leaf_ids}}):
                read[NodeId(0, int(doc["index"]))] = bytes.fromhex(doc["leaf_hash"])
        found.update(read)
        missing = nodes - found.keys()
        if missing:
            raise LogCorrupted(f"the log lacks {len(missing)} stored nodes, e.g. {min(missing)}")
        if self._cache_room > 0:
            kept = [(n, h) for n, h in read.items() if n.level >= self._cache_level]
            cache.update(kept[: self._cache_room])
            self._cache_room -= min(len(kept), self._cache_room)
        return found

    # -- roots and proofs -------------------------------------------------------------

    async def _range_hashes(self, ranges: list[Range], size: int) -> list[bytes]:
        self._plan_cache(size)
        plan = [merkle.subtrees(r.start, r.end) for r in ranges]
        nodes = await self.hashes(n for parts in plan for n in parts)
        return [merkle.fold_subtrees(parts, nodes) for parts in plan]

    async def root(self, size: int) -> bytes:
        """MTH of the first ``size`` leaves, from at most log2(size) stored nodes."""
        return merkle.root_from_nodes(size, await self.hashes(merkle.root_nodes(size)))

    async def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of ``size`` leaves (RFC 9162)."""
        return (await self.leaf_and_inclusion_proof(index, size))[1]

    async def leaf_and_inclusion_proof(self, index: int, size: int) -> tuple[bytes, list[bytes]]:
        """The leaf hash of ``index`` and its audit path (RFC 9162 §2.1.3), read together.

        The path is walked level by level with bit arithmetic: at level ``l`` the sibling
        of the leaf's ancestor is node ``(index >> l) ^ 1``; all of a stratum's siblings
        lie in one tile, the tile above the leaf (``index >> 8*(T+1)``), so a proof
        needs one tile per stratum. A sibling cut by the right edge is the hash of its
        complete subtrees (``subtrees``), folded."""
        if not 0 <= index < size:
            raise merkle.ProofError(f"leaf index {index} is not inside a tree of size {size}")
        self._plan_cache(size)
        height = (size - 1).bit_length()
        wanted: dict[TileId, int] = {}
        above: list[int] = []
        for stratum in range(max(1, (height + TILE_HEIGHT - 1) // TILE_HEIGHT)):
            tile = index >> (TILE_HEIGHT * (stratum + 1))
            above.append(tile)
            width = min(
                merkle.TILE_WIDTH, (size >> (TILE_HEIGHT * stratum)) - (tile << TILE_HEIGHT)
            )
            if width > 0:
                wanted[TileId(stratum, tile)] = width
        found = await self.tiles(wanted)
        if len(found) != len(wanted):  # a log not tiled yet: its node documents
            return await self._planned_inclusion(index, size)
        rows_of = [found.get(TileId(stratum, tile)) for stratum, tile in enumerate(above)]
        bottom = rows_of[0]
        if bottom is None:
            raise LogCorrupted(f"the log lacks the tile of leaf {index}")
        leaf = bottom[0][(index & 0xFF) * HASH_SIZE : ((index & 0xFF) + 1) * HASH_SIZE]
        path: list[bytes] = []
        for level in range(height):
            sibling = (index >> level) ^ 1
            start = sibling << level
            if start >= size:
                continue
            if start + (1 << level) > size:  # cut by the right edge
                path.append(await self.range_hash(start, size))
                continue
            row = level & 7
            rows = rows_of[level >> 3]
            if rows is None:
                raise LogCorrupted(f"the log lacks a tile above leaf {index}")
            offset = (sibling - (above[level >> 3] << (TILE_HEIGHT - row))) * HASH_SIZE
            path.append(rows[row][offset : offset + HASH_SIZE])
        return leaf, path

    async def range_hash(self, start: int, end: int) -> bytes:
        """MTH of leaves ``[start, end)`` (an aligned range: a right edge in a proof).
        Kept: the leaves of a range never change, and every proof at one tree size
        shares its right edges."""
        key = (start, end)
        known = self._edges.get(key)
        if known is None:
            parts = merkle.subtrees(start, end)
            known = merkle.fold_subtrees(parts, await self.hashes(parts))
            if len(self._edges) >= CACHED_EDGES:
                self._edges.clear()
            self._edges[key] = known
        return known

    async def _planned_inclusion(self, index: int, size: int) -> tuple[bytes, list[bytes]]:
        """The same proof from the planned nodes, wherever they are stored."""
        plan = merkle.inclusion_plan(index, size)
        leaf = NodeId(0, index)
        nodes = await self.hashes([leaf, *(n for parts in plan for n in parts)])
        return nodes[leaf], [merkle.fold_subtrees(parts, nodes) for parts in plan]

    async def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """The proof that the tree of ``second`` leaves extends that of ``first``."""
        return await self._range_hashes(merkle.consistency_ranges(first, second), second)


@dataclass(frozen=True, slots=True)
class _Commit:
    """A committed head and what of it is to be written out: the leaf documents from
    index ``first`` on (in order), and the written-out mark as read before the commit;
    ``events``: the events of the leaves from ``events_from`` on (in order), ``None``
    when they are to be built from the leaves; ``actor``: who staged them."""

    head: Document
    first: int
    leaves: list[Document]
    mark: Document | None
    events: list[DisclosurePublished] | None = None
    actor: Actor = SYSTEM_ACTOR


class StoredLog(LogReader):
    """The log of one region on the service's store: appends, and everything it reads."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx.store)
        self._ctx = ctx
        self._committed: _Commit | None = None
        """What this process last committed, until written out."""
        self._written_tiles: dict[str, tuple[int, int]] = {}
        """Partial tiles this process wrote: their stored version and width."""
        self._head: Document | None = None
        """The head as this process last wrote it (the store's answer to the write): the
        next append decides on it without reading the head again. If anyone wrote the
        head since, the write at its version is refused and the head is read."""

    # -- appending --------------------------------------------------------------------

    async def append(self, records: Sequence[PublicRecord], *, actor: Actor) -> list[LogEntry]:
        """Append the records not yet in the log, in order; returns the new leaves. A
        record already appended (by id) is skipped: a redelivered event adds nothing.
        Entries committed before but not written out (a crash) are carried into this
        commit and written out with it."""
        store = self._ctx.store
        committed: list[_Commit] = []

        async def attempt() -> list[LogEntry]:
            # The head is read before the mark and the record index: an entry dropped
            # from ``pending`` is below the mark, and in ``log_records``, by then.
            head_doc, self._head = self._head, None  # only the first attempt trusts it
            if head_doc is None:
                head_doc = await store.get(STATE, HEAD_ID)
            head = head_doc or empty_head()
            mark = await store.get(STATE, WRITTEN_ID)
            written = written_size(head, mark)
            carried = unwritten(head, written)
            carried_docs = pending_leaves({"pending": carried}) if carried else []
            wanted = list({r.record_id: r for r in records}.values())
            done = {e["record_id"] for e in carried_docs}
            known = await store.find(RECORDS, {"_id": {"$in": [r.record_id for r in wanted]}})
            done.update(d["_id"] for d in known)
            fresh = [r for r in wanted if r.record_id not in done]
            if not fresh:
                return []
            frontier = frontier_of(head)
            counts: dict[str, int] = dict(head.get("counts", {}))
            entries: list[LogEntry] = []
            pending: list[Any] = list(carried)
            docs: list[Document] = carried_docs
            since = events_from(head)
            published_all = [published_of(d) for d in carried_docs if d["index"] >= since]
            leaf_hash = merkle.leaf_hash
            extended = merkle.extended
            encode = _PENDING_ENCODER.encode
            for record in fresh:
                body = record.as_json()
                data = leaf_bytes(body)
                leaf = leaf_hash(data)
                frontier = extended(frontier, leaf)
                index = frontier.size - 1
                hex_hash = leaf.hex()
                entries.append(LogEntry(index, record.record_id, record.kind, leaf, body))
                counts[record.kind] = counts.get(record.kind, 0) + 1
                doc: Document = {
                    "_id": leaf_id(index),
                    "index": index,
                    "record_id": record.record_id,
                    "kind": record.kind,
                    "leaf_hash": hex_hash,
                    "leaf": data.decode("utf-8"),
                }
                docs.append(doc)
                pending.append(encode(doc).decode("utf-8"))  # pending_entry(leaf_doc(...))
                published = DisclosurePublished(
                    record_id=record.record_id,
                    kind=record.kind,
                    title=record.title,
                    leaf_index=index,
                    leaf_hash=hex_hash,
                )
                published_all.append(published)
            new_head: Document = {
                "_id": HEAD_ID,
                "size": frontier.size,
                "frontier": [h.hex() for h in frontier.hashes],
                "pending": pending,
                "counts": counts,
                LAYOUT: head.get(LAYOUT),
                EVENTS_FROM: since,
            }
            # Another appender (or the relay, clearing events a head written before still
            # holds) writing first makes the writer decide again.
            saved = await aggregate.save(
                self._ctx, STATE, new_head, [], actor=actor, previous=head_doc
            )
            self._head = saved
            first = frontier.size - len(docs)
            committed[:] = [_Commit(saved, first, docs, mark, published_all, actor)]
            return entries

        try:
            appended = await aggregate.retrying(
                attempt, on=aggregate.WRITE_CONFLICTS, attempts=ATTEMPTS
            )
        except DuplicateDocument:
            raise VersionConflict(STATE, HEAD_ID, -1) from None
        if committed and appended:
            self._committed = committed[0]
        await self.write_out()
        return appended

    async def write_out(self) -> None:
        """Write committed leaves, tiles and record index out, then raise the written-out
        mark (idempotent: safe after a crash, safe to run twice, safe concurrently).
        What this process committed last is written from memory, without reading the
        head again; otherwise the head and the mark are read."""
        store = self._ctx.store
        commit = self._committed
        self._committed = None
        if commit is None or commit.head.get(LAYOUT) != TILED:
            head = await store.get(STATE, HEAD_ID)
            if head is None:
                return
            if head.get(LAYOUT) != TILED:
                await self.migrate()
                head = await store.get(STATE, HEAD_ID)
                if head is None:
                    return
            mark = await store.get(STATE, WRITTEN_ID)
            first = written_size(head, mark)
            commit = _Commit(head, first, pending_leaves({"pending": unwritten(head, first)}), mark)
        size = int(commit.head["size"])
        if commit.first >= size:
            return
        leaves = commit.leaves
        added = b"".join(bytes.fromhex(p["leaf_hash"]) for p in leaves)
        await store.insert_many(LEAVES, leaves)
        await self._write_tiles(commit.first, added)
        await store.insert_many(
            RECORDS,
            [{"_id": p["record_id"], "index": p["index"], "kind": p["kind"]} for p in leaves],
        )
        await self._stage_events(commit, size)
        await self._raise_mark(size, commit.mark)

    async def _stage_events(self, commit: _Commit, size: int) -> None:
        """Stage the ``disclosure.published`` events of the leaves ``commit`` writes out
        (those from the head's ``events_from``) in ``log_state/events/<first>``. A
        document found there already (a write-out cut after writing it, or one running
        concurrently) holds the events up to its ``end``: the events after it go into a
        document of their own, so each event is staged once."""
        store = self._ctx.store
        since = events_from(commit.head)
        start = max(commit.first, since)
        events = commit.events
        if events is None:
            events = [published_of(d) for d in commit.leaves if d["index"] >= since]
        offset = start  # the index of events[0]
        while start < size:
            doc: Document = {"_id": events_doc_id(start), "first": start, "end": size}
            run = [(e.record_id, e) for e in events[start - offset :]]
            if await aggregate.insert_events(self._ctx, STATE, doc, run, actor=commit.actor):
                return
            found = await store.get(STATE, events_doc_id(start))
            if found is None:  # documents are never deleted
                raise LogCorrupted(f"the events of leaf {start} vanished while written")
            start = max(start + 1, int(found["end"]))

    async def _raise_mark(self, size: int, mark: Document | None) -> None:
        """Set the written-out mark to ``size`` unless it is there or further already (a
        concurrent writer got further); ``mark``: the mark as last read."""
        store = self._ctx.store
        for _ in range(ATTEMPTS):
            try:
                if mark is None:
                    await store.insert(STATE, {"_id": WRITTEN_ID, "size": size})
                elif int(mark["size"]) < size:
                    await store.replace(
                        STATE, {"_id": WRITTEN_ID, "size": size}, int(mark["_version"])
                    )
                return
            except aggregate.WRITE_CONFLICTS:
                mark = await store.get(STATE, WRITTEN_ID)
                if mark is not None and int(mark["size"]) >= size:
                    return
        raise VersionConflict(STATE, WRITTEN_ID, -1)

    async def _write_tiles(self, first: int, added: bytes) -> None:
        """Write the tiles that change when the leaf hashes ``added`` follow the first
        ``first`` leaves: new tiles inserted, the right edge's partial tiles widened."""
        edge_need: dict[TileId, int] = {}
        stratum, start = 0, first
        while start:
            if start & (merkle.TILE_WIDTH - 1):
                edge_need[TileId(stratum, start >> TILE_HEIGHT)] = start & (merkle.TILE_WIDTH - 1)
            stratum, start = stratum + 1, start >> TILE_HEIGHT
        edge_rows = await self.tiles(edge_need)
        if len(edge_rows) != len(edge_need):
            lost = sorted(set(edge_need) - edge_rows.keys())
            raise LogCorrupted(f"the log lacks the tile {tile_doc_id(lost[0])} at its edge")
        edge = {tile.stratum: rows for tile, rows in edge_rows.items()}
        changed = merkle.tiles_after(first, added, edge)
        await self._put_tiles(changed)
        for tile, rows in changed:
            self.keep_tile(tile, rows)

    async def _put_tiles(self, tiles: Sequence[tuple[TileId, list[bytes]]]) -> None:
        """Store tiles: new ones with one ``insert_many``; one stored narrower is
        replaced at its version (never by a narrower one: a concurrent writer that got
        further wins, its hashes extend ours). The right edge's partial tile, written
        by this process last, is replaced at the version it wrote, without reading it;
        if someone wrote it since, it is read and decided again."""
        store = self._ctx.store
        docs = [tile_doc(tile, rows) for tile, rows in tiles]
        by_id = {d["_id"]: d for d in docs}
        written = self._written_tiles
        fresh: list[Document] = []
        for doc in docs:
            known = written.pop(doc["_id"], None)
            if known is not None and known[1] < doc["width"]:
                with contextlib.suppress(VersionConflict):
                    saved = await store.replace(TILES, doc, known[0])
                    self._wrote(saved)
                    continue
            fresh.append(doc)
        if not fresh:
            return
        if await store.insert_many(TILES, fresh) == len(fresh):
            for doc in fresh:
                self._wrote({**doc, "_version": 1})
            return

        async def widen() -> None:
            for doc in fresh:
                stored = await store.get(TILES, doc["_id"])
                if stored is None:
                    continue
                if int(stored["width"]) < int(by_id[stored["_id"]]["width"]):
                    stored = await store.replace(TILES, doc, int(stored["_version"]))
                self._wrote(stored)

        await aggregate.retrying(widen, attempts=ATTEMPTS)

    def _wrote(self, doc: Document) -> None:
        """Remember a partial tile's stored version and width (full ones never change)."""
        width = int(doc["width"])
        if width < merkle.TILE_WIDTH:
            if len(self._written_tiles) >= CACHED_EDGES:
                self._written_tiles.clear()
            self._written_tiles[str(doc["_id"])] = (int(doc["_version"]), width)

    # -- the node layout, tiled ---------------------------------------------------------

    async def migrate(self, *, batch: int = MIGRATION_BATCH) -> int:
        """Tile a log stored in the node layout from its written-out leaves' hashes and
        mark the head tiled; returns how many leaves were tiled (0 when the log was
        tiled already). Idempotent and safe to run concurrently (tiles only widen). Run by
        ``write_out`` before anything else is written to such a log, so at start-up by the
        tree-head signer's first pass (``commands.tree_heads``), in the background."""
        store = self._ctx.store
        head = await store.get(STATE, HEAD_ID)
        if head is None or head.get(LAYOUT) == TILED:
            return 0
        written = written_size(head, await store.get(STATE, WRITTEN_ID))
        edge: dict[int, list[bytes]] = {}
        for start in range(0, written, batch):
            ids = [leaf_id(i) for i in range(start, min(start + batch, written))]
            docs = await store.find(LEAVES, {"_id": {"$in": ids}}, sort=[("_id", 1)])
            if len(docs) != len(ids):
                raise LogCorrupted(f"the log lacks leaves between {ids[0]} and {ids[-1]}")
            added = b"".join(bytes.fromhex(d["leaf_hash"]) for d in docs)
            changed = merkle.tiles_after(start, added, edge)
            await self._put_tiles(changed)
            for tile, rows in changed:
                edge[tile.stratum] = rows
        await self._mark_tiled()
        return written

    async def _mark_tiled(self) -> None:
        store = self._ctx.store

        async def attempt() -> None:
            head = await store.get(STATE, HEAD_ID)
            if head is None or head.get(LAYOUT) == TILED:
                return
            marked = aggregate.without_outbox(head)
            marked[LAYOUT] = TILED
            await store.replace(STATE, marked, int(head["_version"]))

        await aggregate.retrying(attempt, attempts=ATTEMPTS)
