"""The outbox: a relay that dies between publishing and clearing republishes on restart,
and the consumer's inbox turns the duplicate into no second effect."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from contracts.envelope import SYSTEM_ACTOR, Envelope, new_envelope
from contracts.events import OrgRegistered
from libs.bus.consumer import Consumer
from libs.bus.embedded import EmbeddedBus
from libs.bus.inbox import Inbox
from libs.outbox import OutboxRelay, stage
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
