"""The transparency log in disclosure's own database: append-only leaves and node hashes.

Theory of operation (DIS-3). Collections:

* ``log_state`` holds one document, ``head``: the committed tree size, the frontier (the
  right edge's complete-subtree hashes, ``domain.transparency_log.Frontier``), leaves
  committed but not yet written out (``pending``), counts per record kind, and the
  outbox of ``disclosure.published`` events.
* ``log_leaves`` (``_id`` = zero-padded index): the record's leaf bytes (its canonical
  JSON, exactly as hashed), its leaf hash, its kind.
* ``log_nodes`` (``_id`` = ``<level>:<index>``): the hash of each complete subtree above
  the leaves, written once when its last leaf arrives and never changed.
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


def node_docs(completed: Iterable[tuple[NodeId, bytes]]) -> list[Document]:
    """Documents of completed nodes above the leaves (level-0 hashes live in the leaves)."""
    return [{"_id": node_doc_id(n), "hash": h.hex()} for n, h in completed if n.level > 0]


def record_index_doc(entry: LogEntry) -> Document:
    return {"_id": entry.record_id, "index": entry.index, "kind": entry.kind}


class LogReader:
    """Reads the written-out log: entries, roots and proofs, from the store alone."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

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
        leaf_ids = [leaf_id(n.index) for n in nodes if n.level == 0]
        upper_ids = [node_doc_id(n) for n in nodes if n.level > 0]
        found: dict[NodeId, bytes] = {}
        if leaf_ids:
            for doc in await self._store.find(LEAVES, {"_id": {"$in": leaf_ids}}):
                found[NodeId(0, int(doc["index"]))] = bytes.fromhex(doc["leaf_hash"])
        if upper_ids:
            for doc in await self._store.find(NODES, {"_id": {"$in": upper_ids}}):
                level, index = doc["_id"].split(":")
                found[NodeId(int(level), int(index))] = bytes.fromhex(doc["hash"])
        missing = nodes - found.keys()
        if missing:
            raise LogCorrupted(f"the log lacks {len(missing)} stored nodes, e.g. {min(missing)}")
        return found

    async def _range_hashes(self, ranges: list[Range]) -> list[bytes]:
        nodes = await self.hashes(merkle.proof_nodes(ranges))
        return [merkle.range_hash(r, nodes) for r in ranges]

    async def root(self, size: int) -> bytes:
        """MTH of the first ``size`` leaves, from at most log2(size) stored nodes."""
        return merkle.root_from_nodes(size, await self.hashes(merkle.root_nodes(size)))

    async def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of ``size`` leaves (RFC 9162)."""
        return (await self.leaf_and_inclusion_proof(index, size))[1]

    async def leaf_and_inclusion_proof(self, index: int, size: int) -> tuple[bytes, list[bytes]]:
        """The leaf hash of ``index`` and its audit path, read together (one pass)."""
        ranges = merkle.inclusion_ranges(index, size)
        leaf = NodeId(0, index)
        nodes = await self.hashes(merkle.proof_nodes(ranges) | {leaf})
        return nodes[leaf], [merkle.range_hash(r, nodes) for r in ranges]

    async def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """The proof that the tree of ``second`` leaves extends that of ``first``."""
        return await self._range_hashes(merkle.consistency_ranges(first, second))


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
                frontier, completed = merkle.append(frontier, leaf)
                entry = LogEntry(frontier.size - 1, record.record_id, record.kind, leaf, body)
                entries.append(entry)
                counts[record.kind] = counts.get(record.kind, 0) + 1
                nodes = {n["_id"]: n["hash"] for n in node_docs(completed)}
                pending.append({**leaf_doc(entry, data), "nodes": nodes})
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
            leaves = [{k: v for k, v in p.items() if k != "nodes"} for p in pending]
            await store.insert_many(LEAVES, leaves)
            await store.insert_many(
                NODES, [{"_id": k, "hash": h} for p in pending for k, h in p["nodes"].items()]
            )
            await store.insert_many(RECORDS, [record_index_doc(e) for e in entries])
            cleared = aggregate.without_outbox(head_doc)  # the store keeps pending events
            cleared["pending"] = []
            await store.replace(STATE, cleared, head_doc["_version"])

        await aggregate.retrying(attempt, attempts=ATTEMPTS)
