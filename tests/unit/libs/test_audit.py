"""The hash-chained audit log: appends link up, and any rewrite is pinpointed."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from libs.audit import COLLECTION, GENESIS, AuditLog
from libs.clock import FixedClock
from libs.store.sqlite import SqliteDocumentStore

ACTOR = {"org_id": "org-370300-tax", "user_id": "u-1", "role": "provider"}


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteDocumentStore]:
    s = SqliteDocumentStore(tmp_path / "audit.sqlite")
    yield s
    await s.close()


async def _filled(store: SqliteDocumentStore, n: int = 5) -> AuditLog:
    log = AuditLog(store, FixedClock(datetime(2026, 11, 23, tzinfo=UTC)))
    for i in range(n):
        await log.append(
            actor=ACTOR,
            action="resource.register",
            subject=f"r-{i}",
            detail={"n": i, "名称": "企业纳税信息"},
        )
    return log


async def test_entries_chain_from_genesis_and_verify(store: SqliteDocumentStore) -> None:
    log = await _filled(store)
    entries = await log.entries()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    report = await log.verify()
    assert report.ok and report.entries == 5


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("detail", {"n": 99, "名称": "企业纳税信息"}, "entry content altered"),
        ("actor", {**ACTOR, "user_id": "someone-else"}, "entry content altered"),
        ("prev_hash", "f" * 64, "link to previous entry broken"),
    ],
)
async def test_a_rewritten_entry_is_pinpointed(
    store: SqliteDocumentStore, field: str, value: object, reason: str
) -> None:
    await _filled(store)
    doc = await store.get(COLLECTION, "000000000003")
    assert doc is not None
    doc[field] = value
    await store.replace(COLLECTION, doc, doc["_version"])
    report = await AuditLog(store, FixedClock(datetime(2026, 11, 23, tzinfo=UTC))).verify()
    assert not report.ok
    assert report.first_bad_seq == 3
    assert report.reason == reason


async def test_concurrent_appends_from_two_writers_never_fork_the_chain(
    store: SqliteDocumentStore,
) -> None:
    clock = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
    first, second = AuditLog(store, clock), AuditLog(store, clock)
    await asyncio.gather(
        *(
            w.append(actor=ACTOR, action="a", subject=str(i))
            for i in range(20)
            for w in (first, second)
        )
    )
    report = await first.verify()
    assert report.ok and report.entries == 40
