"""A run of public events is appended to the log in one call (DIS-1, DIS-3): the records
in the run's order, one head write for all, the other views of each event after it, and
a redelivered run adds nothing."""

from __future__ import annotations

from pathlib import Path

from contracts.envelope import SYSTEM_ACTOR, Envelope, new_envelope
from libs.store.sqlite import SqliteDocumentStore
from services.disclosure.adapters.log_repository import STATE, StoredLog
from services.disclosure.commands.tree_heads import TreeHeadSigner
from services.disclosure.domain.public_record import record_from
from services.disclosure.handlers import on_public_events
from tests.support.disclosure import public_events
from tests.support.log_tiles import CountingStore, context


class _Signer:
    def __init__(self) -> None:
        self.nudged = 0

    def notify(self) -> None:
        self.nudged += 1


class _Writes(CountingStore):
    """Counts head writes as well as reads."""

    def __init__(self, inner: SqliteDocumentStore) -> None:
        super().__init__(inner)
        self.head_writes = 0

    async def replace(self, collection: str, doc: dict, expected_version: int) -> dict:  # type: ignore[type-arg]
        self.head_writes += collection == STATE
        return await self._inner.replace(collection, doc, expected_version)

    async def insert(self, collection: str, doc: dict) -> dict:  # type: ignore[type-arg]
        self.head_writes += collection == STATE
        return await self._inner.insert(collection, doc)


async def test_DIS_3_a_run_of_events_is_appended_in_one_call_in_order(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "disclosure.sqlite")
    writes = _Writes(store)
    stored = StoredLog(context(writes))  # type: ignore[arg-type]
    signer = _Signer()
    envelopes: list[Envelope] = [
        new_envelope(payload, region="370300", actor=SYSTEM_ACTOR, subject=subject)
        for payload, subject in public_events()
    ]
    disclosed = [e for e in envelopes if record_from(e) is not None]
    assert len(disclosed) >= 5
    seen: list[str] = []

    async def other_view(envelope: Envelope) -> None:
        seen.append(str(envelope.event_id))

    handle = on_public_events.disclose_run(stored, signer, other_view)
    await handle(envelopes)
    assert await stored.size() == len(disclosed)
    entries = [await stored.entry(i) for i in range(len(disclosed))]
    assert [e.record_id for e in entries if e] == [str(e.event_id) for e in disclosed]
    # One commit and one write-out of the head for the whole run, not one per event.
    assert writes.head_writes == 2
    assert signer.nudged == 1
    assert seen == [str(e.event_id) for e in envelopes]

    await handle(envelopes)  # the run delivered again
    assert await stored.size() == len(disclosed)
    assert signer.nudged == 1
    await store.close()


def test_DIS_3_every_disclosed_event_type_has_a_run_handler() -> None:
    runs = on_public_events.batch_handlers(
        StoredLog.__new__(StoredLog),
        TreeHeadSigner.__new__(TreeHeadSigner),
        {},
    )
    assert set(runs) == set(
        on_public_events.handlers(
            StoredLog.__new__(StoredLog), TreeHeadSigner.__new__(TreeHeadSigner)
        )
    )
