"""A document store of each adapter for tests of code paging in the store: SQLite, and
MongoDB/FerretDB (marked ``mongo``: the session starts the server), each recording the
window (skip, limit) of every ``find``."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from pymongo import AsyncMongoClient

from libs.audit import AuditLog
from libs.clock import Clock, FixedClock
from libs.service import ServiceContext
from libs.store.mongo import MongoDocumentStore
from libs.store.port import Document, DocumentStore
from libs.store.sqlite import SqliteDocumentStore


class Windowed:
    """A store that remembers the window of each ``find`` and delegates the rest."""

    def __init__(self, inner: DocumentStore) -> None:
        self.inner = inner
        self.windows: list[tuple[str, int, int]] = []

    async def find(
        self,
        collection: str,
        where: Mapping[str, Any] | None = None,
        *,
        sort: Sequence[tuple[str, int]] = (),
        skip: int = 0,
        limit: int = 0,
    ) -> list[Document]:
        self.windows.append((collection, skip, limit))
        return await self.inner.find(collection, where, sort=sort, skip=skip, limit=limit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


ADAPTERS = ["sqlite", pytest.param("mongo", marks=pytest.mark.mongo)]
"""``params`` of a fixture giving one store per adapter."""


async def windowed_store(request: pytest.FixtureRequest, tmp: Path) -> AsyncIterator[Windowed]:
    """The store of ``request.param`` (an entry of ``ADAPTERS``), empty, then dropped."""
    if request.param == "sqlite":
        yield Windowed(SqliteDocumentStore(tmp / "store.sqlite"))
        return
    uri: str = request.getfixturevalue("mongo_uri")
    async with fresh_mongo_store(uri, "paging") as store:
        yield Windowed(store)


@contextlib.asynccontextmanager
async def fresh_mongo_store(
    uri: str, prefix: str, **options: Any
) -> AsyncIterator[MongoDocumentStore]:
    """A store on a new database of the MongoDB-wire server, dropped afterwards."""
    database = f"{prefix}_{uuid.uuid4().hex[:16]}"
    store = MongoDocumentStore(uri, database, **options)
    try:
        yield store
    finally:
        await store.close()
        client: AsyncMongoClient[Document] = AsyncMongoClient(uri, serverSelectionTimeoutMS=5000)
        try:
            await client.drop_database(database)
        finally:
            await client.close()


def store_context(
    store: DocumentStore, name: str, clock: Clock | None = None, **options: Any
) -> ServiceContext:
    """A service's context holding only what store-level code uses: the store, the
    clock (1 March 2026 unless given) and the audit log; no bus, secrets or verifier."""
    clock = clock or FixedClock(datetime(2026, 3, 1, tzinfo=UTC))
    return ServiceContext(
        name=name,
        region="370300",
        store=store,
        bus=cast(Any, None),
        secrets=cast(Any, None),
        clock=clock,
        audit=AuditLog(store, clock),
        verifier=cast(Any, None),
        **options,
    )
