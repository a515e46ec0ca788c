"""The shared aggregate writer (``libs.aggregate``): one write keeps pending events and
names the version read, a concurrent write is decided again, the audit names the actor."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.envelope import Actor, Role
from contracts.errors import NotFound
from contracts.events import Event, OrgRegistered
from libs import aggregate
from libs.service import ServiceContext
from libs.store.port import Document, VersionConflict
from libs.store.sqlite import SqliteDocumentStore
from tests.support.stores import store_context

ACTOR = Actor(org_id="org-370300-bureau", user_id="u-1", role=Role.BUREAU)


def _ctx(tmp_path: Path, store: SqliteDocumentStore) -> tuple[ServiceContext, list[int]]:
    woken: list[int] = []
    ctx = store_context(store, "identity", notify_outbox=lambda: woken.append(1))
    return ctx, woken


def _registered(org: str) -> Event:
    return OrgRegistered(
        org_id=org, name=org, role="provider", region="370300", credit_code="91370300MA3C7H9K2X"
    )


async def test_update_keeps_pending_events_stages_new_ones_wakes_relay_and_audits(
    tmp_path: Path,
) -> None:
    store = SqliteDocumentStore(tmp_path / "s.sqlite")
    ctx, woken = _ctx(tmp_path, store)
    await aggregate.save(
        ctx, "orgs", {"_id": "o-1", "n": 0}, [_registered("o-1")], actor=ACTOR, previous=None
    )

    saved = await aggregate.update(
        ctx,
        "orgs",
        "o-1",
        lambda doc: ({**doc, "n": doc["n"] + 1}, [_registered("o-1")]),
        actor=ACTOR,
        action="org.touch",
        detail=lambda d: {"n": d["n"]},
    )

    assert saved["n"] == 1
    stored = await store.get("orgs", "o-1")
    assert stored is not None and len(stored["_outbox"]) == 2
    assert len(woken) == 2
    audits = await store.find("audit")
    assert [a["action"] for a in audits] == ["org.touch"]
    assert audits[0]["actor"] == {"org_id": ACTOR.org_id, "user_id": "u-1", "role": "bureau"}
    assert audits[0]["detail"] == {"events": ["org.registered"], "n": 1}
    await store.close()


async def test_update_decides_again_on_a_concurrent_write(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "s.sqlite")
    ctx, _ = _ctx(tmp_path, store)
    await aggregate.save(ctx, "orgs", {"_id": "o-1", "n": 0}, [], actor=ACTOR, previous=None)
    seen: list[int] = []

    def decide(doc: Document) -> aggregate.Decision:
        seen.append(doc["n"])
        return {**doc, "n": doc["n"] + 1}, [_registered("o-1")]

    real_get = store.get
    raced = False

    async def racing_get(collection: str, doc_id: str) -> Document | None:
        nonlocal raced
        doc = await real_get(collection, doc_id)
        if not raced and doc is not None:
            raced = True  # another writer changes the document after this read
            await store.replace(collection, {**doc, "n": 10}, doc["_version"])
        return doc

    store.get = racing_get  # type: ignore[method-assign]
    saved = await aggregate.update(ctx, "orgs", "o-1", decide, actor=ACTOR)
    assert seen == [0, 10]
    assert saved["n"] == 11
    await store.close()


async def test_a_conflict_that_persists_answers_version_conflict() -> None:
    calls = 0

    async def always_conflicts() -> None:
        nonlocal calls
        calls += 1
        raise VersionConflict("orgs", "o-1", 1)

    with pytest.raises(VersionConflict):
        await aggregate.retrying(always_conflicts)
    assert calls == aggregate.ATTEMPTS


async def test_a_decision_without_events_writes_and_audits_nothing(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "s.sqlite")
    ctx, woken = _ctx(tmp_path, store)
    await aggregate.save(ctx, "orgs", {"_id": "o-1", "n": 0}, [], actor=ACTOR, previous=None)
    before = await store.get("orgs", "o-1")
    await aggregate.update(
        ctx, "orgs", "o-1", lambda d: ({**d, "n": 5}, []), actor=ACTOR, action="org.touch"
    )
    after = await store.get("orgs", "o-1")
    assert before is not None and after is not None
    assert after["_version"] == before["_version"] and after["n"] == 0
    assert woken == [] and await store.find("audit") == []
    with pytest.raises(NotFound, match="no org o-2"):
        await aggregate.update(ctx, "orgs", "o-2", lambda d: (d, []), actor=ACTOR)
    await store.close()


async def test_upsert_creates_then_replaces_and_project_writes_a_read_model(
    tmp_path: Path,
) -> None:
    store = SqliteDocumentStore(tmp_path / "s.sqlite")
    ctx, _ = _ctx(tmp_path, store)

    def bump(doc: Document | None) -> aggregate.Decision:
        return {"n": 0 if doc is None else doc["n"] + 1}, []

    await aggregate.upsert(ctx, "orgs", "o-1", bump, actor=ACTOR)
    saved = await aggregate.upsert(ctx, "orgs", "o-1", bump, actor=ACTOR)
    assert saved["n"] == 1
    await aggregate.project(store, "view", "v-1", lambda d: {"k": 1})
    assert await aggregate.project(store, "view", "v-1", lambda d: None) is None
    view = await store.get("view", "v-1")
    assert view is not None and view["k"] == 1
    await store.close()


async def test_fold_starts_from_the_id_and_audit_by_names_the_platform_without_a_principal(
    tmp_path: Path,
) -> None:
    store = SqliteDocumentStore(tmp_path / "s.sqlite")
    ctx, _ = _ctx(tmp_path, store)
    first = await aggregate.fold(store, "view", "v-1", lambda d: {**d, "n": d.get("n", 0) + 1})
    second = await aggregate.fold(store, "view", "v-1", lambda d: {**d, "n": d.get("n", 0) + 1})
    assert (first["n"], second["n"]) == (1, 2)
    await aggregate.audit_by(ctx, None, "sweep.run", "s-1")
    [entry] = await store.find("audit")
    assert entry["actor"]["role"] == "system" and entry["action"] == "sweep.run"
    await store.close()
