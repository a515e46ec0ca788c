"""A document store of each adapter for tests of code paging in the store: SQLite, and
MongoDB/FerretDB (marked ``mongo``: the session starts the server), each recording the
window (skip, limit) of every ``find``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

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
    database = f"paging_{uuid.uuid4().hex[:16]}"
    store = MongoDocumentStore(uri, database)
    yield Windowed(store)
    await store.close()
    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, serverSelectionTimeoutMS=5000)
    try:
        await client.drop_database(database)
    finally:
        await client.close()
