"""One contract for the DocumentStore port (``StoreContract``), run against every adapter.

* ``TestSqliteStore``: ``SqliteDocumentStore`` on a file in ``tmp_path``.
* ``TestSqliteIndexedStore`` / ``TestMongoIndexedStore``: the same contract with indexes
  declared (``ensure_index``) on the fields the tests filter and sort by (``INDEXES``),
  so every answer is shown to be the same with and without an index.
* ``TestMongoStore`` (marked ``mongo``): ``MongoDocumentStore`` against the session's
  MongoDB-wire server (fixture ``mongo_uri``: FerretDB 1.24 on SQLite, or ``MONGO_URI``),
  each test in its own database, dropped afterwards. Two variants: ``detected`` (the
  store asks the server; on FerretDB it checks versions after a read by ``_id``) and
  ``atomic-filters`` (forced onto its MongoDB code path: version in the write's filter,
  sparse outbox index), so that path also runs against a real server.

The adapters are subclasses rather than parameters of one fixture so that the Mongo
tests name ``mongo_uri`` statically: the session then builds/starts the server before
the tests (see ``tests/infra/servers.py``) and ``-m "not mongo"`` needs no server.
The few tests below the classes are adapter-specific (files, unreachable servers).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from libs.store.mongo import MongoDocumentStore
from libs.store.port import (
    Document,
    DocumentStore,
    DuplicateDocument,
    StoreUnavailable,
    VersionConflict,
)
from libs.store.sqlite import SqliteDocumentStore
from tests.support.stores import fresh_mongo_store

C = "things"
REPO = Path(__file__).resolve().parents[2]


def outbox(*event_ids: str) -> list[dict[str, Any]]:
    return [
        {"event_id": e, "envelope": {"type": "thing.changed", "n": i}, "headers": {}}
        for i, e in enumerate(event_ids)
    ]


async def seed(store: DocumentStore, docs: list[Document]) -> None:
    for doc in docs:
        await store.insert(C, doc)


def ids(docs: list[Document]) -> list[str]:
    return [d["_id"] for d in docs]


PEOPLE: list[Document] = [
    {"_id": "p1", "name": "张三", "city": "北京", "age": 30, "vip": True, "tags": ["a", "b"]},
    {"_id": "p2", "name": "李四", "city": "上海", "age": 25.0, "vip": False, "tags": ["b"]},
    {"_id": "p3", "name": "王五", "city": "北京", "age": 41, "vip": 1, "tags": []},
    {"_id": "p4", "name": "Alice", "city": "上海", "age": 25, "vip": None},
    {"_id": "p5", "name": "Bob", "city": "深圳", "age": 30},
]


INDEXES: list[list[tuple[str, int]]] = [
    [("city", 1), ("age", -1)],
    [("age", 1)],
    [("vip", 1)],
    [("tags", 1)],
    [("name", 1)],
    [("rank", 1)],
    [("v", 1)],
]
"""Declared by the indexed variants before each test: every filter of the contract then
names the leading fields of one of them, every sort a declared field."""


async def declare(store: DocumentStore) -> None:
    for keys in INDEXES:
        await store.ensure_index(C, keys)


async def _first(docs: Awaitable[list[Document]]) -> Document | None:
    found = await docs
    return found[0] if found else None


class StoreContract:
    """The contract; each subclass below supplies ``store`` for one adapter."""

    # -- insert and get ------------------------------------------------------------------------

    async def test_insert_get_round_trip(self, store: DocumentStore) -> None:
        doc: Document = {
            "_id": "资源-0001",
            "name": "公共数据资源授权运营平台",
            "owner": {
                "org": "市大数据局",
                "contact": {"email": "a@example.cn", "tags": ["甲", "乙"]},
            },
            "items": [{"n": 1, "ok": True}, {"n": 2.5, "ok": False, "xy": [1, 2]}, None, {}],
            "empty": [],
            "count": 2**53 + 1,
            "ratio": 0.1,
            "negative": -7,
            "flag": False,
            "nothing": None,
            "emoji": "数据 🚀",
        }
        inserted = await store.insert(C, doc)
        assert inserted == {**doc, "_version": 1, "_outbox": []}
        assert "_version" not in doc  # the caller's document is left alone
        got = await store.get(C, "资源-0001")
        assert got == inserted
        assert isinstance(got["count"], int) and isinstance(got["ratio"], float)
        assert await store.get(C, "missing") is None
        assert await store.get("never_used", "x") is None

    async def test_insert_keeps_given_outbox_and_owns_version(self, store: DocumentStore) -> None:
        inserted = await store.insert(C, {"_id": "a", "_version": 42, "_outbox": outbox("e1")})
        assert inserted["_version"] == 1
        assert inserted["_outbox"] == outbox("e1")
        assert await store.get(C, "a") == inserted

    async def test_datetimes_are_stored_as_rfc3339_strings(self, store: DocumentStore) -> None:
        shanghai = timezone(timedelta(hours=8))
        at = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=shanghai)
        utc = datetime(2025, 3, 14, 1, 0, tzinfo=UTC)
        inserted = await store.insert(C, {"_id": "d", "at": at, "utc": utc, "nested": [at]})
        got = await store.get(C, "d")
        assert got == inserted
        assert got is not None
        assert got["at"] == "2025-03-14T09:26:53.589793+08:00"
        assert got["utc"] == "2025-03-14T01:00:00Z"
        assert got["nested"] == [got["at"]]
        parsed = datetime.fromisoformat(got["at"])
        assert parsed == at and parsed.utcoffset() == timedelta(hours=8)
        assert datetime.fromisoformat(got["utc"]) == utc

    async def test_duplicate_insert_is_refused(self, store: DocumentStore) -> None:
        await store.insert(C, {"_id": "a", "v": 1})
        with pytest.raises(DuplicateDocument) as raised:
            await store.insert(C, {"_id": "a", "v": 2})
        assert (raised.value.collection, raised.value.doc_id) == (C, "a")
        assert (await store.get(C, "a") or {})["v"] == 1
        await store.insert("other", {"_id": "a"})  # ids are per collection

    async def test_insert_many_skips_existing_ids(self, store: DocumentStore) -> None:
        assert await store.insert_many(C, []) == 0
        await store.insert(C, {"_id": "b", "v": "old"})
        batch: list[Document] = [
            {"_id": "a", "v": 1},
            {"_id": "b", "v": "new"},
            {"_id": "c", "v": "第一", "_outbox": outbox("c1")},
            {"_id": "a", "v": 2},
            {"_id": "d", "_outbox": outbox("d1")},
        ]
        assert await store.insert_many(C, batch) == 3
        assert all("_version" not in doc for doc in batch)  # the caller's documents
        assert await store.get(C, "a") == {"_id": "a", "v": 1, "_version": 1, "_outbox": []}
        assert (await store.get(C, "b") or {})["v"] == "old"
        assert await store.get(C, "c") == {
            "_id": "c",
            "v": "第一",
            "_version": 1,
            "_outbox": outbox("c1"),
        }
        assert ids(await store.with_outbox(C, 10)) == ["c", "d"]
        assert await store.insert_many(C, batch) == 0  # idempotent
        assert await store.count(C) == 4

    async def test_insert_many_refuses_a_bad_batch_whole(self, store: DocumentStore) -> None:
        with pytest.raises(ValueError):
            await store.insert_many(C, [{"_id": "a"}, {"_id": "b", "m": [[1]]}])
        with pytest.raises(ValueError):
            await store.insert_many(C, [{"_id": "a"}, {"v": "no id"}])
        assert await store.count(C) == 0

    async def test_insert_many_stores_what_insert_stores(self, store: DocumentStore) -> None:
        """Bulk inserts (inbox claims, metered uses) take shortcuts for flat documents;
        every shape reads back as ``insert`` stores it, and the caller's documents are
        left alone."""
        at = datetime(2026, 3, 2, 8, 0, 0, 250000, tzinfo=timezone(timedelta(hours=8)))
        shapes: list[Document] = [
            {"_id": "flat", "at": "t:0:7", "n": 3, "r": 0.5, "ok": True, "none": None},
            {"_id": "nested", "deep": {"list": [{"k": [1, 2]}, "s"]}, "tup": (1, "x")},
            {"_id": "when", "at": at},
            {"_id": "owned", "_version": 9, "_outbox_seq": 5, "v": "仍在"},
            {"_id": "pending", "_outbox": outbox("p1"), "v": 1},
            {"_id": "emptied", "_outbox": [], "v": 2},
        ]
        copies = [dict(doc) for doc in shapes]
        assert await store.insert_many(C, shapes) == len(shapes)
        assert shapes == copies
        for doc in shapes:
            await store.insert("single", doc)
        for doc in shapes:
            got = await store.get(C, doc["_id"])
            assert got is not None and "_outbox_seq" not in got
            assert got == await store.get("single", doc["_id"])
            assert got["_version"] == 1
        assert await store.get(C, "flat") == {**shapes[0], "_version": 1, "_outbox": []}
        assert ids(await store.with_outbox(C, 10)) == ["pending"]
        with pytest.raises(ValueError):  # a bad name in a flat document of known names
            await store.insert_many(C, [{"_id": "z", "at": "x", "a.b": 1}])
        with pytest.raises(ValueError):  # a nested array after flat documents passed
            await store.insert_many(C, [{"_id": "y", "at": "x"}, {"_id": "z", "at": [[1]]}])
        assert await store.get(C, "y") is None and await store.get(C, "z") is None

    @pytest.mark.parametrize(
        "bad",
        [
            {},
            {"_id": 7},
            {"_id": None},
            {"_id": "x", "_outbox": {}},
            # What FerretDB 1.x cannot store is refused by both adapters alike:
            {"_id": "x", "matrix": [[1, 2], [3, 4]]},
            {"_id": "x", "deep": {"list": [{"ok": [1]}, [2]]}},
            {"_id": "x", "a.b": 1},
            {"_id": "x", "deep": {"$set": 1}},
            {"_id": "x", "deep": [{"k\x00": 1}]},
        ],
    )
    async def test_malformed_documents_are_refused(
        self, store: DocumentStore, bad: Document
    ) -> None:
        with pytest.raises(ValueError):
            await store.insert(C, bad)
        await store.insert(C, {"_id": "x", "ok": True})
        with pytest.raises(ValueError):
            await store.replace(C, bad, 1)
        assert (await store.get(C, "x") or {}).get("_version") == 1

    @pytest.mark.parametrize("name", ["", "1abc", "a b", "a$b", 'a"b', "x" * 101])
    async def test_invalid_collection_names_are_refused(
        self, store: DocumentStore, name: str
    ) -> None:
        with pytest.raises(ValueError):
            await store.get(name, "x")

    # -- replace -------------------------------------------------------------------------------

    async def test_replace_at_the_expected_version(self, store: DocumentStore) -> None:
        await store.insert(C, {"_id": "a", "keep": 1, "drop": 2})
        replaced = await store.replace(C, {"_id": "a", "keep": 10, "_version": 99}, 1)
        assert replaced == {"_id": "a", "keep": 10, "_version": 2, "_outbox": []}
        assert await store.get(C, "a") == replaced
        again = await store.replace(C, {**replaced, "new": "值"}, 2)
        assert again["_version"] == 3
        assert await store.get(C, "a") == again

    async def test_replace_with_a_stale_version_changes_nothing(self, store: DocumentStore) -> None:
        await store.insert(C, {"_id": "a", "v": 1})
        current = await store.replace(C, {"_id": "a", "v": 2}, 1)
        with pytest.raises(VersionConflict) as raised:
            await store.replace(C, {"_id": "a", "v": 3, "_outbox": outbox("e9")}, 1)
        assert (raised.value.collection, raised.value.doc_id, raised.value.expected) == (C, "a", 1)
        assert await store.get(C, "a") == current
        assert await store.with_outbox(C, 10) == []
        with pytest.raises(VersionConflict):
            await store.replace(C, {"_id": "a", "v": 3}, 3)  # ahead of the store is stale too

    async def test_replace_of_a_missing_document_is_a_version_conflict(
        self, store: DocumentStore
    ) -> None:
        with pytest.raises(VersionConflict):
            await store.replace(C, {"_id": "ghost", "v": 1}, 1)
        with pytest.raises(VersionConflict):
            await store.replace(C, {"_id": "ghost", "v": 1}, 0)
        assert await store.get(C, "ghost") is None  # never an upsert
        assert await store.count(C) == 0

    async def test_replace_without_outbox_keeps_pending_events(self, store: DocumentStore) -> None:
        await store.insert(C, {"_id": "a", "v": 1, "_outbox": outbox("e1")})
        rebuilt = await store.replace(C, {"_id": "a", "v": 2}, 1)  # e.g. built from domain fields
        assert rebuilt["_outbox"] == outbox("e1")
        assert await store.get(C, "a") == rebuilt
        assert ids(await store.with_outbox(C, 10)) == ["a"]
        with pytest.raises(VersionConflict):
            await store.replace(C, {"_id": "a", "v": 3}, 1)
        emptied = await store.replace(C, {"_id": "a", "v": 3, "_outbox": []}, 2)
        assert emptied["_outbox"] == []
        assert await store.with_outbox(C, 10) == []

    # -- find and count ------------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("where", "expected"),
        [
            (None, ["p1", "p2", "p3", "p4", "p5"]),
            ({}, ["p1", "p2", "p3", "p4", "p5"]),
            ({"city": "北京"}, ["p1", "p3"]),
            ({"city": "北京", "age": 41}, ["p3"]),
            ({"age": 25}, ["p2", "p4"]),  # numbers compare by value: 25 == 25.0
            ({"age": 25.0}, ["p2", "p4"]),
            ({"vip": True}, ["p1"]),  # booleans equal only booleans
            ({"vip": 1}, ["p3"]),
            ({"vip": None}, ["p4", "p5"]),  # None also matches a missing field
            ({"tags": "b"}, ["p1", "p2"]),  # an array matches by element
            ({"city": {"$in": ["上海", "深圳"]}}, ["p2", "p4", "p5"]),
            ({"age": {"$in": [41, 25]}}, ["p2", "p3", "p4"]),
            ({"tags": {"$in": ["a", "z"]}}, ["p1"]),
            ({"vip": {"$in": [None, False]}}, ["p2", "p4", "p5"]),
            ({"_id": {"$in": ["p5", "p1", "nope"]}}, ["p1", "p5"]),
            ({"_id": "p2"}, ["p2"]),
            ({"city": {"$in": []}}, []),
            ({"city": "广州"}, []),
            ({"name": "张"}, []),  # whole-value equality, no prefix matching
        ],
    )
    async def test_find_and_count_filter(
        self, store: DocumentStore, where: dict[str, Any] | None, expected: list[str]
    ) -> None:
        await seed(store, PEOPLE)
        assert ids(await store.find(C, where)) == expected
        assert await store.count(C, where) == len(expected)

    async def test_find_sorts_skips_and_limits(self, store: DocumentStore) -> None:
        await seed(store, PEOPLE)
        assert ids(await store.find(C, sort=[("age", 1)])) == ["p2", "p4", "p1", "p5", "p3"]
        assert ids(await store.find(C, sort=[("age", -1)])) == ["p3", "p1", "p5", "p2", "p4"]
        assert ids(await store.find(C, sort=[("city", 1), ("age", -1)])) == [
            "p2",
            "p4",
            "p3",
            "p1",
            "p5",  # 上 U+4E0A < 北 U+5317 < 深 U+6DF1
        ]
        assert ids(await store.find(C, sort=[("_id", -1)])) == ["p5", "p4", "p3", "p2", "p1"]
        by_name = await store.find(C, sort=[("name", 1)])
        assert ids(by_name) == ["p4", "p5", "p1", "p2", "p3"]  # code points: 张 < 李 < 王
        assert ids(await store.find(C, sort=[("age", 1)], skip=1, limit=2)) == ["p4", "p1"]
        assert ids(await store.find(C, sort=[("age", 1)], skip=3)) == ["p5", "p3"]
        assert ids(await store.find(C, sort=[("age", 1)], limit=0)) == ids(
            await store.find(C, sort=[("age", 1)])
        )
        assert await store.find(C, skip=10) == []
        assert ids(await store.find(C, {"city": "上海"}, sort=[("age", -1)], limit=1)) == ["p2"]

    async def test_missing_and_null_sort_first(self, store: DocumentStore) -> None:
        await seed(
            store,
            [
                {"_id": "a", "rank": 2},
                {"_id": "b"},
                {"_id": "c", "rank": None},
                {"_id": "d", "rank": "text"},
                {"_id": "e", "rank": -1.5},
            ],
        )
        assert ids(await store.find(C, sort=[("rank", 1)])) == ["b", "c", "e", "a", "d"]
        assert ids(await store.find(C, sort=[("rank", -1)])) == ["d", "a", "e", "b", "c"]

    @pytest.mark.parametrize(
        "where",
        [
            {"age": {"$gt": 3}},
            {"age": {"$in": 3}},
            {"$or": [{"age": 1}]},
            {"owner.org": "x"},
            {"owner": {"org": "x"}},
            {"tags": ["a"]},
            {"at": datetime(2025, 1, 1, tzinfo=UTC)},
        ],
    )
    async def test_unsupported_filters_are_refused(
        self, store: DocumentStore, where: Document
    ) -> None:
        with pytest.raises(ValueError):
            await store.find(C, where)
        with pytest.raises(ValueError):
            await store.count(C, where)

    async def test_bad_sort_is_refused(self, store: DocumentStore) -> None:
        with pytest.raises(ValueError):
            await store.find(C, sort=[("age", 0)])
        with pytest.raises(ValueError):
            await store.find(C, sort=[("a.b", 1)])
        with pytest.raises(ValueError):
            await store.find(C, limit=-1)

    # -- the outbox ----------------------------------------------------------------------------

    async def test_with_outbox_lists_pending_documents_oldest_change_first(
        self,
        store: DocumentStore,
    ) -> None:
        await store.insert(C, {"_id": "a", "_outbox": outbox("a1")})
        await store.insert(C, {"_id": "b"})
        await store.insert(C, {"_id": "c", "_outbox": outbox("c1")})
        await store.insert(C, {"_id": "d", "_outbox": outbox("d1", "d2")})
        assert ids(await store.with_outbox(C, 10)) == ["a", "c", "d"]
        assert ids(await store.with_outbox(C, 2)) == ["a", "c"]
        a = await store.get(C, "a")
        assert a is not None
        await store.replace(C, {**a, "_outbox": [*a["_outbox"], *outbox("a2")]}, 1)
        pending = await store.with_outbox(C, 10)
        assert ids(pending) == ["c", "d", "a"]
        assert [e["event_id"] for e in pending[2]["_outbox"]] == ["a1", "a2"]
        assert pending[1]["_outbox"] == outbox("d1", "d2")
        assert await store.with_outbox("empty_collection", 10) == []

    async def test_clear_outbox_removes_named_events_and_bumps_version(
        self, store: DocumentStore
    ) -> None:
        await store.insert(C, {"_id": "a", "v": "x", "_outbox": outbox("e1", "e2", "e3")})
        stale = await store.get(C, "a")
        assert stale is not None
        await store.clear_outbox(C, "a", ["e1", "e3", "unknown"])
        after = await store.get(C, "a")
        assert after == {**stale, "_version": 2, "_outbox": [outbox("e1", "e2", "e3")[1]]}
        assert ids(await store.with_outbox(C, 10)) == ["a"]

        # A writer still holding the copy with e1 cannot put it back.
        with pytest.raises(VersionConflict):
            await store.replace(C, stale, stale["_version"])

        # Idempotent: the same call again changes nothing, not even the version.
        await store.clear_outbox(C, "a", ["e1", "e3", "unknown"])
        assert await store.get(C, "a") == after

        await store.clear_outbox(C, "a", ["e2"])
        cleared = await store.get(C, "a")
        assert cleared == {**stale, "_version": 3, "_outbox": []}
        assert await store.with_outbox(C, 10) == []
        await store.clear_outbox(C, "a", ["e2"])
        await store.clear_outbox(C, "a", [])
        await store.clear_outbox(C, "ghost", ["e1"])  # a missing document: nothing to do
        assert await store.get(C, "a") == cleared

    async def test_partially_cleared_document_keeps_its_place(self, store: DocumentStore) -> None:
        await store.insert(C, {"_id": "a", "_outbox": outbox("a1", "a2")})
        await store.insert(C, {"_id": "b", "_outbox": outbox("b1")})
        await store.clear_outbox(C, "a", ["a1"])
        assert ids(await store.with_outbox(C, 10)) == ["a", "b"]

    # -- isolation of returned documents -------------------------------------------------------

    async def test_returned_documents_are_copies(self, store: DocumentStore) -> None:
        original: Document = {"_id": "a", "nested": {"list": [1, 2]}, "_outbox": outbox("e1")}
        inserted = await store.insert(C, original)
        original["nested"]["list"].append("from input")
        inserted["nested"]["list"].append("from insert result")
        inserted["_outbox"].clear()

        mutators: list[Callable[[Document], None]] = [
            lambda d: d["nested"]["list"].append("x"),
            lambda d: d.__setitem__("added", True),
            lambda d: d["_outbox"][0].__setitem__("event_id", "changed"),
        ]
        reads: list[Callable[[], Awaitable[Document | None]]] = [
            lambda: store.get(C, "a"),
            lambda: _first(store.find(C, {"_id": "a"})),
            lambda: _first(store.with_outbox(C, 1)),
        ]
        for read in reads:
            got = await read()
            assert got is not None
            assert got["nested"] == {"list": [1, 2]}
            assert got["_outbox"] == outbox("e1")
            for mutate in mutators:
                mutate(got)

        replaced = await store.replace(C, {"_id": "a", "nested": {"list": [3]}}, 1)
        replaced["nested"]["list"].append(4)
        replaced["_outbox"].clear()
        again = await store.get(C, "a")
        assert again is not None
        assert again["nested"] == {"list": [3]}
        assert again["_outbox"] == outbox("e1")

    # -- concurrency ---------------------------------------------------------------------------

    async def test_concurrent_replaces_exactly_one_wins(self, store: DocumentStore) -> None:
        await store.insert(C, {"_id": "a", "writer": None})

        async def write(n: int) -> int | None:
            try:
                await store.replace(C, {"_id": "a", "writer": n}, 1)
            except VersionConflict:
                return None
            return n

        results = await asyncio.gather(*(write(n) for n in range(12)))
        winners = [n for n in results if n is not None]
        assert len(winners) == 1
        final = await store.get(C, "a")
        assert final is not None
        assert (final["writer"], final["_version"]) == (winners[0], 2)

    async def test_concurrent_read_modify_write_loses_no_update(self, store: DocumentStore) -> None:
        await store.insert(C, {"_id": "counter", "value": 0})

        async def increment() -> None:
            while True:
                doc = await store.get(C, "counter")
                assert doc is not None
                doc["value"] += 1
                try:
                    await store.replace(C, doc, doc["_version"])
                    return
                except VersionConflict:
                    continue

        await asyncio.gather(*(increment() for _ in range(15)))
        final = await store.get(C, "counter")
        assert final is not None
        assert (final["value"], final["_version"]) == (15, 16)

    async def test_clear_outbox_races_with_a_writer(self, store: DocumentStore) -> None:
        await store.insert(C, {"_id": "a", "n": 0, "_outbox": outbox("e1")})

        async def writer() -> None:
            while True:
                doc = await store.get(C, "a")
                assert doc is not None
                doc["n"] += 1
                doc["_outbox"] = [*doc["_outbox"], *outbox(f"w{doc['n']}")]
                try:
                    await store.replace(C, doc, doc["_version"])
                    return
                except VersionConflict:
                    continue

        await asyncio.gather(writer(), store.clear_outbox(C, "a", ["e1"]), writer())
        final = await store.get(C, "a")
        assert final is not None
        assert final["n"] == 2
        assert [e["event_id"] for e in final["_outbox"]] == ["w1", "w2"]
        assert final["_version"] == 4

    # -- health and failures -------------------------------------------------------------------

    # -- declared indexes ----------------------------------------------------------------------

    async def test_an_index_declared_after_the_data_answers_the_same(
        self, store: DocumentStore
    ) -> None:
        await seed(store, PEOPLE)
        wheres: list[dict[str, Any]] = [
            {"city": "北京"},
            {"city": "上海", "age": 25},
            {"age": 25},
            {"vip": True},
            {"vip": 1},
            {"vip": None},
            {"vip": False},
            {"tags": "b"},
            {"name": "Bob"},
            {"city": "广州"},
        ]
        sorts: list[list[tuple[str, int]]] = [[], [("age", -1)], [("city", 1), ("age", -1)]]
        before = [
            (ids(await store.find(C, w, sort=s, skip=1, limit=2)), await store.count(C, w))
            for w in wheres
            for s in sorts
        ]
        await declare(store)
        await declare(store)  # idempotent
        after = [
            (ids(await store.find(C, w, sort=s, skip=1, limit=2)), await store.count(C, w))
            for w in wheres
            for s in sorts
        ]
        assert after == before
        assert ids(await store.find(C, {"city": "北京"}, sort=[("age", -1)])) == ["p3", "p1"]
        assert await store.count(C, {"vip": None}) == 2

    async def test_indexed_fields_follow_every_write(self, store: DocumentStore) -> None:
        await declare(store)
        await seed(store, PEOPLE)
        p5 = await store.get(C, "p5")
        assert p5 is not None
        await store.replace(C, {**p5, "city": "北京", "age": 99, "_outbox": outbox("e1")}, 1)
        assert ids(await store.find(C, {"city": "北京"}, sort=[("age", -1)])) == ["p5", "p3", "p1"]
        assert await store.count(C, {"city": "深圳"}) == 0
        await store.clear_outbox(C, "p5", ["e1"])
        assert ids(await store.find(C, {"city": "北京", "age": 99})) == ["p5"]
        await store.insert_many(C, [{"_id": "p6", "city": "北京", "age": 1, "tags": ["z"]}])
        assert ids(await store.find(C, {"city": "北京"}, sort=[("age", 1)])) == [
            "p6",
            "p1",
            "p3",
            "p5",
        ]
        assert ids(await store.find(C, {"tags": "z"})) == ["p6"]

    async def test_an_array_in_an_indexed_field_still_matches_by_element(
        self, store: DocumentStore
    ) -> None:
        await declare(store)
        await seed(store, PEOPLE)
        assert ids(await store.find(C, {"city": "北京"})) == ["p1", "p3"]
        await store.insert(C, {"_id": "p7", "city": ["北京", "天津"], "age": 41})
        assert ids(await store.find(C, {"city": "北京"})) == ["p1", "p3", "p7"]
        assert ids(await store.find(C, {"city": "北京", "age": 41})) == ["p3", "p7"]
        assert await store.count(C, {"city": "天津"}) == 1
        assert ids(await store.find(C, {"age": 30}, sort=[("city", 1)])) == ["p1", "p5"]

    async def test_bad_index_declarations_are_refused(self, store: DocumentStore) -> None:
        for keys in ([], [("age", 0)], [("a.b", 1)], [("age", 1), ("age", -1)]):
            with pytest.raises(ValueError):
                await store.ensure_index(C, keys)

    async def test_ping_and_close(self, store: DocumentStore) -> None:
        await store.ping()
        await store.insert(C, {"_id": "a"})
        await store.close()
        with pytest.raises(StoreUnavailable):
            await store.get(C, "a")
        with pytest.raises(StoreUnavailable):
            await store.ping()


class TestSqliteStore(StoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[DocumentStore]:
        sqlite_store = SqliteDocumentStore(tmp_path / "service.db")
        yield sqlite_store
        await sqlite_store.close()


class TestSqliteIndexedStore(StoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[DocumentStore]:
        sqlite_store = SqliteDocumentStore(tmp_path / "service.db")
        await declare(sqlite_store)
        yield sqlite_store
        await sqlite_store.close()


@pytest.mark.mongo
class TestMongoIndexedStore(StoreContract):
    @pytest.fixture
    async def store(self, mongo_uri: str) -> AsyncIterator[DocumentStore]:
        async with fresh_mongo_store(mongo_uri, "contract") as mongo_store:
            await declare(mongo_store)
            yield mongo_store

    async def test_a_declared_index_is_on_the_server(
        self, store: DocumentStore, mongo_uri: str
    ) -> None:
        assert isinstance(store, MongoDocumentStore)
        client: AsyncMongoClient[Document] = AsyncMongoClient(
            mongo_uri, serverSelectionTimeoutMS=5000
        )
        try:
            found = [
                list(ix["key"].items())
                async for ix in await client[store.database][C].list_indexes()
            ]
        finally:
            await client.close()
        assert [("city", 1), ("age", -1), ("_id", 1)] in found
        assert [("vip", 1), ("_id", 1)] in found


@pytest.mark.mongo
class TestMongoStore(StoreContract):
    @pytest.fixture(
        params=[
            pytest.param(None, id="detected"),
            pytest.param(True, id="atomic-filters"),
        ]
    )
    async def store(
        self, request: pytest.FixtureRequest, mongo_uri: str
    ) -> AsyncIterator[DocumentStore]:
        async with fresh_mongo_store(
            mongo_uri, "contract", atomic_filters=request.param
        ) as mongo_store:
            yield mongo_store


async def test_sqlite_data_survives_reopening(tmp_path: Path) -> None:
    first = SqliteDocumentStore(tmp_path / "svc.db")
    await first.insert(C, {"_id": "a", "名字": "值", "_outbox": outbox("e1")})
    await first.close()
    second = SqliteDocumentStore(tmp_path / "svc.db")
    assert ids(await second.with_outbox(C, 10)) == ["a"]
    assert (await second.get(C, "a") or {})["名字"] == "值"
    await second.close()
    with sqlite3.connect(tmp_path / "svc.db") as check:
        assert check.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_sqlite_an_indexed_page_and_count_read_the_index(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "svc.db")
    await store.insert_many(
        C,
        [
            {"_id": f"d{i:03d}", "status": "listed" if i % 3 else "gone", "code": -i}
            for i in range(300)
        ],
    )
    await store.ensure_index(C, [("status", 1), ("code", 1)])
    await store.close()
    with sqlite3.connect(tmp_path / "svc.db") as conn:
        plans = {
            query: " ".join(str(row[3]) for row in conn.execute("EXPLAIN QUERY PLAN " + query))
            for query in (
                f'SELECT count(*) FROM "c_{C}" WHERE "ix:status:t" = 2 AND "ix:status:v" = 1',
                f'SELECT doc FROM "c_{C}" WHERE "ix:status:t" = 2 AND "ix:status:v" = 1 '
                'ORDER BY "ix:code:t", "ix:code:v", id LIMIT 20',
            )
        }
    count_plan, page_plan = plans.values()
    assert "COVERING INDEX" in count_plan
    assert "USING INDEX" in page_plan and "TEMP B-TREE" not in page_plan
    reopened = SqliteDocumentStore(tmp_path / "svc.db")
    await reopened.ensure_index(C, [("status", 1), ("code", 1)])
    page = await reopened.find(C, {"status": "listed"}, sort=[("code", 1)], skip=1, limit=3)
    assert ids(page) == ["d298", "d296", "d295"]
    assert await reopened.count(C, {"status": "listed"}) == 200
    await reopened.close()


async def test_sqlite_key_columns_follow_writers_that_never_declared_the_index(
    tmp_path: Path,
) -> None:
    """Another store opened before the index was declared, and an operator's shell."""
    early = SqliteDocumentStore(tmp_path / "svc.db")
    await early.insert(C, {"_id": "a", "status": "listed"})
    declaring = SqliteDocumentStore(tmp_path / "svc.db")
    await declaring.ensure_index(C, [("status", 1)])
    await early.insert(C, {"_id": "b", "status": "listed"})
    await early.replace(C, {"_id": "a", "status": "gone"}, 1)
    with sqlite3.connect(tmp_path / "svc.db") as shell:
        shell.execute(
            f'INSERT INTO "c_{C}" (id, version, doc) VALUES (?, 1, ?)',
            ("c", '{"_id":"c","status":"listed","_version":1,"_outbox":[]}'),
        )
    assert ids(await declaring.find(C, {"status": "listed"})) == ["b", "c"]
    assert await declaring.count(C, {"status": "gone"}) == 1
    await early.close()
    await declaring.close()


