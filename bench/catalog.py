"""Catalog search over real HTTP with 10,000 resources, against a bare Litestar endpoint.

The servers run as uvicorn on 127.0.0.1 in child processes, so the load generator (this
process) does not share their CPU, and each is idle while another is measured; the
generator is a minimal keep-alive HTTP/1.1 client on asyncio streams, lighter than
httpx, so the client is not what is measured. The measures alternate in rounds and each
is reported by its median round, so a burst of other work on the machine moves one
round, not the ratio. The per-client rate limiter is off in the children: one loopback
client is far above its limit, and the limiter's history grows with the rate it admits.

The catalog child loads 10,000 resources into its store before it starts (as a
restarted catalog would find them), builds its search index from them, and answers a
fixed mix of searches — free text in Chinese, filters, deep pages — each returning 20
resources, with a signed access token on every request. The baseline is a bare Litestar
app returning a constant, served the same way; the same searches are also sent to the
catalog's own app without the gateway, to show what the gateway and its tracing cost.
Two more measures time consistency: a resource registered over HTTP until the same
process finds it (read-your-writes), and a command until its own event has reached the
index through the embedded bus (the lag every other process sees, less the transport).
Loops are bounded; only loopback is used.

python -m bench.catalog [--resources N] [--requests N] [--connections N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from bench.harness import HEADER, Result, percentiles
from contracts.envelope import Role
from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.clock import SystemClock
from tests.infra.servers import free_port
from tests.support.platform import keyring, resource_body

CATALOG_SEARCHES = (
    "/catalog/resources/?limit=20",
    "/catalog/resources/?q=" + quote("纳税") + "&limit=20",
    "/catalog/resources/?q=" + quote("客流 统计") + "&status=published&limit=20",
    "/catalog/resources/?category=transport&grade=1&limit=20",
    "/catalog/resources/?region=370303&limit=20",
    "/catalog/resources/?provider_org_id=org-370300-market&offset=200&limit=20",
    "/catalog/resources/?q=" + quote("身份证号") + "&grade=4&limit=20",
    "/catalog/resources/?q=" + quote("张店区") + "&offset=40&limit=20",
)
BARE_PATH = "/ping"
REPO = Path(__file__).resolve().parents[1]
DISTRICTS = ("张店区", "淄川区", "博山区", "临淄区", "周村区", "桓台县", "高青县", "沂源县")
READER = Principal(user_id="u-bench", org_id="org-dev-bench", role=Role.DEVELOPER, region="370300")
WRITER = Principal(user_id="u-tax", org_id="org-370300-tax", role=Role.PROVIDER, region="370300")


# -- the servers (child processes) ---------------------------------------------------------


def _serve_bare(port: int) -> None:
    import uvicorn
    from litestar import Litestar, get

    @get(BARE_PATH)
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    uvicorn.run(
        Litestar([ping], logging_config=None),
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
    )


async def _fill(data_dir: Path, count: int) -> None:
    """``count`` resources in the catalog's store, made from the demo city's declarations
    by the pure domain (first registration; about half proposed and published)."""
    from demo.city import DEMO
    from libs.runtime import make_store
    from libs.sequences import COLLECTION as SEQUENCES
    from services.catalog.domain import operation_catalog
    from services.catalog.domain.resource import register
    from services.catalog.repository import RESOURCES, to_doc
    from tests.support.platform import settings

    store = make_store(settings(data_dir), "catalog")
    rng = random.Random(2026)
    docs = []
    for sequence in range(1, count + 1):
        template = DEMO[sequence % len(DEMO)].declaration
        district = rng.choice(DISTRICTS)
        county = district == "张店区"
        declaration = replace(
            template,
            name=f"{district}{template.name}({2020 + sequence % 7}年第{sequence}批)",
            description=f"{district}{template.description}",
            provider_region="370303" if county else "370300",
        )
        resource, _ = register(
            declaration, resource_id=str(uuid.uuid4()), region="370300", sequence=sequence
        )
        if rng.random() < 0.5:
            resource, _ = operation_catalog.propose(resource, actor_org_id=resource.provider_org_id)
            resource, _ = operation_catalog.publish(resource)
        docs.append(to_doc(resource))
    for start in range(0, len(docs), 1000):
        await store.insert_many(RESOURCES, docs[start : start + 1000])
    await store.insert(SEQUENCES, {"_id": "registration:370300:resource", "value": count})
    await store.close()


def _serve_catalog(port: int, app_port: int, data_dir: Path, count: int) -> None:
    """The platform's gateway on ``port`` (what users call: tracing, the ``/catalog``
    mount, guards) and the catalog's own app on ``app_port`` (the same handlers without
    the gateway), both in this one process over one started platform."""
    import uvicorn

    from libs.http.gateway import gateway
    from libs.runtime import Platform
    from tests.support.platform import settings

    asyncio.run(_fill(data_dir, count))
    platform = Platform(settings(data_dir), ("catalog",), secrets=keyring(data_dir)).build()

    def server(app: Any, at: int, lifespan: Literal["on", "off"]) -> uvicorn.Server:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=at, log_config=None, access_log=False, lifespan=lifespan
        )
        return uvicorn.Server(config)

    async def both() -> None:
        outer = server(gateway(platform), port, "on")
        inner = server(platform.running["catalog"].parts.app, app_port, "off")
        await asyncio.gather(outer.serve(), inner.serve())

    asyncio.run(both())


@contextlib.contextmanager
def _child(*args: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.catalog", "--serve", *args, "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        # One loopback client is far above the per-client limit (see the docstring).
        env={**os.environ, "PDO_RATE_LIMIT_PER_MINUTE": "0"},
    )
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


async def _ready(child: subprocess.Popen[bytes], port: int, path: str) -> None:
    """Poll ``path`` until it answers 200 (at most three minutes)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if child.poll() is not None:
            assert child.stderr is not None
            raise RuntimeError(f"server exited: {child.stderr.read().decode()[-2000:]}")
        with contextlib.suppress(OSError):
            status, _ = await _fetch_once(port, path)
            if status == 200:
                return
        await asyncio.sleep(0.2)
    raise TimeoutError("server did not become ready")


