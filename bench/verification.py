"""Verification-call benchmark (核验, issue 4): calls per second and p50/p99 of
``POST /sandbox_broker/verifications/{product_id}`` on a released product whose key
column was tokenized in the sandbox, each call metered (one ``usage.metered`` staged per
call), through the service's HTTP app in embedded mode.

The source is the demo generator's market registration table (``enterprises`` rows); the
product answers ``A``/``B`` by registered capital.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import duckdb
import httpx
import msgspec

from bench.harness import Result, percentiles
from contracts.events import ProductReleased, VerificationSpec
from libs.runtime import Platform
from services.sandbox_broker.adapters.demo_data import DemoScale, generate
from services.sandbox_broker.adapters.sources import DEMO_SOURCES, ROOT_ENV, SOURCES_ENV
from tests.support.platform import keyring, settings, token
from tests.support.sandbox_broker import (
    BANK,
    DEV_A,
    grant_issued,
    granted,
    publish,
    register_resources,
)

GRANT = "g-bench-verify"
JSON = {"content-type": "application/json"}
PRO = f"sbx-pro-{GRANT}"
PRODUCT = "prod-bench-verify"


class _Answer(msgspec.Struct):
    answer: str


_ANSWER = msgspec.json.Decoder(_Answer)
_ENCODE = msgspec.json.Encoder()


def _body(key: str) -> bytes:
    return _ENCODE.encode({"key": key})


async def _until(probe: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(300):
        while not await probe():
            await asyncio.sleep(0.1)


async def run(calls: int = 2000, enterprises: int = 100_000) -> list[Result]:
    work = Path(tempfile.mkdtemp(prefix="pdo-bench-verify-"))
    root = Path(tempfile.mkdtemp(prefix="pdo-bench-sandboxes-", dir="/tmp"))
    os.chmod(root, 0o711)  # sandbox users must traverse it
    try:
        return await _run(work, root, calls, enterprises)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)


async def _run(work: Path, root: Path, calls: int, enterprises: int) -> list[Result]:
    source = work / "source.duckdb"
    scale = DemoScale(enterprises=enterprises, tax_months=1, persons=1000)
    generate(source, scale, tables=("market_registration",))
    mapping = {k: {"path": str(source), "table": t} for k, t in DEMO_SOURCES.items()}
    (work / "sources.json").write_text(json.dumps(mapping, ensure_ascii=False))
    os.environ.setdefault("PDO_RATE_LIMIT_PER_MINUTE", "0")  # measure calls, not the limiter
    os.environ[SOURCES_ENV], os.environ[ROOT_ENV] = str(work / "sources.json"), str(root)
    try:
        p = Platform(settings(work), ("sandbox_broker",), secrets=keyring(work)).build()
    finally:
        del os.environ[SOURCES_ENV], os.environ[ROOT_ENV]
    await p.start()
    try:
        app = p.apps()["sandbox_broker"]
        transport = httpx.ASGITransport(app=cast(Any, app))  # Litestar is an ASGI app
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            return await _measure(p, client, transport, source, calls)
    finally:
        # The outbox relay's stop can miss its cancellation on Python 3.11 (asyncio.wait_for
        # racing a timeout); a benchmark does not wait for it forever.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(p.stop(), timeout=10)


async def _measure(
    p: Platform,
    client: httpx.AsyncClient,
    transport: httpx.ASGITransport,
    source: Path,
    calls: int,
) -> list[Result]:
    store = p.running["sandbox_broker"].store
    await register_resources(p)
    resources = [
        granted(
            "market_registration",
            ["credit_code", "registered_capital_fen"],
            masking={"credit_code": "tokenize"},
        )
    ]
    await publish(p, grant_issued(GRANT, resources=resources), subject=GRANT)

    async def ready() -> bool:
        doc = await store.get("sandboxes", PRO)
        return doc is not None and doc["state"] == "ready"

    await _until(ready)
    job = await client.post(
        f"/sandboxes/{PRO}/jobs",
        json={
            "sql": "CREATE TABLE output_credit AS SELECT credit_code, CASE WHEN "
            "registered_capital_fen > 1000000000 THEN 'A' ELSE 'B' END AS grade "
            "FROM market_registration"
        },
        headers=await token(p, DEV_A),
    )
    assert job.json()["status"] == "succeeded", job.text
    spec = VerificationSpec(
        sandbox_id=PRO,
        output_name="output_credit",
        key_column="credit_code",
        answer_column="grade",
        answers=["A", "B"],
    )
    released = ProductReleased(
        product_id=PRODUCT,
        version=1,
        name="bench",
        kind="verification",
        developer_org_id=DEV_A.org_id,
        registration_code="bench",
        certificate_id="bench",
        verification=spec,
    )
    await publish(p, released, subject=PRODUCT)

    async def released_product() -> bool:
        doc = await store.get("verification_products", PRODUCT)
        return doc is not None and bool(doc.get("available"))

    await _until(released_product)
    with duckdb.connect(str(source), read_only=True) as con:
        found = con.execute("SELECT credit_code FROM market_registration LIMIT 500").fetchall()
    keys = [str(r[0]) for r in found]
    headers = await token(p, BANK, ttl=3600)
    # The calls are complete HTTP requests through the app's ASGI interface, sent with
    # the transport alone: a bank's client is another machine, and httpx's client layer
    # (URL merging, cookie jar, redirect and auth hooks) cost as much CPU here as the
    # service itself, so it was measuring the client. The answer is still read and checked.
    url = httpx.URL(f"http://bench/verifications/{PRODUCT}")
    send = transport.handle_async_request
    latencies: list[float] = []
    started = time.perf_counter()
    for i in range(calls):
        began = time.perf_counter()
        request = httpx.Request(
            "POST", url, content=_body(keys[i % len(keys)]), headers={**headers, **JSON}
        )
        response = await send(request)
        body = await response.aread()
        latencies.append(time.perf_counter() - began)
        assert response.status_code == 200 and _ANSWER.decode(body).answer in ("A", "B"), body
    seconds = time.perf_counter() - started
    p50, p99 = percentiles(latencies)
    return [Result("verification calls (HTTP, metered)", calls, seconds, p50, p99)]


if __name__ == "__main__":
    for result in asyncio.run(run()):
        print(result.row())
