"""The two-service flow: an HTTP command to catalog until the resource is visible on
disclosure's public endpoint, over real HTTP on loopback, in embedded mode and on Kafka."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import httpx
import uvicorn

from bench.harness import Result, percentiles
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.infra.servers import free_port
from tests.support.platform import TAX, distributed, keyring, resource_body, settings, token


async def _serve(platform: Platform) -> tuple[uvicorn.Server, asyncio.Task[None], str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            gateway(platform),
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
            lifespan="on",
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    return server, task, f"http://127.0.0.1:{port}"


async def _measure(name: str, catalog: Platform, disclosure: Platform, n: int) -> Result:
    servers = [await _serve(catalog)]
    if disclosure is not catalog:
        servers.append(await _serve(disclosure))
    catalog_url, disclosure_url = servers[0][2], servers[-1][2]
    headers = await token(catalog, TAX)
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=30) as client:
        start = time.perf_counter()
        for i in range(n):
            sent = time.perf_counter()
            created = await client.post(
                f"{catalog_url}/catalog/resources/",
                json=resource_body(name=f"资源{i}"),
                headers=headers,
            )
            created.raise_for_status()
            rid = created.json()["resource_id"]
            while (
                await client.get(f"{disclosure_url}/disclosure/resources/{rid}")
            ).status_code != 200:
                await asyncio.sleep(0.002)
            latencies.append(time.perf_counter() - sent)
        elapsed = time.perf_counter() - start
    for server, task, _ in servers:
        server.should_exit = True
        await task
    p50, p99 = percentiles(latencies)
    return Result(name, n, elapsed, p50, p99)


async def embedded(n: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="pdo-bench-flow-") as tmp:
        p = Platform(
            settings(Path(tmp)), ("catalog", "disclosure"), secrets=keyring(Path(tmp))
        ).build()
        return await _measure("flow HTTP→visible, embedded", p, p, n)


async def on_kafka(bootstrap: str, mongo_uri: str, n: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="pdo-bench-flow-") as tmp:
        secrets = keyring(Path(tmp))
        catalog = distributed(
            Path(tmp) / "c",
            ("catalog",),
            kafka=bootstrap,
            mongo=mongo_uri,
            region="370300",
            secrets=secrets,
        )
        disclosure = distributed(
            Path(tmp) / "d",
            ("disclosure",),
            kafka=bootstrap,
            mongo=mongo_uri,
            region="370300",
            secrets=secrets,
        )
        return await _measure("flow HTTP→visible, Kafka + FerretDB", catalog, disclosure, n)
