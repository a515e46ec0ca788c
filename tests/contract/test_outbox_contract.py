"""The outbox relay on both stores: every staged event goes out, across crashes, once in effect.

A "crash" is a store whose next write raises ``SystemExit`` (the process dies there); a
"restart" is a new store over the same database and a new relay. The events the relay
publishes are handed to a ``Consumer`` with positions, as a bus would, so a republished
event is shown to have one effect. On the MongoDB-wire stand-in (FerretDB 1.x, which
scans whole collections for any filter but a lone ``_id``) the relay's pending read is
also shown to look documents up by ``_id`` only, through the store's pending markers.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring

from contracts.envelope import SYSTEM_ACTOR, Envelope, decode, new_envelope
from contracts.events import OrgRegistered
from libs.bus.consumer import Consumer
from libs.bus.inbox import Inbox
from libs.bus.port import Message
from libs.outbox import OutboxRelay, stage
from libs.store.mongo import MARKERS_PREFIX, MongoDocumentStore
from libs.store.port import Document, DocumentStore
from libs.store.sqlite import SqliteDocumentStore

C = "orgs"

StoreFactory = Callable[..., DocumentStore]
"""Opens the contract's database; ``crash_on`` names a method that dies when called."""


def event(org: str) -> Envelope:
    return new_envelope(
        OrgRegistered(
            org_id=org, name=org, role="provider", region="370300", credit_code="91370300MA3C7H9K2X"
        ),
        region="370300",
        actor=SYSTEM_ACTOR,
        subject=org,
    )


class RecordingBus:
    """A bus that appends each published record to one log, with its offset."""

    def __init__(self) -> None:
        self.log: list[Message] = []

    async def publish_many(self, messages: list[Message]) -> None:
        for m in messages:
            self.log.append(
                Message(m.topic, m.key, m.value, m.headers, partition=0, offset=len(self.log))
            )

    async def publish(self, message: Message) -> None:
        await self.publish_many([message])


def relay(store: DocumentStore, bus: RecordingBus) -> OutboxRelay:
    return OutboxRelay(service="identity", store=store, bus=bus, collections=[C])  # type: ignore[arg-type]


