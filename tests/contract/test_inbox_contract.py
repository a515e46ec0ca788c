"""The consumer inbox on both stores: exactly one effect per event, whatever is redelivered.

Drives ``libs.bus.consumer.Consumer`` with batches of positioned records, as a bus hands
them over, and plays the crashes by hand: a "restart" is a new ``Inbox`` (an empty
in-memory cache) over the same store. Runs on SQLite and on the MongoDB-wire stand-in
(FerretDB 1.x), where the inbox must not depend on ``$in`` (the stand-in scans whole
tables for it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from contracts.envelope import (
    SYSTEM_ACTOR,
    Envelope,
    decode,
    encode,
    event_id_text,
    new_envelope,
)
from contracts.events import OrgRegistered
from libs.bus.consumer import Consumer
from libs.bus.inbox import COLLECTION, MARKS, Inbox
from libs.bus.port import Message
from libs.store.port import Document, DocumentStore, DuplicateDocument, StoreUnavailable
from libs.store.sqlite import SqliteDocumentStore
from tests.support.stores import fresh_mongo_store

TOPIC = "pdo.370300.identity.orgs.v1"


def event(org: str) -> Envelope:
    return new_envelope(
        OrgRegistered(
            org_id=org,
            name=f"机构{org}",
            role="provider",
            region="370300",
            credit_code="91370300MA3C7H9K2X",
        ),
        region="370300",
        actor=SYSTEM_ACTOR,
        subject=org,
    )


def at(offset: int, envelope: Envelope, partition: int = 0) -> Message:
    return Message(
        topic=TOPIC,
        key=envelope.subject,
        value=encode(envelope),
        partition=partition,
        offset=offset,
    )


class _NoBus:
    """The consumer publishes only dead letters; none are expected here."""

    async def publish_many(self, messages: list[Message]) -> None:
        raise AssertionError(f"unexpected dead letters: {messages}")


class _Spy:
    """A store that records every ``find`` filter (to prove no ``$in`` on the hot path)."""

    def __init__(self, inner: DocumentStore) -> None:
        self._inner = inner
        self.finds: list[Mapping[str, Any] | None] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def find(self, collection: str, where: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        self.finds.append(where)
        return await self._inner.find(collection, where, **kw)


class Effects:
    def __init__(self) -> None:
        self.seen: list[str] = []
        self.fail_on: str | None = None

    async def __call__(self, envelope: Envelope) -> None:
        if envelope.subject == self.fail_on:
            raise StoreUnavailable("the store went away mid-batch")
        self.seen.append(envelope.subject)


class _MarksDown:
    """A store whose inbox marks cannot be written: the process "dies" right after the
    handler's writes, before the batch is confirmed."""

    def __init__(self, inner: DocumentStore) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def insert(self, collection: str, doc: Document) -> Document:
        if collection == MARKS:
            raise StoreUnavailable("the store went away before the mark")
        return await self._inner.insert(collection, doc)

    async def replace(self, collection: str, doc: Document, expected_version: int) -> Document:
        if collection == MARKS:
            raise StoreUnavailable("the store went away before the mark")
        return await self._inner.replace(collection, doc, expected_version)


USES = "metered_uses"


class Metering:
    """Billing's metering as it writes: one use per event under the event id, a run of
    events in one ``insert_many`` (the batch handler), one ``insert`` as its fallback."""

    def __init__(self, store: DocumentStore) -> None:
        self.store = store
        self.runs = 0

    @staticmethod
    def use(envelope: Envelope) -> Document:
        return {"_id": event_id_text(envelope), "org": envelope.subject, "quantity": 1}

    async def one(self, envelope: Envelope) -> None:
        try:
            await self.store.insert(USES, self.use(envelope))
        except DuplicateDocument:
            return

    async def run(self, envelopes: Sequence[Envelope]) -> None:
        self.runs += 1
        await self.store.insert_many(USES, [self.use(e) for e in envelopes])


def metering_consumer(store: DocumentStore, metering: Metering) -> Consumer:
    """A freshly started billing consumer (empty inbox cache) over ``store``."""
    return Consumer(
        bus=_NoBus(),  # type: ignore[arg-type]
        group="billing",
        inbox=Inbox(store, "billing"),
        handler=metering.one,
        batch_handlers={"org.registered": metering.run},
    )


