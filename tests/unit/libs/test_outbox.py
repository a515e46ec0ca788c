"""The outbox: a relay that dies between publishing and clearing republishes on restart,
and the consumer's inbox turns the duplicate into no second effect."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pytest

from contracts.envelope import SYSTEM_ACTOR, Envelope, decode, encode, new_envelope
from contracts.events import OrgRegistered
from libs.bus.consumer import Consumer
from libs.bus.embedded import EmbeddedBus
from libs.bus.inbox import Inbox
from libs.bus.port import Message
from libs.outbox import OutboxRelay, stage, to_message
from libs.store.sqlite import SqliteDocumentStore
from tests.support.platform import eventually


class CrashBeforeClear(SqliteDocumentStore):
    """A store whose process 'dies' right after the relay published: clearing fails."""

    async def clear_outbox(self, collection: str, doc_id: str, event_ids: Sequence[str]) -> None:
        raise SystemExit("killed between publish and clear")


def _event(org: str) -> Envelope:
    return new_envelope(
        OrgRegistered(
            org_id=org, name=org, role="provider", region="370300", credit_code="91370300MA3C7H9K2X"
        ),
        region="370300",
        actor=SYSTEM_ACTOR,
        subject=org,
    )


async def test_state_and_event_commit_in_one_document(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "svc.sqlite")
    env = _event("org-1")
    await store.insert("orgs", stage({"_id": "org-1", "name": "x"}, [env]))
    pending = await store.with_outbox("orgs", 10)
    assert [e["event_id"] for e in pending[0]["_outbox"]] == [str(env.event_id)]
    await store.close()


async def test_relay_crash_between_publish_and_clear_gives_exactly_one_effect(
    tmp_path: Path,
) -> None:
    bus = EmbeddedBus(tmp_path / "bus.sqlite")
    env = _event("org-1")
    crashing = CrashBeforeClear(tmp_path / "svc.sqlite")
    await crashing.insert("orgs", stage({"_id": "org-1"}, [env]))
    relay = OutboxRelay(service="identity", store=crashing, bus=bus, collections=["orgs"])
    try:
        await relay.drain()
        raise AssertionError("the simulated crash did not happen")
    except SystemExit:
        pass
    await crashing.close()

    store = SqliteDocumentStore(tmp_path / "svc.sqlite")  # the restarted process
    restarted = OutboxRelay(service="identity", store=store, bus=bus, collections=["orgs"])
    assert await restarted.drain() == 1  # the event goes out again
    assert await store.with_outbox("orgs", 10) == []
    topic = "pdo.370300.identity.organizations.v1"
    assert len(bus.read_topic(topic)) == 2  # published twice on the wire

    effects: list[str] = []

    async def handle(e: Envelope) -> None:
        effects.append(e.subject)

    consumer_store = SqliteDocumentStore(tmp_path / "consumer.sqlite")
    bus.subscribe(
        [topic],
        "catalog",
        Consumer(bus=bus, group="catalog", inbox=Inbox(consumer_store, "catalog"), handler=handle),
    )
    await bus.start()
    try:
        await eventually(lambda: _lag_zero(bus))
        assert effects == ["org-1"]
    finally:
        await bus.stop()
        await store.close()
        await consumer_store.close()


async def _lag_zero(bus: EmbeddedBus) -> bool:
    return bus.lag("catalog") == 0


class CommitsDuringTheRelaysRead(SqliteDocumentStore):
    """A store where, just after the relay first reads ``orders``, an order and the trade
    executing it commit (an exchange reporting quickly, while the relay is mid-pass)."""

    def __init__(self, path: Path, late: list[tuple[str, dict[str, object]]]) -> None:
        super().__init__(path)
        self.late = late

    async def with_outbox(self, collection: str, limit: int) -> list[dict[str, object]]:
        found = await super().with_outbox(collection, limit)
        if collection == "orders" and self.late:
            for name, doc in self.late:
                await self.insert(name, doc)
            self.late = []
        return found


async def test_relay_publishes_an_order_before_the_trade_it_caused_across_collections(
    tmp_path: Path,
) -> None:
    """Issue 11 item 6: the trade's event never goes out before its order's, even when
    both commit while the relay is between reading the orders and reading the trades."""
    from contracts.events import OrderReceived, TradeExecuted

    order = new_envelope(
        OrderReceived(order_id="o-1", listing_id="l-1", product_id="p", buyer_org_id="b",
                      quantity=1),
        region="370300", actor=SYSTEM_ACTOR, subject="o-1",
    )  # fmt: skip
    trade = new_envelope(
        TradeExecuted(trade_id="t-1", listing_id="l-1", product_id="p", buyer_org_id="b",
                      quantity=1, amount_fen=100),
        region="370300", actor=SYSTEM_ACTOR, subject="t-1",
    )  # fmt: skip
    store = CommitsDuringTheRelaysRead(
        tmp_path / "bridge.sqlite",
        [("orders", stage({"_id": "o-1"}, [order])), ("trades", stage({"_id": "t-1"}, [trade]))],
    )
    bus = EmbeddedBus(tmp_path / "bus.sqlite")
    relay = OutboxRelay(
        service="trading_bridge",
        store=store,
        bus=bus,
        collections=["listings", "orders", "trades"],
    )
    assert await relay.drain() + await relay.drain() == 2
    published = [m.value for m in bus.read_topic("pdo.370300.trading.trades.v1")]
    assert published == [
        encode(order), encode(trade)
    ]  # fmt: skip
    assert await store.with_outbox("trades", 10) == []
    await store.close()


class RefusingBus(EmbeddedBus):
    """A bus whose broker refuses every write until ``granted`` (a missing ACL)."""

    granted = False

    async def publish_many(self, messages: list[Message]) -> None:
        if not self.granted:
            raise PermissionError("TopicAuthorizationFailed (test stand-in)")
        await super().publish_many(messages)


async def test_a_refused_publish_is_one_error_a_failure_signal_and_no_lost_event(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 11: the refusal is logged once however often the relay retries, naming the
    topic; ``failure`` says why (``/readyz`` shows it); the event stays in the outbox and
    goes out once the write is allowed, and the failure clears."""
    bus = RefusingBus(tmp_path / "bus.sqlite")
    store = SqliteDocumentStore(tmp_path / "svc.sqlite")
    env = _event("org-1")
    await store.insert("orgs", stage({"_id": "org-1"}, [env]))
    relay = OutboxRelay(service="identity", store=store, bus=bus, collections=["orgs"])
    topic = "pdo.370300.identity.organizations.v1"
    with caplog.at_level(logging.DEBUG, logger="libs.outbox"):
        for _ in range(5):
            assert await relay.pass_once() == 0
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert topic in errors[0].getMessage() and "PermissionError" in errors[0].getMessage()
    assert relay.failure is not None and topic in relay.failure
    (kept,) = await store.with_outbox("orgs", 10)
    assert kept["_outbox"][0]["event_id"] == str(env.event_id)
    assert bus.read_topic(topic) == []
    bus.granted = True
    assert await relay.pass_once() == 1
    assert relay.failure is None
    assert await store.with_outbox("orgs", 10) == []
    assert [decode(m.value).event_id for m in bus.read_topic(topic)] == [env.event_id]
    await store.close()


async def test_an_encoded_entry_is_published_as_the_object_entry_is(tmp_path: Path) -> None:
    """``stage(..., encoded=True)`` keeps the envelope's wire form as one string; stored
    and read back, it becomes the same message as the entry staged as an object."""
    store = SqliteDocumentStore(tmp_path / "svc.sqlite")
    env = _event("org-1")
    await store.insert("plain", stage({"_id": "a"}, [env]))
    await store.insert("encoded", stage({"_id": "a"}, [env], encoded=True))
    (plain,) = (await store.with_outbox("plain", 10))[0]["_outbox"]
    (staged,) = (await store.with_outbox("encoded", 10))[0]["_outbox"]
    assert isinstance(plain["envelope"], dict)
    assert staged["envelope"] == encode(env).decode("utf-8")
    assert staged["event_id"] == plain["event_id"] == str(env.event_id)
    assert to_message(staged) == to_message(plain)
    assert decode(to_message(staged).value) == env
    await store.close()
