"""The catalog's search read model kept from the store: a re-read of an unchanged
resource (only its version moved, as when the relay publishes its events) advances the
held version without rebuilding the hit; a real change is applied; an older version
never moves an entry back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from libs.service import ServiceContext
from libs.store.sqlite import SqliteDocumentStore
from services.catalog.adapters.read_model import SearchReadModel
from services.catalog.domain.resource import Resource
from services.catalog.domain.search import Query
from services.catalog.repository import RESOURCES, to_doc
from tests.support.stores import store_context
from tests.unit.services.catalog.factories import resource_factory


def _ctx(store: SqliteDocumentStore) -> ServiceContext:
    return store_context(store, "catalog")


class Payloads:
    """``payload_of`` that counts how often a hit is rebuilt."""

    def __init__(self) -> None:
        self.built: list[str] = []

    def __call__(self, resource: Resource) -> str:
        self.built.append(resource.resource_id)
        return resource.name


async def test_an_unchanged_reread_only_advances_the_version(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "catalog.db")
    payloads = Payloads()
    model = SearchReadModel(_ctx(store), payloads)
    await model.load()
    doc = to_doc(resource_factory(sequence=1))
    doc["_outbox"] = [{"event_id": "e1", "envelope": {}, "headers": {}}]
    await store.insert(RESOURCES, doc)
    await model.took_effect("r-1")
    assert payloads.built == ["r-1"]
    assert model.index.version_of("r-1") == 1

    await store.clear_outbox(RESOURCES, "r-1", ["e1"])  # version 2, same resource
    await model.refresh("r-1")
    assert payloads.built == ["r-1"]  # not rebuilt
    assert model.index.version_of("r-1") == 2
    assert (await model.search(Query(text="纳税信息")))[0] == ["企业纳税信息"]

    stored = await store.get(RESOURCES, "r-1")
    assert stored is not None
    await store.replace(RESOURCES, {**stored, "name": "企业社保信息"}, 2)  # version 3
    await model.refresh("r-1")
    assert payloads.built == ["r-1", "r-1"]
    assert model.index.version_of("r-1") == 3
    assert (await model.search(Query(text="纳税信息")))[0] == []
    assert (await model.search(Query(text="社保")))[0] == ["企业社保信息"]
    await store.close()


async def test_an_older_version_never_moves_an_entry_back(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "catalog.db")
    payloads = Payloads()
    model = SearchReadModel(_ctx(store), payloads)
    resource = resource_factory(sequence=1)
    await store.insert(RESOURCES, to_doc(resource))
    await model.load()
    renamed = replace(resource, name="企业社保信息")
    await store.replace(RESOURCES, to_doc(renamed), 1)
    await model.refresh("r-1")
    assert model.index.version_of("r-1") == 2
    assert model.index.advance("r-1", 1) is False
    assert model.index.advance("r-1", 2) is False
    assert model.index.advance("unknown", 5) is False
    assert model.index.version_of("r-1") == 2
    assert (await model.search(Query(text="社保")))[0] == ["企业社保信息"]
    await store.close()
