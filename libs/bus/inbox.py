"""Processed event ids per consumer group (the inbox, 收件箱), so a redelivered event is a no-op.

Kept in the consuming service's own store, so it survives restarts in both modes.

Theory of operation. A consumed record carries its position in the log (topic,
partition, offset). For each consumer group and partition the inbox keeps a *high-water
mark* (``_inbox_marks``): every record at or below it was handled. For each event it
keeps one *claim* (``_inbox``, ``_id`` = group and event id) naming the one position
whose delivery handles the event. One batch then costs, whatever the inbox's size:

1. ``claim``: read the batch's partitions' marks by ``_id`` (one document each). A record
   at or below its mark is a redelivery of a handled record (the consumer crashed, or
   the group rebalanced, between handling and the broker commit) and is skipped. The
   events of the other records are claimed with one bulk insert of ``_id``\\ s; an
   insert never scans, so no ``$in`` lookup over the whole inbox is needed — the
   MongoDB-wire stand-in (FerretDB 1.x) scans whole tables for ``$in``.
2. Only when an ``_id`` already existed (rare: an event published twice by an outbox
   relay that crashed between publishing and clearing, or a batch redelivered after a
   crash before its mark moved) is that claim read by ``_id``: a claim at this very
   position is this record's own, left by the crashed attempt, and the record is
   handled; a claim at any other position belongs to another delivery of the same
   event, which handles it (or already did), and this record is skipped.
3. ``mark``: after the handler, move each partition's mark to the batch's last
   offset; the bus then commits the batch.

So an event is handled by exactly one delivery, across crashes between any two steps,
redeliveries and duplicates in the log. Records without a position (a bus that gives
none) fall back to looking their ids up. A small in-memory set in front answers the
common duplicate (a redelivery shortly after the first delivery) without a round trip.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from libs.bus.port import Message
from libs.store.port import Document, DocumentStore, DuplicateDocument, VersionConflict

COLLECTION = "_inbox"
MARKS = "_inbox_marks"
"""One document per consumer group and partition: the offset up to which all is handled."""

Partition = tuple[str, int]


@dataclass
class Claim:
    """What ``Inbox.claim`` found for one batch; ``Inbox.mark`` completes it."""

    skip: set[str]
    """event ids not to handle (handled before, or handled by another delivery)"""
    claimed: list[str] = field(default_factory=list)
    marks: dict[Partition, tuple[Document | None, int]] = field(default_factory=dict)
    """partition -> (its mark document as read, the batch's last offset there)"""
    positioned: bool = True


class Inbox:
    """Remembers which event ids one consumer group has handled."""

    def __init__(self, store: DocumentStore, group: str, *, cache_size: int = 50_000) -> None:
        self._store = store
        self._group = group
        self._prefix = f"{group}:"
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._cache_size = cache_size
        self._open: Claim | None = None
        """the batch claimed last and not yet marked (one batch at a time per group)"""

    # -- the consumer's path -------------------------------------------------------------

    async def claim(self, batch: Sequence[Message], events: Sequence[tuple[Message, str]]) -> Claim:
        """Which of ``events`` (record, event id) of ``batch`` not to handle; claims the rest.

        ``batch`` is every record of the delivery (undecodable ones included: the mark
        moves past them too); ``events`` are the decodable ones with their event ids."""
        self._open = None
        if not batch or any(m.offset < 0 for m in batch):
            return Claim(skip=await self._seen_ids([i for _, i in events]), positioned=False)
        last: dict[Partition, int] = {}
        lowest = batch[0].offset
        for m in batch:
            where = (m.topic, m.partition)
            offset = m.offset
            if offset > last.get(where, -1):
                last[where] = offset
            if offset < lowest:
                lowest = offset
        skip: set[str] = set()
        fresh: dict[str, Message] = {}
        for message, event_id in events:
            if event_id in self._recent:
                skip.add(event_id)
            elif event_id not in fresh:
                fresh[event_id] = message
        prefix = self._prefix
        docs = [
            {"_id": prefix + i, "at": f"{m.topic}:{m.partition}:{m.offset}"}  # _position(m)
            for i, m in fresh.items()
        ]
        # The marks are read and the claims written in one round trip's time: a claim
        # for a record at or below its mark already exists (its delivery claimed it), so
        # writing it first changes nothing.
        where_list = list(last)
        writing = asyncio.ensure_future(
            self._store.insert_many(COLLECTION, docs) if docs else _nothing()
        )
        try:
            docs_read: list[Document | None] = list(
                await asyncio.gather(
                    *(self._store.get(MARKS, self._mark_id(w)) for w in where_list)
                )
            )
        finally:
            inserted = await writing
        marks = {w: (doc, last[w]) for w, doc in zip(where_list, docs_read, strict=True)}
        handled_up_to = {w: _offset(doc) for w, doc in zip(where_list, docs_read, strict=True)}
        if max(handled_up_to.values()) >= lowest:  # else no record is at or below its mark
            for event_id, message in list(fresh.items()):
                if message.offset <= handled_up_to[(message.topic, message.partition)]:
                    skip.add(event_id)  # redelivered after a crash before the broker commit
                    del fresh[event_id]
        if inserted < len(docs):
            skip |= await self._held_elsewhere(fresh, handled_up_to)
        self._open = Claim(skip=skip, claimed=[i for i in fresh if i not in skip], marks=marks)
        return self._open

    # -- inspection and the position-less path -----------------------------------------

    async def seen(self, event_ids: Iterable[str]) -> set[str]:
        """The subset of ``event_ids`` already handled by this group (not merely claimed
        by a delivery still in hand). Not on the consuming path; tests and tools use it."""
        ids = list(event_ids)
        docs = await self._store.find(COLLECTION, {"_id": {"$in": [self._prefix + i for i in ids]}})
        marks: dict[Partition, int] = {}
        known: set[str] = set()
        for doc in docs:
            event_id = str(doc["_id"])[len(self._prefix) :]
            if "at" not in doc:  # recorded without a position: handled
                known.add(event_id)
                continue
            topic, partition, offset = _parse_position(str(doc["at"]))
            where = (topic, partition)
            if where not in marks:
                marks[where] = _offset(await self._store.get(MARKS, self._mark_id(where)))
            if offset <= marks[where]:
                known.add(event_id)
        return known

    async def mark(self, event_ids: Iterable[str]) -> None:
        """The batch in hand is handled: record ``event_ids`` (the events it handled).

        After ``claim`` of a batch with positions, this moves each of its partitions'
        marks to the batch's last offset (the events are claimed already). Otherwise
        (no claim open, a bus without positions, or ids not claimed) the ids are written
        without positions, which counts as handled. Idempotent."""
        ids = list(dict.fromkeys(event_ids))
        claim, self._open = self._open, None
        if claim is not None and claim.positioned:
            await asyncio.gather(
                *(self._advance(where, last, read) for where, (read, last) in claim.marks.items())
            )
            self._remember(claim.claimed)
            claimed = set(claim.claimed)
            # Usually every id was claimed: one C-level test instead of a walk.
            ids = [] if claimed.issuperset(ids) else [i for i in ids if i not in claimed]
        if not ids:
            return
        await self._store.insert_many(
            COLLECTION, [{"_id": self._prefix + i, "group": self._group} for i in ids]
        )
        self._remember(ids)

    # -- internals -----------------------------------------------------------------------

    async def _seen_ids(self, ids: list[str]) -> set[str]:
        known = {i for i in ids if i in self._recent}
        unknown = [self._prefix + i for i in ids if i not in known]
        if unknown:
            docs = await self._store.find(COLLECTION, {"_id": {"$in": unknown}})
            known.update(str(d["_id"])[len(self._prefix) :] for d in docs)
        return known

    async def _held_elsewhere(
        self, fresh: dict[str, Message], handled_up_to: dict[Partition, int]
    ) -> set[str]:
        """Of the events whose claim already existed, those another delivery holds."""
        elsewhere: set[str] = set()
        for event_id, message in fresh.items():
            doc = await self._store.get(COLLECTION, self._prefix + event_id)
            if doc is None:
                continue
            if "at" not in doc:
                elsewhere.add(event_id)  # handled, recorded without a position
                continue
            if doc["at"] != _position(message):
                elsewhere.add(event_id)  # another delivery of the same event holds it
            elif message.offset <= handled_up_to.get((message.topic, message.partition), -1):
                elsewhere.add(event_id)
        return elsewhere

    async def _advance(self, where: Partition, last: int, read: Document | None) -> None:
        """Move the mark to ``last``, never backwards. First written at the version
        ``claim`` read (no second read); if another consumer of the group wrote the mark
        meanwhile, through the one read-model write (``libs.aggregate.project``: read
        again, retried on a concurrent write)."""
        # Imported here: libs.aggregate imports libs.service, which imports the consumer
        # wrapper, which imports this module.
        from libs.aggregate import project

        def moved(current: Document | None) -> Document | None:
            if current is not None and _offset(current) >= last:
                return None
            base = current or {"group": self._group, "topic": where[0], "partition": where[1]}
            return {**base, "offset": last}

        mark_id = self._mark_id(where)
        new = moved(None if read is None else dict(read))
        if new is None:
            return
        try:
            if read is None:
                await self._store.insert(MARKS, {**new, "_id": mark_id})
            else:
                await self._store.replace(MARKS, new, int(read["_version"]))
            return
        except (DuplicateDocument, VersionConflict):
            pass  # written meanwhile by another consumer of the group: read it again
        await project(self._store, MARKS, mark_id, moved)

    def _mark_id(self, where: Partition) -> str:
        return f"{self._prefix}{where[0]}:{where[1]}"

    def _remember(self, ids: Iterable[str]) -> None:
        self._recent.update(dict.fromkeys(ids))  # as ``_recent[i] = None`` for each, in C
        while len(self._recent) > self._cache_size:
            self._recent.popitem(last=False)


async def _nothing() -> int:
    return 0


def _position(message: Message) -> str:
    """A record's position as a claim stores it: ``topic:partition:offset``."""
    return f"{message.topic}:{message.partition}:{message.offset}"


def _parse_position(at: str) -> tuple[str, int, int]:
    topic, partition, offset = at.rsplit(":", 2)
    return topic, int(partition), int(offset)


def _offset(doc: Document | None) -> int:
    return -1 if doc is None else int(doc["offset"])
