"""The differencing history's storage on SQLite (EXP-2): the contract of
``tests.support.export_history``, also run on the MongoDB-wire server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from libs.store.port import DocumentStore
from libs.store.sqlite import SqliteDocumentStore
from tests.support.export_history import ReleasedHistoryContract


class TestSqliteReleasedHistory(ReleasedHistoryContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[DocumentStore]:
        sqlite_store = SqliteDocumentStore(tmp_path / "product_release.db")
        yield sqlite_store
        await sqlite_store.close()