@pytest.mark.parametrize("where", ["missing-dir/x.db", "a-directory"])
async def test_sqlite_unopenable_file_is_unavailable(tmp_path: Path, where: str) -> None:
    (tmp_path / "a-directory").mkdir()
    store = SqliteDocumentStore(tmp_path / where)
    with pytest.raises(StoreUnavailable):
        await store.ping()
    with pytest.raises(StoreUnavailable):
        await store.get(C, "a")


async def test_sqlite_non_database_file_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "garbage.db"
    path.write_bytes(os.urandom(8192))
    store = SqliteDocumentStore(path)
    with pytest.raises(StoreUnavailable):
        await store.insert(C, {"_id": "a"})
    await store.close()


KILLED_WRITER = """
import asyncio, sys
from libs.store.sqlite import SqliteDocumentStore

async def main() -> None:
    store = SqliteDocumentStore(sys.argv[1])
    n = 0
    while True:
        await store.insert("things", {"_id": f"d{n:06d}", "_outbox": [{"event_id": f"e{n}"}]})
        if n % 3 == 0:
            await store.replace("things", {"_id": f"d{n:06d}", "v": n, "_outbox": []}, 1)
        print(n, flush=True)  # acknowledged: the write has returned
        n += 1

asyncio.run(main())
"""


async def test_sqlite_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "killed.db"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        KILLED_WRITER,
        str(path),
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    acknowledged = -1
    while acknowledged < 300:
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=60)
        assert line, "the writer died on its own"
        acknowledged = int(line)
    proc.send_signal(signal.SIGKILL)
    await proc.wait()

    store = SqliteDocumentStore(path)
    for n in range(acknowledged + 1):
        doc = await store.get(C, f"d{n:06d}")
        assert doc is not None, n
        if n % 3 == 0:
            assert (doc["v"], doc["_version"], doc["_outbox"]) == (n, 2, [])
    pending = await store.with_outbox(C, 0)
    assert {d["_id"] for d in pending} >= {f"d{n:06d}" for n in range(1, acknowledged + 1) if n % 3}
    await store.close()
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)


async def test_mongo_unreachable_server_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = MongoDocumentStore(
        f"mongodb://127.0.0.1:{port}/", "nothing", server_selection_timeout_ms=200
    )
    with pytest.raises(StoreUnavailable):
        await store.ping()
    with pytest.raises(StoreUnavailable):
        await store.get(C, "a")
    with pytest.raises(StoreUnavailable):
        await store.insert(C, {"_id": "a"})
    await store.close()
