"""Faults in distributed mode against the real servers: the MongoDB-wire server goes
down (503 problem, then recovery), and the Kafka broker is killed with SIGKILL and
restarted mid-flow (nothing lost, nothing doubled)."""

from __future__ import annotations

import asyncio
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
from tests.infra.servers import KafkaServer, MongoWireServer
from tests.support.platform import distributed, eventually, keyring, resource_body, token
from tests.support.regions import fresh_region

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]


@pytest.fixture
async def pair(
    tmp_path: Path, kafka_server: KafkaServer, mongo_server: MongoWireServer
) -> AsyncIterator[tuple[Platform, AsyncTestClient[Any], AsyncTestClient[Any], Principal]]:
    region = fresh_region()
    secrets = keyring(tmp_path)
    catalog = distributed(
        tmp_path / "c",
        ("catalog",),
        kafka=kafka_server.bootstrap,
        mongo=mongo_server.uri,
        region=region,
        secrets=secrets,
    )
    disclosure = distributed(
        tmp_path / "d",
        ("disclosure",),
        kafka=kafka_server.bootstrap,
        mongo=mongo_server.uri,
        region=region,
        secrets=secrets,
    )
    provider = Principal(
        user_id="u-1", org_id=f"org-{region}-tax", role=Role.PROVIDER, region=region
    )
    async with AsyncExitStack() as stack:
        c = await stack.enter_async_context(AsyncTestClient(app=gateway(catalog)))
        d = await stack.enter_async_context(AsyncTestClient(app=gateway(disclosure)))
        yield catalog, c, d, provider


async def test_database_down_answers_503_problem_and_recovers(
    pair: tuple[Platform, AsyncTestClient[Any], AsyncTestClient[Any], Principal],
    mongo_server: MongoWireServer,
) -> None:
    catalog, c, _, provider = pair
    headers = await token(catalog, provider)
    assert (
        await c.post("/catalog/resources/", json=resource_body(), headers=headers)
    ).status_code == 201
    await mongo_server.astop()
    try:
        down = await c.post(
            "/catalog/resources/", json=resource_body(name="第二个"), headers=headers
        )
        assert down.status_code == 503
        assert down.headers["content-type"].startswith("application/problem+json")
        assert down.headers["retry-after"] == "2"
        assert "database" in down.json()["detail"]
        health = await c.get("/healthz")
        assert health.status_code == 503 and health.json()["services"]["catalog"] == "down"
        read = await c.get("/catalog/resources/", headers=headers)
        assert read.status_code == 503
    finally:
        await mongo_server.astart()

    async def recovered() -> bool:
        r = await c.post("/catalog/resources/", json=resource_body(name="恢复后"), headers=headers)
        return r.status_code == 201

    await eventually(recovered, timeout=30, interval=0.5)
    page = (await c.get("/catalog/resources/", headers=headers)).json()
    assert sorted(i["name"] for i in page["items"]) == ["企业纳税信息", "恢复后"]
    assert (await c.get("/healthz")).status_code == 200


async def test_broker_kill_9_mid_flow_loses_nothing_and_doubles_nothing(
    pair: tuple[Platform, AsyncTestClient[Any], AsyncTestClient[Any], Principal],
    kafka_server: KafkaServer,
) -> None:
    catalog, c, d, provider = pair
    headers = await token(catalog, provider)
    ids: list[str] = []

    async def register(n: int) -> None:
        r = await c.post(
            "/catalog/resources/", json=resource_body(name=f"资源{n}"), headers=headers
        )
        assert r.status_code == 201, r.text  # commands commit even while Kafka is down
        ids.append(r.json()["resource_id"])

    for n in range(10):
        await register(n)
    await kafka_server.akill9()
    for n in range(10, 20):
        await register(n)
    await asyncio.sleep(1)
    await kafka_server.astart()
    for n in range(20, 30):
        await register(n)

    async def all_listed() -> list[str] | None:
        page = (await d.get("/disclosure/resources/?limit=200")).json()
        found = [i["resource_id"] for i in page["items"]]  # items, not total: two reads
        return found if len(found) >= len(ids) else None

    listed = await eventually(all_listed, timeout=180, interval=0.5)
    assert sorted(listed) == sorted(ids)
    assert len(listed) == len(set(listed)) == 30
