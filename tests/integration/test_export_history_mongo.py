"""The differencing history's storage on the MongoDB-wire server (FerretDB unless a real
mongod is on PATH): the same contract as on SQLite (``tests.support.export_history``),
EXP-2."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from libs.store.port import DocumentStore
from tests.support.export_history import ReleasedHistoryContract
from tests.support.stores import fresh_mongo_store


@pytest.mark.mongo
class TestMongoReleasedHistory(ReleasedHistoryContract):
    @pytest.fixture
    async def store(self, mongo_uri: str) -> AsyncIterator[DocumentStore]:
        async with fresh_mongo_store(mongo_uri, "export_history") as mongo_store:
            yield mongo_store
