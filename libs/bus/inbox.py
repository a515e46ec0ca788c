"""Processed event ids per consumer group (the inbox), so a redelivered event is a no-op.

Kept in the consuming service's own store, so it survives restarts in both modes. A
small in-memory set in front of it answers the common case (a redelivery shortly after
the first delivery) without a store round trip.
"""

from __future__ import annotations

from collections import OrderedDict

from libs.store.port import DocumentStore, DuplicateDocument

COLLECTION = "_inbox"


class Inbox:
    """Remembers which event ids one consumer group has handled."""

    def __init__(self, store: DocumentStore, group: str, *, cache_size: int = 10_000) -> None:
        self._store = store
        self._group = group
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._cache_size = cache_size

    def _doc_id(self, event_id: str) -> str:
        return f"{self._group}:{event_id}"

    async def seen(self, event_id: str) -> bool:
        if event_id in self._recent:
            return True
        return await self._store.get(COLLECTION, self._doc_id(event_id)) is not None

    async def mark(self, event_id: str) -> None:
        """Record the event as handled (idempotent)."""
        try:
            await self._store.insert(
                COLLECTION, {"_id": self._doc_id(event_id), "group": self._group}
            )
        except DuplicateDocument:
            pass
        self._recent[event_id] = None
        if len(self._recent) > self._cache_size:
            self._recent.popitem(last=False)