# -- the load generator ----------------------------------------------------------------------


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


def _request(path: str, headers: dict[str, str], method: str = "GET", body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


async def _fetch_once(port: int, path: str) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        return await _exchange(reader, writer, _request(path, {}))
    finally:
        writer.close()


async def _load(
    name: str, port: int, paths: tuple[str, ...], headers: dict[str, str], n: int, conns: int
) -> Result:
    """``n`` requests over ``conns`` keep-alive connections, cycling through ``paths``."""
    requests = [_request(p, headers) for p in paths]
    latencies: list[float] = []

    async def worker(offset: int, count: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for i in range(count):
                t0 = time.perf_counter()
                request = requests[(offset + i) % len(requests)]
                status, body = await _exchange(reader, writer, request)
                latencies.append(time.perf_counter() - t0)
                if status != 200:
                    raise RuntimeError(f"{name}: HTTP {status}: {body[:300]!r}")
        finally:
            writer.close()

    share = [n // conns + (1 if i < n % conns else 0) for i in range(conns)]
    await asyncio.gather(*(worker(i * 7, max(1, share[i] // 10)) for i in range(conns)))  # warm-up
    latencies.clear()
    start = time.perf_counter()
    await asyncio.gather(*(worker(i * 7, share[i]) for i in range(conns)))
    elapsed = time.perf_counter() - start
    p50, p99 = percentiles(latencies)
    return Result(name, n, elapsed, p50, p99)


async def _visibility(port: int, token_headers: dict[str, str], n: int) -> Result:
    """Register over HTTP, then poll the search until the new resource is found."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    latencies: list[float] = []
    try:
        start = time.perf_counter()
        for i in range(n):
            marker = f"可见性探针{i}号"
            body = resource_body(name=marker)
            post = _request(
                "/catalog/resources/",
                token_headers,
                method="POST",
                body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            )
            probe = _request(f"/catalog/resources/?q={quote(marker)}&limit=1", token_headers)
            t0 = time.perf_counter()
            status, answer = await _exchange(reader, writer, post)
            if status != 201:
                raise RuntimeError(f"register: HTTP {status}: {answer[:300]!r}")
            for _ in range(10_000):
                status, answer = await _exchange(reader, writer, probe)
                if b'"total":1' in answer:
                    break
            else:
                raise TimeoutError(f"resource {marker} never became searchable")
            latencies.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - start
    finally:
        writer.close()
    p50, p99 = percentiles(latencies)
    return Result("catalog register → searchable, same process", n, elapsed, p50, p99)


async def _event_lag(n: int) -> Result:
    """The index's eventual consistency without the read-your-writes step: a command in
    an embedded catalog, then the wait until its own event has reached the index (relay,
    embedded bus, consumer, re-read), polled every 0.2 ms."""
    from libs.runtime import Platform
    from services.catalog.adapters.read_model import SearchReadModel
    from services.catalog.commands import resources as commands
    from services.catalog.domain.resource import ItemDeclaration, RegisterResource
    from tests.support.platform import settings

    with tempfile.TemporaryDirectory(prefix="pdo-bench-catalog-lag-") as tmp:
        data = Path(tmp)
        platform = Platform(settings(data), ("catalog",), secrets=keyring(data)).build()
        catalog = platform.running["catalog"]
        read_model = getattr(catalog.parts.projections["resource.registered"], "__self__", None)
        assert isinstance(read_model, SearchReadModel)
        await platform.start()
        try:
            latencies: list[float] = []
            start = time.perf_counter()
            for i in range(n):
                declaration = resource_body(name=f"事件延迟探针{i}号")
                cmd = RegisterResource(
                    provider_org_id=WRITER.org_id,
                    name=declaration["name"],
                    description=declaration["description"],
                    category=declaration["category"],
                    update_frequency=declaration["update_frequency"],
                    source_system=declaration["source_system"],
                    items=tuple(ItemDeclaration(**item) for item in declaration["items"]),
                )
                resource = await commands.register_resource(catalog.ctx, WRITER, cmd)
                t0 = time.perf_counter()
                for _ in range(50_000):
                    if read_model.index.version_of(resource.resource_id) is not None:
                        break
                    await asyncio.sleep(0.0002)
                else:
                    raise TimeoutError("an event never reached the index")
                latencies.append(time.perf_counter() - t0)
            elapsed = time.perf_counter() - start
        finally:
            await platform.stop()
    p50, p99 = percentiles(latencies)
    return Result("catalog event → index, embedded bus", n, elapsed, p50, p99)


LAST_RSS_MIB: dict[int, float] = {}
"""resources indexed → the catalog process's RSS in the last run at that size"""


def _rss_mib(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _median(rounds: list[Result]) -> Result:
    """The round of median throughput (the machine may be busy with other work)."""
    return sorted(rounds, key=lambda r: r.rate)[len(rounds) // 2]


async def run(
    *,
    resources: int = 10_000,
    requests: int = 6_000,
    conns: int = 8,
    rounds: int = 3,
    visible: int = 100,
    consistency: bool = True,
) -> list[Result]:
    """The bare constant endpoint, catalog search through the gateway, catalog search on
    the catalog's own app, register → searchable (read-your-writes, over HTTP), and a
    command's event reaching the index (the lag other processes see). The three request
    measures run in
    alternating rounds of ``requests / rounds`` each (``conns`` keep-alive connections);
    each is reported by its median round."""
    with tempfile.TemporaryDirectory(prefix="pdo-bench-catalog-") as tmp:
        data = Path(tmp)
        issuer = TokenIssuer(keyring(data), SystemClock(), region="370300")
        reader_headers = {"Authorization": f"Bearer {await issuer.issue(READER, ttl_seconds=3600)}"}
        writer_headers = {"Authorization": f"Bearer {await issuer.issue(WRITER, ttl_seconds=3600)}"}
        bare_port, port, app_port = free_port(), free_port(), free_port()
        catalog_args = ("--data", tmp, "--resources", str(resources), "--app-port", str(app_port))
        with (
            _child("bare", port=bare_port) as bare_child,
            _child("catalog", *catalog_args, port=port) as child,
        ):
            await _ready(bare_child, bare_port, BARE_PATH)
            await _ready(child, port, "/healthz")
            app_paths = tuple(path.removeprefix("/catalog") for path in CATALOG_SEARCHES)
            per_round = max(1, requests // rounds)
            measures: tuple[tuple[str, int, tuple[str, ...], dict[str, str]], ...] = (
                ("bare Litestar constant (HTTP)", bare_port, (BARE_PATH,), {}),
                (
                    f"catalog search, {resources:,} resources (HTTP)",
                    port,
                    CATALOG_SEARCHES,
                    reader_headers,
                ),
                ("  same, catalog app without gateway", app_port, app_paths, reader_headers),
            )
            taken: dict[str, list[Result]] = {name: [] for name, *_ in measures}
            for _ in range(rounds):
                for name, at, paths, headers in measures:
                    taken[name].append(await _load(name, at, paths, headers, per_round, conns))
            results = [_median(taken[name]) for name, *_ in measures]
            if consistency:
                results.append(await _visibility(port, writer_headers, visible))
            rss = _rss_mib(child.pid)
    if consistency:
        results.append(await _event_lag(visible))
    if rss:
        print(f"catalog process RSS with {resources:,} resources indexed: {rss:.0f} MiB")
    LAST_RSS_MIB[resources] = rss
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.catalog")
    parser.add_argument("--serve", choices=("bare", "catalog"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--data", default="", help=argparse.SUPPRESS)
    parser.add_argument("--app-port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=6_000)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if args.serve == "bare":
        _serve_bare(args.port)
        return
    if args.serve == "catalog":
        _serve_catalog(args.port, args.app_port, Path(args.data), args.resources)
        return
    results = asyncio.run(
        run(resources=args.resources, requests=args.requests, conns=args.connections)
    )
    print(f"pdo bench catalog: {os.cpu_count()} cores")
    print(HEADER)
    for result in results:
        print(result.row())
    bare, search, app = results[0], results[1], results[2]
    print(f"catalog search / bare Litestar: {search.rate / bare.rate:.2f}× (target ≥ 0.3×)")
    print(f"catalog app alone / bare Litestar: {app.rate / bare.rate:.2f}×")


if __name__ == "__main__":
    main()