def consumer(store: DocumentStore, effects: Effects, group: str = "disclosure") -> Consumer:
    """A consumer as a freshly started process has it: an inbox with an empty cache."""
    return Consumer(bus=_NoBus(), group=group, inbox=Inbox(store, group), handler=effects)  # type: ignore[arg-type]


class InboxContract:
    async def test_a_batch_redelivered_after_a_crash_between_handling_and_commit_is_ignored(
        self, store: DocumentStore
    ) -> None:
        effects = Effects()
        batch = [at(0, event("org-a")), at(1, event("org-b"))]
        await consumer(store, effects)(batch)
        # The process dies before the broker commit; the restarted one gets it all again.
        await consumer(store, effects)(batch)
        await consumer(store, effects)([*batch, at(2, event("org-c"))])
        assert effects.seen == ["org-a", "org-b", "org-c"]

    async def test_an_event_published_twice_is_handled_once_even_across_a_restart(
        self, store: DocumentStore
    ) -> None:
        effects = Effects()
        once = event("org-a")
        await consumer(store, effects)([at(0, once), at(1, event("org-b"))])
        # An outbox relay crashed between publishing and clearing: the same event again,
        # at a later offset, read by a restarted consumer (no cache).
        await consumer(store, effects)([at(2, once), at(3, event("org-c"))])
        assert effects.seen == ["org-a", "org-b", "org-c"]

    async def test_a_crash_before_handling_loses_nothing(self, store: DocumentStore) -> None:
        effects = Effects()
        effects.fail_on = "org-b"
        batch = [at(0, event("org-a")), at(1, event("org-b")), at(2, event("org-c"))]
        with pytest.raises(StoreUnavailable):
            await consumer(store, effects)(batch)  # claimed, half handled, not confirmed
        effects.fail_on = None
        await consumer(store, effects)(batch)  # redelivered from the last commit
        # org-a's effect is applied again (handlers are keyed by the event: harmless),
        # and none of the batch is lost.
        assert effects.seen == ["org-a", "org-a", "org-b", "org-c"]
        await consumer(store, effects)(batch)
        assert effects.seen == ["org-a", "org-a", "org-b", "org-c"]

    async def test_a_crash_between_the_batch_handlers_writes_and_the_mark_bills_once(
        self, store: DocumentStore
    ) -> None:
        metering = Metering(store)
        a, b, c = event("org-a"), event("org-b"), event("org-c")
        batch = [at(0, a), at(1, b), at(2, a), at(3, c)]  # org-a published twice
        with pytest.raises(StoreUnavailable):
            # The uses are written, then the process dies before the mark moves.
            await metering_consumer(_MarksDown(store), metering)(batch)  # type: ignore[arg-type]
        assert await store.count(USES) == 3
        assert await store.get(MARKS, f"billing:{TOPIC}:0") is None
        # The restarted consumer gets the batch again, and a new event after it.
        d = event("org-d")
        await metering_consumer(store, metering)([*batch, at(4, d)])
        await metering_consumer(store, metering)([*batch, at(4, d)])  # once more: a no-op
        uses = await store.find(USES)
        assert sorted(u["_id"] for u in uses) == sorted(event_id_text(e) for e in (a, b, c, d))
        assert sum(u["quantity"] for u in uses) == 4  # each event billed once, none lost
        assert metering.runs == 2  # the second redelivery handled nothing
        mark = await store.get(MARKS, f"billing:{TOPIC}:0")
        assert mark is not None and mark["offset"] == 4

    async def test_repeats_inside_one_batch_and_across_partitions_have_one_effect(
        self, store: DocumentStore
    ) -> None:
        effects = Effects()
        one = event("org-a")
        await consumer(store, effects)(
            [at(0, one), at(1, one), at(0, event("org-b"), partition=1), at(2, one)]
        )
        await consumer(store, effects)([at(1, event("org-c"), partition=1), at(3, one)])
        assert effects.seen == ["org-a", "org-b", "org-c"]

    async def test_seen_reports_only_confirmed_events(self, store: DocumentStore) -> None:
        effects = Effects()
        effects.fail_on = "org-b"
        a, b = event("org-a"), event("org-b")
        with pytest.raises(StoreUnavailable):
            await consumer(store, effects)([at(0, a), at(1, b)])
        inbox = Inbox(store, "disclosure")
        assert await inbox.seen([str(a.event_id), str(b.event_id)]) == set()
        effects.fail_on = None
        await consumer(store, effects)([at(0, a), at(1, b)])
        assert await inbox.seen([str(a.event_id), str(b.event_id)]) == {
            str(a.event_id),
            str(b.event_id),
        }

    async def test_a_mark_never_moves_backwards(self, store: DocumentStore) -> None:
        effects = Effects()
        await consumer(store, effects)([at(10, event("org-late"))])
        # A stale consumer of the group (a zombie after a rebalance) confirms an older batch.
        await consumer(store, effects)([at(5, event("org-early"))])
        mark = await store.get(MARKS, f"disclosure:{TOPIC}:0")
        assert mark is not None and mark["offset"] == 10
        assert effects.seen == ["org-late"]

    async def test_a_mark_written_between_claim_and_mark_is_read_again(
        self, store: DocumentStore
    ) -> None:
        # Consumers of the group hold batches of one partition at once (a rebalance):
        # each reads the mark when claiming; one confirming after another wrote the mark
        # must neither write at the version it read nor move the mark back.
        def claimed(inbox: Inbox, batch: list[Message]) -> Any:
            return inbox.claim(batch, [(m, str(decode(m.value).event_id)) for m in batch])

        first = Inbox(store, "disclosure")
        await claimed(first, [at(0, event("org-a"))])
        await first.mark([])
        behind, ahead, middle = (Inbox(store, "disclosure") for _ in range(3))
        await claimed(behind, [at(1, event("org-b")), at(2, event("org-c"))])
        await claimed(ahead, [at(7, event("org-h"))])
        await claimed(middle, [at(4, event("org-e"))])
        await middle.mark([])  # 0 -> 4, version 2
        await behind.mark([])  # read at version 1: read again; 4 >= 2, unchanged
        mark = await store.get(MARKS, f"disclosure:{TOPIC}:0")
        assert mark is not None and (mark["offset"], mark["_version"]) == (4, 2)
        await ahead.mark([])  # read at version 1: read again; 7 > 4, moved
        mark = await store.get(MARKS, f"disclosure:{TOPIC}:0")
        assert mark is not None and (mark["offset"], mark["_version"]) == (7, 3)

    async def test_groups_do_not_share_claims_or_marks(self, store: DocumentStore) -> None:
        effects, other = Effects(), Effects()
        batch = [at(0, event("org-a"))]
        await consumer(store, effects, "disclosure")(batch)
        await consumer(store, other, "billing")(batch)
        assert effects.seen == other.seen == ["org-a"]

    async def test_the_consuming_path_looks_nothing_up_with_in(self, store: DocumentStore) -> None:
        spy = _Spy(store)
        effects = Effects()
        once = event("org-a")
        batches: list[Sequence[Message]] = [
            [at(i, event(f"org-{i}")) for i in range(50)],
            [at(50, once), at(51, event("org-z"))],
        ]
        for batch in batches:
            await consumer(spy, effects)(list(batch))  # type: ignore[arg-type]
        await consumer(spy, effects)([at(52, once)])  # type: ignore[arg-type]
        assert spy.finds == []
        assert len(effects.seen) == 52
        assert await store.count(COLLECTION) == 52
        assert await store.count(MARKS) == 1


class TestSqliteInbox(InboxContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[DocumentStore]:
        sqlite_store = SqliteDocumentStore(tmp_path / "consumer.db")
        yield sqlite_store
        await sqlite_store.close()


@pytest.mark.mongo
class TestFerretInbox(InboxContract):
    @pytest.fixture
    async def store(self, mongo_uri: str) -> AsyncIterator[DocumentStore]:
        async with fresh_mongo_store(mongo_uri, "inbox") as mongo_store:
            yield mongo_store
