"""Wraps any ``DocumentStore`` so every call is a CLIENT span of the calling service."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from libs.store.port import Document, DocumentStore
from libs.telemetry import store_span, tracer


class TracedDocumentStore:
    """A ``DocumentStore`` that traces each call and delegates it unchanged."""

    def __init__(self, inner: DocumentStore, *, service: str, system: str) -> None:
        self._inner = inner
        self._tracer = tracer(service)
        self._system = system

    @property
    def inner(self) -> DocumentStore:
        return self._inner

    async def insert(self, collection: str, doc: Document) -> Document:
        with store_span(self._tracer, "insert", collection, system=self._system):
            return await self._inner.insert(collection, doc)

    async def insert_many(self, collection: str, docs: Sequence[Document]) -> int:
        with store_span(self._tracer, "insert_many", collection, system=self._system):
            return await self._inner.insert_many(collection, docs)

    async def replace(self, collection: str, doc: Document, expected_version: int) -> Document:
        with store_span(self._tracer, "replace", collection, system=self._system):
            return await self._inner.replace(collection, doc, expected_version)

    async def get(self, collection: str, doc_id: str) -> Document | None:
        with store_span(self._tracer, "get", collection, system=self._system):
            return await self._inner.get(collection, doc_id)

    async def find(
        self,
        collection: str,
        where: Mapping[str, Any] | None = None,
        *,
        sort: Sequence[tuple[str, int]] = (),
        skip: int = 0,
        limit: int = 0,
    ) -> list[Document]:
        with store_span(self._tracer, "find", collection, system=self._system):
            return await self._inner.find(collection, where, sort=sort, skip=skip, limit=limit)

    async def count(self, collection: str, where: Mapping[str, Any] | None = None) -> int:
        with store_span(self._tracer, "count", collection, system=self._system):
            return await self._inner.count(collection, where)

    async def ensure_index(self, collection: str, keys: Sequence[tuple[str, int]]) -> None:
        await self._inner.ensure_index(collection, keys)

    async def with_outbox(self, collection: str, limit: int) -> list[Document]:
        with store_span(self._tracer, "with_outbox", collection, system=self._system):
            return await self._inner.with_outbox(collection, limit)

    async def clear_outbox(self, collection: str, doc_id: str, event_ids: Sequence[str]) -> None:
        with store_span(self._tracer, "clear_outbox", collection, system=self._system):
            await self._inner.clear_outbox(collection, doc_id, event_ids)

    async def ping(self) -> None:
        await self._inner.ping()

    async def close(self) -> None:
        await self._inner.close()
