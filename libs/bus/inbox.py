"""Processed event ids per consumer group (the inbox), so a redelivered event is a no-op.

Kept in the consuming service's own store, so it survives restarts in both modes. One
lookup and one write per batch of records; a small in-memory set in front answers the
common case (a redelivery shortly after the first delivery) without a round trip.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from libs.store.port import DocumentStore

COLLECTION = "_inbox"


class Inbox:
    """Remembers which event ids one consumer group has handled."""

    def __init__(self, store: DocumentStore, group: str, *, cache_size: int = 50_000) -> None:
        self._store = store
        self._group = group
        self._prefix = f"{group}:"
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._cache_size = cache_size

    async def seen(self, event_ids: Iterable[str]) -> set[str]:
        """The subset of ``event_ids`` already handled by this group."""
        ids = list(event_ids)
        known = {i for i in ids if i in self._recent}
        unknown = [self._prefix + i for i in ids if i not in known]
        if unknown:
            docs = await self._store.find(COLLECTION, {"_id": {"$in": unknown}})
            known.update(str(d["_id"])[len(self._prefix) :] for d in docs)
        return known

    async def mark(self, event_ids: Iterable[str]) -> None:
        """Record the events as handled (idempotent: already-marked ids are skipped)."""
        ids = list(dict.fromkeys(event_ids))
        if not ids:
            return
        await self._store.insert_many(
            COLLECTION, [{"_id": self._prefix + i, "group": self._group} for i in ids]
        )
        for i in ids:
            self._recent[i] = None
        while len(self._recent) > self._cache_size:
            self._recent.popitem(last=False)
