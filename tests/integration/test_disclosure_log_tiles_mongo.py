"""The transparency log's tile layout on the MongoDB-wire server (FerretDB unless a real
mongod is on PATH): the same contract as on SQLite (``tests.support.log_tiles``), DIS-3."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from libs.store.port import DocumentStore
from tests.support.log_tiles import TileLogContract
from tests.support.stores import fresh_mongo_store


@pytest.mark.mongo
class TestMongoTileLog(TileLogContract):
    @pytest.fixture
    async def store(self, mongo_uri: str) -> AsyncIterator[DocumentStore]:
        async with fresh_mongo_store(mongo_uri, "log_tiles") as mongo_store:
            yield mongo_store
