"""The outbox relay and a refused topic (FED-1 least privilege): a refused write holds
back that topic's events only; the other topics' events keep going out; order per topic
and partition key is kept; the background relay backs off per refused topic instead of
retrying the refused write on every wake-up; nothing is lost, and after the grant the
held events go out in the order they were staged."""

from __future__ import annotations

from pathlib import Path

from contracts.envelope import SYSTEM_ACTOR, Envelope, decode, new_envelope
from contracts.events import ListingCreated, OrderReceived, OrgRegistered
from libs.bus.embedded import EmbeddedBus
from libs.bus.port import Message
from libs.outbox import OutboxRelay, stage
from libs.store.sqlite import SqliteDocumentStore

ORGS = "pdo.370300.identity.organizations.v1"
TRADES = "pdo.370300.trading.trades.v1"


class TopicRefusingBus(EmbeddedBus):
    """A bus whose broker refuses writes to the topics in ``refused`` (a missing ACL) and
    counts the write attempts per topic."""

    def __init__(self, path: Path, refused: set[str]) -> None:
        super().__init__(path)
        self.refused = refused
        self.attempts: dict[str, int] = {}

    async def publish_many(self, messages: list[Message]) -> None:
        for topic in {m.topic for m in messages}:
            self.attempts[topic] = self.attempts.get(topic, 0) + 1
        denied = sorted({m.topic for m in messages} & self.refused)
        if denied:
            raise PermissionError(f"TopicAuthorizationFailed: {denied} (test stand-in)")
        await super().publish_many(messages)


def _org(org: str) -> Envelope:
    return new_envelope(
        OrgRegistered(
            org_id=org, name=org, role="provider", region="370300", credit_code="91370300MA3C7H9K2X"
        ),
        region="370300",
        actor=SYSTEM_ACTOR,
        subject=org,
    )


def _listing(listing: str) -> Envelope:
    return new_envelope(
        ListingCreated(
            listing_id=listing, product_id="p", exchange_org_id="x", price_fen=100, unit="次"
        ),
        region="370300",
        actor=SYSTEM_ACTOR,
        subject=listing,
    )


def _order(order: str, listing: str) -> Envelope:
    return new_envelope(
        OrderReceived(order_id=order, listing_id=listing, product_id="p", buyer_org_id="b",
                      quantity=1),
        region="370300", actor=SYSTEM_ACTOR, subject=order,
    )  # fmt: skip


def _ids(bus: EmbeddedBus, topic: str) -> list[str]:
    return [str(decode(m.value).event_id) for m in bus.read_topic(topic)]


async def test_FED_1_a_refused_topic_holds_only_its_events_and_they_go_out_in_order_after_the_grant(
    tmp_path: Path,
) -> None:
    bus = TopicRefusingBus(tmp_path / "bus.sqlite", refused={ORGS})
    store = SqliteDocumentStore(tmp_path / "svc.sqlite")
    org1, org2, org3 = _org("org-1"), _org("org-2"), _org("org-3")
    listing1, listing2 = _listing("l-1"), _listing("l-2")
    # staged interleaved: organisations (refused topic) and listings (allowed topic)
    await store.insert("orgs", stage({"_id": "org-1"}, [org1]))
    await store.insert("listings", stage({"_id": "l-1"}, [listing1]))
    await store.insert("orgs", stage({"_id": "org-2"}, [org2]))
    await store.insert("listings", stage({"_id": "l-2"}, [listing2]))
    await store.insert("orgs", stage({"_id": "org-3"}, [org3]))
    relay = OutboxRelay(service="identity", store=store, bus=bus, collections=["orgs", "listings"])

    assert await relay.pass_once() == 0  # a failed pass, reported
    assert relay.failure is not None and ORGS in relay.failure and TRADES not in relay.failure
    assert relay.published_last == 2
    # the allowed topic's events went out, in order, and left the outbox
    assert _ids(bus, TRADES) == [str(listing1.event_id), str(listing2.event_id)]
    assert await store.with_outbox("listings", 10) == []
    # the refused topic's events are kept, none is on the wire
    assert _ids(bus, ORGS) == []
    kept = await store.with_outbox("orgs", 10)
    assert [d["_id"] for d in kept] == ["org-1", "org-2", "org-3"]
    assert relay.refused_topics == (ORGS,)

    bus.refused = set()  # the ACL is granted
    assert await relay.pass_once() == 3
    assert relay.failure is None and relay.refused_topics == ()
    assert _ids(bus, ORGS) == [str(org1.event_id), str(org2.event_id), str(org3.event_id)]
    assert await store.with_outbox("orgs", 10) == []
    assert _ids(bus, TRADES) == [str(listing1.event_id), str(listing2.event_id)]  # once each
    await store.close()


