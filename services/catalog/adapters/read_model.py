"""The catalog's search read model (目录检索): the in-memory index of this process, how it
is filled, kept current and asked.

Theory of operation: at start the index is filled from the store (``load``); after that
every resource event on the catalog's own topic makes it re-read the resource it names
(``on_event``), and so does every command this process completes (``took_effect``), so
a caller reads its own writes here at once and every other process converges within
milliseconds (one relay publish and one consume). A re-read never moves an entry
backwards: the index ignores versions older than the one it holds. A re-read whose
document is unchanged but for its version (the relay publishing its events bumps it, so
nearly every event finds its own command's write) only advances the held version: the
read model keeps a digest of each resource's own fields and skips decoding, the
hit's payload and the postings when the digest is the same. Searches answer from
memory, but only while the store is reachable (checked at most once a second), so an
unreachable database answers 503 here too instead of silently serving a frozen catalog.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Generic, TypeVar

import msgspec

from contracts.envelope import Envelope
from contracts.errors import DomainError
from libs.service import ServiceContext
from libs.store.port import Document, StoreUnavailable
from services.catalog.domain.jurisdiction import check_region, covers
from services.catalog.domain.resource import Resource
from services.catalog.domain.search import Query, SearchIndex, entry_of
from services.catalog.repository import RESOURCES, from_doc

log = logging.getLogger(__name__)

T = TypeVar("T")
PROBE_INTERVAL_SECONDS = 1.0


class SearchReadModel(Generic[T]):
    """``payload_of`` makes what a hit returns (the API's encoded view of a resource)."""

    def __init__(self, ctx: ServiceContext, payload_of: Callable[[Resource], T]) -> None:
        self._ctx = ctx
        self._payload_of = payload_of
        self.index: SearchIndex[T] = SearchIndex()
        self._digests: dict[str, bytes] = {}
        """Per resource, the digest of the stored fields the index holds."""
        self._store_seen_at = float("-inf")

    async def load(self) -> None:
        """Fill the index from the store: one read of the collection, at start only."""
        docs = await self._ctx.store.find(RESOURCES)
        pairs = []
        for doc in docs:
            resource = from_doc(doc)
            pairs.append((entry_of(resource, int(doc["_version"])), self._payload_of(resource)))
            self._digests[resource.resource_id] = _digest(doc)
        self.index.load(pairs)
        self._store_seen_at = time.monotonic()

    async def refresh(self, resource_id: str) -> None:
        """Re-read one resource and put it in the index (unless the index holds newer)."""
        doc = await self._ctx.store.get(RESOURCES, resource_id)
        if doc is None:
            return  # state and events are written together: no event precedes its resource
        version = int(doc["_version"])
        held = self.index.version_of(resource_id)
        if held is not None and held > version:
            return
        digest = _digest(doc)
        if held is not None and self._digests.get(resource_id) == digest:
            self.index.advance(resource_id, version)
            return
        resource = from_doc(doc)
        if self.index.put(entry_of(resource, version), self._payload_of(resource)):
            self._digests[resource_id] = digest

    async def on_event(self, envelope: Envelope) -> None:
        await self.refresh(envelope.subject)

    async def took_effect(self, resource_id: str) -> None:
        """After a command of this process: read-your-writes. The command has succeeded,
        so a store failure here is only logged; the event brings the change later."""
        try:
            await self.refresh(resource_id)
        except StoreUnavailable:
            log.warning("search index not refreshed after a command; the event will do it")

    async def search(self, query: Query) -> tuple[list[T], int]:
        self._check_region(query.region)
        if time.monotonic() - self._store_seen_at > PROBE_INTERVAL_SECONDS:
            await self._ctx.store.ping()  # StoreUnavailable → 503 with Retry-After
            self._store_seen_at = time.monotonic()
        return self.index.search(query)

    def _check_region(self, region: str | None) -> None:
        """The region filter names this platform's region, one inside it or one above."""
        if region is None:
            return
        check_region(region)
        platform = self._ctx.region
        if not (covers(platform, region) or covers(region, platform)):
            raise DomainError(
                f"region {region} is not served by this platform (region {platform})",
                rule="FED-1",
                field="region",
            )


def _digest(doc: Document) -> bytes:
    """A digest of a stored resource's own fields: its ``_id`` and every field not
    reserved by the store (``_``-prefixed: the version, the pending events), which change
    when its events are published, not the resource."""
    fields = {k: v for k, v in doc.items() if k == "_id" or not k.startswith("_")}
    return hashlib.blake2b(msgspec.json.encode(fields), digest_size=16).digest()
