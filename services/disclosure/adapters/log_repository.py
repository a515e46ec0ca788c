"""The transparency log in disclosure's own database: append-only leaves and node hashes.

Theory of operation (DIS-3). Collections:

* ``log_state`` holds one document, ``head``: the committed tree size, the frontier (the
  right edge's complete-subtree hashes, ``domain.transparency_log.Frontier``), leaves
  committed but not yet written out (``pending``), counts per record kind, and the
  outbox of ``disclosure.published`` events.
* ``log_leaves`` (``_id`` = zero-padded index): the record's leaf bytes (its canonical
  JSON, exactly as hashed), its leaf hash, its kind.
* ``log_nodes`` (``_id`` = ``<level>:<index>``): the hash of each complete subtree above
  the leaves, written once when its last leaf arrives and never changed. A level-1 node
  also carries its two leaf hashes (``leaves``), so an audit path — the leaf, its
  sibling and the nodes above — is one read of this collection, not one per collection
  (nodes written before carry none: their leaf hashes are read from ``log_leaves``).
* ``log_records`` (``_id`` = record id): where each record sits, so a record is
  appended once however often its event is delivered.

Appending commits to the head document only (one atomic write with optimistic
concurrency: the new size, frontier, pending leaves and their events), then writes the
pending leaves and nodes out with idempotent ``insert_many`` and clears ``pending``. A
crash in between leaves ``pending`` set; the next append, or the tree-head signer,
finishes it — the positions were fixed by the commit, so writing them twice writes the
same thing. Proofs and roots read only written-out nodes: O(log n) documents in two
``$in`` reads, never the whole tree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from contracts.envelope import Actor
from contracts.events import DisclosurePublished
from libs import aggregate
from libs.service import ServiceContext
from libs.store.port import Document, DocumentStore, DuplicateDocument, VersionConflict
from services.disclosure.domain import transparency_log as merkle
from services.disclosure.domain.public_record import PublicRecord, leaf_bytes
from services.disclosure.domain.transparency_log import Frontier, NodeId, Range

STATE = "log_state"
LEAVES = "log_leaves"
NODES = "log_nodes"
RECORDS = "log_records"
HEAD_ID = "head"
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
    return {"_id": HEAD_ID, "size": 0, "frontier": [], "pending": [], "counts": {}}


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
"""How many node hashes a reader keeps in memory (~30 MiB): enough for every node above
the lowest few levels of a million-leaf log, which nearly every proof shares."""


class LogReader:
    """Reads the written-out log: entries, roots and proofs, from the store alone.

    Hashes of written-out nodes never change (a complete subtree stays complete), so the
    reader keeps those it has read, up to ``cache_nodes``: the upper levels of the tree
    are on almost every audit path and stop costing a read. Filled in the order read, so
    the levels every proof shares are in it first; once full it only serves."""

    def __init__(self, store: DocumentStore, *, cache_nodes: int = CACHED_NODES) -> None:
        self._store = store
        self._cache: dict[NodeId, bytes] = {}
        self._cache_room = cache_nodes
        self._cache_size = cache_nodes
        self._cache_level = 1
        """Only nodes of this level and above are kept: the levels that fit whole."""

    def _plan_cache(self, size: int) -> None:
        """Keep the levels whose nodes all fit in the cache for a tree of ``size``
        leaves (level L and above hold about ``size / 2**(L-1)`` nodes)."""
        self._cache_level = max(1, (size // max(self._cache_size, 1)).bit_length() + 1)

    async def head(self) -> Document:
        return await self._store.get(STATE, HEAD_ID) or empty_head()

    async def size(self) -> int:
        """Leaves written out and provable (committed leaves still pending excluded)."""
        head = await self.head()
        return int(head["size"]) - len(head["pending"])

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

    async def hashes(self, wanted: Iterable[NodeId]) -> dict[NodeId, bytes]:
        """The stored hashes of ``wanted`` complete subtrees: two reads at most."""
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
        """The leaf hash of ``index`` and its audit path, read together (one pass)."""
        self._plan_cache(size)
        plan = merkle.inclusion_plan(index, size)
        leaf = NodeId(0, index)
        nodes = await self.hashes([leaf, *(n for parts in plan for n in parts)])
        return nodes[leaf], [merkle.fold_subtrees(parts, nodes) for parts in plan]

    async def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """The proof that the tree of ``second`` leaves extends that of ``first``."""
        return await self._range_hashes(merkle.consistency_ranges(first, second), second)


class StoredLog(LogReader):
    """The log of one region on the service's store: appends, and everything it reads."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx.store)
        self._ctx = ctx

    # -- appending --------------------------------------------------------------------

    async def append(self, records: Sequence[PublicRecord], *, actor: Actor) -> list[LogEntry]:
        """Append the records not yet in the log, in order; returns the new leaves. A
        record already appended (by id) is skipped: a redelivered event adds nothing."""
        await self.write_out()
        store = self._ctx.store

        async def attempt() -> list[LogEntry]:
            # The head is read before the record index: a record cleared from ``pending``
            # is already in ``log_records`` by then, so no appended record is missed.
            head_doc = await store.get(STATE, HEAD_ID)
            head = head_doc or empty_head()
            wanted = list({r.record_id: r for r in records}.values())
            done = {e["record_id"] for e in head["pending"]}
            known = await store.find(RECORDS, {"_id": {"$in": [r.record_id for r in wanted]}})
            done.update(d["_id"] for d in known)
            fresh = [r for r in wanted if r.record_id not in done]
            if not fresh:
                return []
            frontier = frontier_of(head)
            counts: dict[str, int] = dict(head.get("counts", {}))
            entries: list[LogEntry] = []
            pending: list[Document] = list(head["pending"])
            staged: list[aggregate.Staged] = []
            for record in fresh:
                body = record.as_json()
                data = leaf_bytes(body)
                leaf = merkle.leaf_hash(data)
                left = left_leaf_of(frontier)
                frontier, completed = merkle.append(frontier, leaf)
                entry = LogEntry(frontier.size - 1, record.record_id, record.kind, leaf, body)
                entries.append(entry)
                counts[record.kind] = counts.get(record.kind, 0) + 1
                written = node_docs(completed, left)
                nodes = {n["_id"]: n["hash"] for n in written}
                pairs = [n["leaves"] for n in written if "leaves" in n]
                pending.append(
                    {
                        **leaf_doc(entry, data),
                        "nodes": nodes,
                        **({"pair": pairs[0]} if pairs else {}),
                    }
                )
                published = DisclosurePublished(
                    record_id=record.record_id,
                    kind=record.kind,
                    title=record.title,
                    leaf_index=entry.index,
                    leaf_hash=leaf.hex(),
                )
                staged.append((record.record_id, published))
            new_head: Document = {
                "_id": HEAD_ID,
                "size": frontier.size,
                "frontier": [h.hex() for h in frontier.hashes],
                "pending": pending,
                "counts": counts,
            }
            # Another appender (or the relay) writing first makes the writer decide again.
            await aggregate.save(self._ctx, STATE, new_head, staged, actor=actor, previous=head_doc)
            return entries

        try:
            appended = await aggregate.retrying(
                attempt, on=aggregate.WRITE_CONFLICTS, attempts=ATTEMPTS
            )
        except DuplicateDocument:
            raise VersionConflict(STATE, HEAD_ID, -1) from None
        await self.write_out()
        return appended

    async def write_out(self) -> None:
        """Write committed leaves and nodes to their collections and clear ``pending``
        (idempotent: safe after a crash, safe to run twice)."""
        store = self._ctx.store

        async def attempt() -> None:
            head_doc = await store.get(STATE, HEAD_ID)
            if head_doc is None or not head_doc["pending"]:
                return
            pending: list[Document] = head_doc["pending"]
            entries = [entry_of(p) for p in pending]
            leaves = [{k: v for k, v in p.items() if k not in ("nodes", "pair")} for p in pending]
            await store.insert_many(LEAVES, leaves)
            await store.insert_many(
                NODES,
                [
                    {
                        "_id": k,
                        "hash": h,
                        **({"leaves": p["pair"]} if k[:2] == "1:" and "pair" in p else {}),
                    }
                    for p in pending
                    for k, h in p["nodes"].items()
                ],
            )
            await store.insert_many(RECORDS, [record_index_doc(e) for e in entries])
            cleared = aggregate.without_outbox(head_doc)  # the store keeps pending events
            cleared["pending"] = []
            await store.replace(STATE, cleared, head_doc["_version"])

        await aggregate.retrying(attempt, attempts=ATTEMPTS)
