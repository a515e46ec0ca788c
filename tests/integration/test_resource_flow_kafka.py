"""The catalog → disclosure flow in distributed mode: two separately built services
(as two processes would be), each with its own MongoDB-wire database, talking only
through the real Kafka broker; driven through their public HTTP APIs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.envelope import Role
from libs.auth.principal import Principal
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.platform import distributed, eventually, keyring, resource_body, token
from tests.support.regions import fresh_region

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]


class Mesh:
    def __init__(
        self,
        catalog: Platform,
        disclosure: Platform,
        catalog_http: AsyncTestClient[Any],
        disclosure_http: AsyncTestClient[Any],
        provider: Principal,
    ) -> None:
        self.catalog, self.disclosure = catalog, disclosure
        self.catalog_http, self.disclosure_http = catalog_http, disclosure_http
        self.provider = provider


@pytest.fixture
async def mesh(tmp_path: Path, kafka_bootstrap: str, mongo_uri: str) -> AsyncIterator[Mesh]:
    region = fresh_region()
    secrets = keyring(tmp_path)
    catalog = distributed(
        tmp_path / "c",
        ("catalog",),
        kafka=kafka_bootstrap,
        mongo=mongo_uri,
        region=region,
        secrets=secrets,
    )
    disclosure = distributed(
        tmp_path / "d",
        ("disclosure",),
        kafka=kafka_bootstrap,
        mongo=mongo_uri,
        region=region,
        secrets=secrets,
    )
    async with AsyncExitStack() as stack:
        c = await stack.enter_async_context(AsyncTestClient(app=gateway(catalog)))
        d = await stack.enter_async_context(AsyncTestClient(app=gateway(disclosure)))
        provider = Principal(
            user_id="u-1", org_id=f"org-{region}-tax", role=Role.PROVIDER, region=region
        )
        yield Mesh(catalog, disclosure, c, d, provider)


async def _listed(mesh: Mesh, resource_id: str) -> dict[str, Any] | None:
    r = await mesh.disclosure_http.get(f"/disclosure/resources/{resource_id}")
    return r.json() if r.status_code == 200 else None


async def test_a_resource_registered_in_catalog_is_listed_by_disclosure_over_kafka(
    mesh: Mesh,
) -> None:
    created = await mesh.catalog_http.post(
        "/catalog/resources/",
        json=resource_body(),
        headers=await token(mesh.catalog, mesh.provider),
    )
    assert created.status_code == 201, created.text
    resource = created.json()
    public = await eventually(lambda: _listed(mesh, resource["resource_id"]), timeout=60)
    assert public["registration_code"] == resource["registration_code"]
    assert public["region"] == mesh.catalog.settings.region
    assert (await mesh.catalog_http.get("/healthz")).json()["services"] == {"catalog": "up"}


async def test_many_resources_each_listed_exactly_once(mesh: Mesh) -> None:
    headers = await token(mesh.catalog, mesh.provider)
    ids = []
    for i in range(20):
        r = await mesh.catalog_http.post(
            "/catalog/resources/", json=resource_body(name=f"资源{i}"), headers=headers
        )
        assert r.status_code == 201
        ids.append(r.json()["resource_id"])

    async def all_listed() -> list[str] | None:
        page = (await mesh.disclosure_http.get("/disclosure/resources/?limit=200")).json()
        found = [i["resource_id"] for i in page["items"]]  # items, not total: two reads
        return found if len(found) >= len(ids) else None

    listed = await eventually(all_listed, timeout=60)
    assert sorted(listed) == sorted(ids)  # each once: no duplicate listing
