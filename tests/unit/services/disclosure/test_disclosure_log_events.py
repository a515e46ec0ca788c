"""The log's ``disclosure.published`` events (DIS-3) are staged by the write-out in a
document of their own per run (``log_state/events/<first>``), not in the head: one event
per record, the same payload as before, none twice when a write-out is cut after staging
them or when a head written before (its events in its own outbox) is carried on."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import pytest

from contracts.envelope import SYSTEM_ACTOR, decode, new_envelope, to_builtins
from contracts.events import DisclosurePublished
from libs.outbox import to_message
from libs.store.port import Document, DocumentStore
from libs.store.sqlite import SqliteDocumentStore
from services.disclosure.adapters.log_repository import (
    HEAD_ID,
    STATE,
    WRITTEN_ID,
    StoredLog,
)
from tests.support.log_tiles import CountingStore, context, leaf_hashes, record


class Cut(Exception):
    """The process 'dies' here."""


class CutBeforeMark(CountingStore):
    """A store whose process dies when the written-out mark is written."""

    async def insert_many(self, collection: str, docs: Sequence[Document]) -> int:
        return await self._inner.insert_many(collection, docs)

    async def insert(self, collection: str, doc: Document) -> Document:
        if doc["_id"] == WRITTEN_ID:
            raise Cut
        return await self._inner.insert(collection, doc)

    async def replace(self, collection: str, doc: Document, expected_version: int) -> Document:
        if doc["_id"] == WRITTEN_ID:
            raise Cut
        return await self._inner.replace(collection, doc, expected_version)


async def _published(store: SqliteDocumentStore) -> list[tuple[str, DisclosurePublished]]:
    """Every staged ``disclosure.published`` event: (subject, payload), in order."""
    found: list[tuple[str, DisclosurePublished]] = []
    for doc in await store.with_outbox(STATE, 0):
        for entry in doc["_outbox"]:
            envelope = decode(to_message(entry).value)  # what the relay publishes
            assert isinstance(envelope.payload, DisclosurePublished)
            assert entry["event_id"] == str(envelope.event_id)
            found.append((envelope.subject, envelope.payload))
    return found


def _expected(indexes: range) -> list[tuple[str, DisclosurePublished]]:
    hashes = leaf_hashes(indexes.stop)
    return [
        (
            record(i).record_id,
            DisclosurePublished(
                record_id=record(i).record_id,
                kind=record(i).kind,
                title=record(i).title,
                leaf_index=i,
                leaf_hash=hashes[i].hex(),
            ),
        )
        for i in indexes
    ]


async def test_DIS_3_a_runs_events_are_staged_beside_the_head_one_per_record(
    tmp_path: Path,
) -> None:
    store = SqliteDocumentStore(tmp_path / "d.sqlite")
    stored = StoredLog(context(store))
    await stored.append([record(i) for i in range(300)], actor=SYSTEM_ACTOR)
    await stored.append([record(i) for i in range(250, 520)], actor=SYSTEM_ACTOR)
    head = await store.get(STATE, HEAD_ID)
    assert head is not None and head["_outbox"] == []  # the head stays small
    assert await _published(store) == _expected(range(520))
    runs = await store.with_outbox(STATE, 0)
    assert [(d["_id"], d["first"], d["end"]) for d in runs] == [
        ("events/000000000000", 0, 300),
        ("events/000000000300", 300, 520),
    ]
    assert all(isinstance(e["envelope"], str) for d in runs for e in d["_outbox"])  # encoded
    await store.close()


@pytest.mark.parametrize("finisher", ["append", "signer"])
async def test_DIS_3_a_write_out_cut_after_its_events_stages_none_twice(
    tmp_path: Path, finisher: str
) -> None:
    store = SqliteDocumentStore(tmp_path / "d.sqlite")
    await StoredLog(context(store)).append([record(i) for i in range(100)], actor=SYSTEM_ACTOR)
    dying = StoredLog(context(cast(DocumentStore, CutBeforeMark(store))))
    with pytest.raises(Cut):
        await dying.append([record(i) for i in range(100, 200)], actor=SYSTEM_ACTOR)
    assert await _published(store) == _expected(range(200))  # staged, mark not raised

    restarted = StoredLog(context(store))
    if finisher == "append":
        added = await restarted.append([record(i) for i in range(150, 260)], actor=SYSTEM_ACTOR)
        assert [e.index for e in added] == list(range(200, 260))
        size = 260
    else:
        await restarted.write_out()
        size = 200
    assert await restarted.size() == size
    assert await _published(store) == _expected(range(size))
    await store.close()


async def test_DIS_3_a_head_holding_its_events_is_carried_without_staging_them_again(
    tmp_path: Path,
) -> None:
    """A head written before the events moved out: its leaves' events ride in its own
    outbox, and a run of it may be unwritten (a crash). Appending on it stages the new
    leaves' events only; the relay still publishes the old ones from the head."""
    store = SqliteDocumentStore(tmp_path / "d.sqlite")
    await StoredLog(context(store)).append([record(i) for i in range(50)], actor=SYSTEM_ACTOR)
    for doc in await store.with_outbox(STATE, 0):  # nothing staged beside the head
        await store.clear_outbox(STATE, doc["_id"], [e["event_id"] for e in doc["_outbox"]])
    new_shape = await store.get(STATE, HEAD_ID)
    assert new_shape is not None
    old_events = _old_outbox(range(50, 80))
    old: dict[str, Any] = {k: v for k, v in new_shape.items() if k != "events_from"}
    # Leaves 50..79 as the old code committed them: events in the head's outbox.
    grown = StoredLog(context(store))
    await grown.append([record(i) for i in range(50, 80)], actor=SYSTEM_ACTOR)
    committed = await store.get(STATE, HEAD_ID)
    assert committed is not None
    for doc in await store.with_outbox(STATE, 0):
        await store.clear_outbox(STATE, doc["_id"], [e["event_id"] for e in doc["_outbox"]])
    old.update(
        size=80,
        frontier=committed["frontier"],
        pending=committed["pending"],
        counts=committed["counts"],
        _outbox=old_events,
    )
    await store.replace(STATE, old, int(committed["_version"]))
    mark = await store.get(STATE, WRITTEN_ID)
    assert mark is not None
    await store.replace(STATE, {"_id": WRITTEN_ID, "size": 50}, int(mark["_version"]))
    # ... and its write-out cut before the mark: the next append carries 50..79.

    await StoredLog(context(store)).append([record(i) for i in range(70, 90)], actor=SYSTEM_ACTOR)
    assert await _published(store) == _expected(range(50, 90))  # 50..79 from the head
    head = await store.get(STATE, HEAD_ID)
    assert head is not None and head["events_from"] == 80 and head["size"] == 90
    await store.close()


def _old_outbox(indexes: range) -> list[dict[str, Any]]:
    """The outbox entries the old code staged in the head for ``indexes``."""
    return [
        {
            "event_id": str(envelope.event_id),
            "envelope": to_builtins(envelope),
            "headers": {},
        }
        for envelope in (
            new_envelope(payload, region="370300", actor=SYSTEM_ACTOR, subject=subject)
            for subject, payload in _expected(indexes)
        )
    ]