def _crashing(base: type[Any], method: str) -> type[Any]:
    """``base`` whose ``method`` kills the process: on entry, or right after it returned
    when ``method`` ends in ``+`` (``"_mark_pending+"``: the marker is written)."""
    name, after = method.rstrip("+"), method.endswith("+")
    original = getattr(base, name)

    if inspect.iscoroutinefunction(original):

        async def crash(self: Any, *args: Any, **kwargs: Any) -> Any:
            if after:
                await original(self, *args, **kwargs)
            raise SystemExit(f"killed in {method}")

    else:

        def crash(self: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            if after:
                original(self, *args, **kwargs)
            raise SystemExit(f"killed in {method}")

    return type(f"Crashing{base.__name__}", (base,), {name: crash})


class OutboxContract:
    async def test_a_crash_between_publish_and_clear_republishes_once_in_effect(
        self, open_store: StoreFactory
    ) -> None:
        bus = RecordingBus()
        first = open_store()
        await first.insert(C, stage({"_id": "org-1"}, [event("org-1")]))
        await first.insert(C, stage({"_id": "org-2"}, [event("org-2")]))
        dying = open_store(crash_on="clear_outbox")
        with pytest.raises(SystemExit):
            await relay(dying, bus).drain()
        assert len(bus.log) == 2  # published, never cleared

        restarted = open_store()
        assert await relay(restarted, bus).drain() == 2
        assert await restarted.with_outbox(C, 10) == []
        assert len(bus.log) == 4  # each event twice on the wire

        effects: list[str] = []

        async def handle(envelope: Envelope) -> None:
            effects.append(envelope.subject)

        consumer_store = open_store()
        inbox = Inbox(consumer_store, "catalog")
        await Consumer(bus=bus, group="catalog", inbox=inbox, handler=handle)(list(bus.log))  # type: ignore[arg-type]
        assert sorted(effects) == ["org-1", "org-2"]
        first_ids = [decode(m.value).event_id for m in bus.log[:2]]
        assert sorted(decode(m.value).event_id for m in bus.log[2:]) == sorted(first_ids)

    async def test_events_staged_after_a_clear_go_out_in_order(
        self, open_store: StoreFactory
    ) -> None:
        bus = RecordingBus()
        store = open_store()
        await store.insert(C, stage({"_id": "org-1"}, [event("org-1")]))
        assert await relay(store, bus).drain() == 1
        doc = await store.get(C, "org-1")
        assert doc is not None
        later = [event("org-1"), event("org-1")]
        await store.replace(C, stage(doc, later), doc["_version"])
        restarted = open_store()
        assert [
            e["event_id"] for d in await restarted.with_outbox(C, 10) for e in d["_outbox"]
        ] == [str(e.event_id) for e in later]
        assert await relay(restarted, bus).drain() == 2
        assert [decode(m.value).event_id for m in bus.log[1:]] == [e.event_id for e in later]
        assert await store.with_outbox(C, 10) == []

    async def test_a_crash_before_the_document_write_leaves_nothing_pending(
        self, open_store: StoreFactory, crash_before_write: str
    ) -> None:
        store = open_store()
        await store.insert(C, {"_id": "org-1"})
        dying = open_store(crash_on=crash_before_write)
        with pytest.raises(SystemExit):
            await dying.insert(C, stage({"_id": "org-2"}, [event("org-2")]))
        doc = await store.get(C, "org-1")
        assert doc is not None
        with pytest.raises(SystemExit):
            await dying.replace(C, stage(doc, [event("org-1")]), doc["_version"])
        restarted = open_store()
        assert await restarted.with_outbox(C, 10) == []
        assert await restarted.get(C, "org-2") is None
        bus = RecordingBus()
        assert await relay(restarted, bus).drain() == 0
        assert bus.log == []


class TestSqliteOutbox(OutboxContract):
    @pytest.fixture
    def open_store(self, tmp_path: Path) -> StoreFactory:
        def open_(crash_on: str | None = None) -> DocumentStore:
            cls = _crashing(SqliteDocumentStore, crash_on) if crash_on else SqliteDocumentStore
            return cls(tmp_path / "service.db")

        return open_

    @pytest.fixture
    def crash_before_write(self) -> str:
        return "_next_seq"  # dies as the write is being prepared, before it commits


class _Commands(monitoring.CommandListener):
    """Every command sent, as (command name, collection, filter)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        self.sent.append((name, str(event.command.get(name)), event.command.get("filter")))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.mark.mongo
class TestFerretOutbox(OutboxContract):
    """The FerretDB code path (``atomic_filters=False``: pending markers), on the session's
    MongoDB-wire server."""

    @pytest.fixture
    async def open_store(self, mongo_uri: str) -> AsyncIterator[StoreFactory]:
        database = f"outbox_{uuid.uuid4().hex[:16]}"
        opened: list[MongoDocumentStore] = []

        def open_(crash_on: str | None = None, **options: Any) -> DocumentStore:
            cls = _crashing(MongoDocumentStore, crash_on) if crash_on else MongoDocumentStore
            store: MongoDocumentStore = cls(mongo_uri, database, atomic_filters=False, **options)
            opened.append(store)
            return store

        yield open_
        for store in opened:
            await store.close()
        client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri)
        try:
            await client.drop_database(database)
        finally:
            await client.close()

    @pytest.fixture
    def crash_before_write(self) -> str:
        # dies after the document's marker is written and before the document itself
        return "_mark_pending+"

    async def test_the_pending_read_looks_documents_up_by_id_only(
        self, open_store: StoreFactory
    ) -> None:
        commands = _Commands()
        store = open_store(event_listeners=[commands])
        await store.insert_many(C, [{"_id": f"quiet-{i}"} for i in range(50)])
        await store.insert(C, stage({"_id": "org-1"}, [event("org-1")]))
        await store.insert(C, stage({"_id": "org-2"}, [event("org-2")]))
        bus = RecordingBus()
        assert await relay(store, bus).drain() == 2  # the first read also sweeps once
        await store.insert(C, stage({"_id": "org-3"}, [event("org-3")]))
        commands.sent.clear()
        assert await relay(store, bus).drain() == 1
        finds = [(coll, where) for name, coll, where in commands.sent if name == "find"]
        assert (MARKERS_PREFIX + C, {}) in finds
        on_documents = [where for coll, where in finds if coll == C]
        assert on_documents
        assert all(
            set(where) == {"_id"} and isinstance(where["_id"], str) for where in on_documents
        )
        assert await store.count(MARKERS_PREFIX + C) == 0

    async def test_pending_documents_written_without_a_marker_are_found_after_restart(
        self, open_store: StoreFactory, mongo_uri: str
    ) -> None:
        store = open_store()
        await store.insert(C, {"_id": "org-0"})
        assert isinstance(store, MongoDocumentStore)
        client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri)
        try:
            # as a build before the markers (or another process) left it
            env = event("org-1")
            legacy = stage({"_id": "org-1", "_version": 1}, [env])
            legacy["_outbox_seq"] = 1
            await client[store.database][C].insert_one(legacy)
        finally:
            await client.close()
        restarted = open_store()
        pending = await restarted.with_outbox(C, 10)
        assert [d["_id"] for d in pending] == ["org-1"]
        bus = RecordingBus()
        assert await relay(restarted, bus).drain() == 1
        assert [decode(m.value).event_id for m in bus.log] == [env.event_id]
        assert await restarted.with_outbox(C, 10) == []