async def test_FED_1_a_held_event_holds_later_events_of_its_document_and_of_its_key(
    tmp_path: Path,
) -> None:
    """Causal order per listing across collections: a listing document whose first
    event is refused holds its later order event; an order of the same listing in a
    later collection waits too, while an order of another listing goes out."""
    bus = TopicRefusingBus(tmp_path / "bus.sqlite", refused={ORGS})
    store = SqliteDocumentStore(tmp_path / "svc.sqlite")
    org = _org("org-1")
    order_a, order_b, order_c = _order("o-a", "l-1"), _order("o-b", "l-1"), _order("o-c", "l-2")
    # one document staging an event of the refused topic, then one of the allowed topic
    await store.insert("listings", stage({"_id": "l-1"}, [org, order_a]))
    await store.insert("orders", stage({"_id": "o-b"}, [order_b]))  # same listing l-1
    await store.insert("orders", stage({"_id": "o-c"}, [order_c]))  # another listing
    relay = OutboxRelay(
        service="trading_bridge", store=store, bus=bus, collections=["listings", "orders"]
    )
    assert await relay.pass_once() == 0
    assert _ids(bus, TRADES) == [str(order_c.event_id)]
    assert [d["_id"] for d in await store.with_outbox("orders", 10)] == ["o-b"]

    bus.refused = set()
    assert await relay.pass_once() == 3
    assert _ids(bus, ORGS) == [str(org.event_id)]
    assert _ids(bus, TRADES) == [
        str(order_c.event_id), str(order_a.event_id), str(order_b.event_id)
    ]  # fmt: skip
    await store.close()


async def test_FED_1_the_background_relay_backs_off_a_refused_topic_and_keeps_publishing_others(
    tmp_path: Path,
) -> None:
    """A commit wakes the relay: the allowed topic's new event goes out at once, and the
    refused write is not tried again before its back-off ends (no spin)."""
    bus = TopicRefusingBus(tmp_path / "bus.sqlite", refused={ORGS})
    store = SqliteDocumentStore(tmp_path / "svc.sqlite")
    await store.insert("orgs", stage({"_id": "org-1"}, [_org("org-1")]))
    relay = OutboxRelay(
        service="identity", store=store, bus=bus, collections=["orgs", "listings"], interval=60
    )
    assert await relay.pass_once(honour_backoff=True) == 0
    assert bus.attempts == {ORGS: 1}
    for n in range(5):
        listing = _listing(f"l-{n}")
        await store.insert("listings", stage({"_id": f"l-{n}"}, [listing]))
        assert await relay.pass_once(honour_backoff=True) == 1
        assert _ids(bus, TRADES)[-1] == str(listing.event_id)
    assert bus.attempts == {ORGS: 1, TRADES: 5}  # the refused topic was not retried
    assert relay.failure is not None and ORGS in relay.failure  # still reported
    assert [d["_id"] for d in await store.with_outbox("orgs", 10)] == ["org-1"]
    # an explicit pass (start-up, tests) retries at once
    bus.refused = set()
    assert await relay.pass_once() == 1
    assert relay.failure is None
    await store.close()


async def test_FED_1_a_batch_full_of_held_documents_does_not_hide_the_others(
    tmp_path: Path,
) -> None:
    bus = TopicRefusingBus(tmp_path / "bus.sqlite", refused={ORGS})
    store = SqliteDocumentStore(tmp_path / "svc.sqlite")
    for n in range(5):
        await store.insert("orgs", stage({"_id": f"org-{n}"}, [_org(f"org-{n}")]))
    listing = _listing("l-1")
    await store.insert("orgs", stage({"_id": "l-1"}, [listing]))  # after five held ones
    relay = OutboxRelay(service="identity", store=store, bus=bus, collections=["orgs"], batch=2)
    assert await relay.pass_once() == 0
    assert _ids(bus, TRADES) == [str(listing.event_id)]
    assert len(await store.with_outbox("orgs", 0)) == 5
    await store.close()


class CountingReads(SqliteDocumentStore):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.reads: list[str] = []

    async def with_outbox(self, collection: str, limit: int) -> list[dict[str, object]]:
        self.reads.append(collection)
        return await super().with_outbox(collection, limit)


async def test_a_pass_reads_each_collection_once_unless_a_batch_was_full(tmp_path: Path) -> None:
    """The hot path (one command's events): one read per collection, no read back; a
    full batch is read again until all of it is out."""
    bus = EmbeddedBus(tmp_path / "bus.sqlite")
    store = CountingReads(tmp_path / "svc.sqlite")
    relay = OutboxRelay(
        service="identity", store=store, bus=bus, collections=["orgs", "listings"], batch=2
    )
    await store.insert("orgs", stage({"_id": "org-0"}, [_org("org-0")]))
    assert await relay.drain() == 1
    assert store.reads == ["listings", "orgs"]
    store.reads.clear()
    for n in range(1, 6):
        await store.insert("orgs", stage({"_id": f"org-{n}"}, [_org(f"org-{n}")]))
    assert await relay.drain() == 5
    assert store.reads == ["listings", "orgs"] * 3  # 2 + 2 + 1 documents
    assert await store.with_outbox("orgs", 0) == []
    assert len(bus.read_topic(ORGS)) == 6
    await store.close()
