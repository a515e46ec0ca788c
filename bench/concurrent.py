"""The whole platform under concurrent use: 50 writers and 50 readers against a real
``pdo up`` (embedded, demo city loaded) on 127.0.0.1, for a bounded time.

Writers register resources in the catalog (POST ``/catalog/resources/`` as the tax
bureau, a provider); readers alternate a catalog search and the public disclosure list
of resources. Each client holds one keep-alive connection (the minimal HTTP/1.1 client
of ``bench.catalog``). Reported: registrations per second, p50/p99 per route, and the
requests whose connection was closed without an answer (the client reconnects and goes
on), and the server's CPU time over the load window per answered request (``/proc``:
user + system of the ``pdo up`` process), the figure a loaded machine distorts least.
The server is a child process, so the load generator does not share its event loop; on
a 2-core machine it does share the cores.

Measured once the platform is at rest: ``pdo up`` answers ``/readyz`` while the sandbox
broker still generates the demo city's source data in the background (DuckDB on every
core: half of the server's samples in a profile taken during the load). The bench waits
for that one-time start-up work (its completion marker) and generates a smaller demo
source (``PDO_DEMO_ROWS``, 20,000 rows unless set), so the figures are the 100 clients'.

python -m bench.concurrent [--seconds N] [--writers N] [--readers N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from bench.catalog import REPO, _exchange, _fetch_once, _request
from bench.harness import percentiles
from tests.infra.servers import free_port
from tests.support.platform import resource_body

SEARCH = "/catalog/resources/?q=" + quote("纳税") + "&limit=20"
DISCLOSURE = "/disclosure/resources/?limit=20"
WRITER_ORG = "org-370300-tax"
READER_ORG = "org-370300-tax"


@dataclass
class Tally:
    """Latencies per route, answers other than expected, connections lost."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    unexpected: dict[str, int] = field(default_factory=dict)
    closed_without_answer: int = 0

    def record(self, route: str, seconds: float) -> None:
        self.latencies.setdefault(route, []).append(seconds)


@dataclass(frozen=True)
class Outcome:
    seconds: float
    routes: dict[str, tuple[int, float, float]]
    """route → (answers, p50 ms, p99 ms)"""
    unexpected: dict[str, int]
    closed_without_answer: int
    rss_mib: float | None
    server_cpu_seconds: float | None = None
    """CPU time (user + system) of the ``pdo up`` process during the load."""

    @property
    def cpu_ms_per_request(self) -> float | None:
        answered = sum(answers for answers, _, _ in self.routes.values())
        if self.server_cpu_seconds is None or not answered:
            return None
        return self.server_cpu_seconds * 1000 / answered


def _token(data: Path, org: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "libs.cli", "token", "--org", org, "--data-dir", str(data)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip().splitlines()[-1]


async def _client(
    port: int,
    requests: list[tuple[str, bytes, int]],
    until: float,
    tally: Tally,
) -> None:
    """Send ``requests`` in turn (route, bytes, expected status) until ``until``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    turn = 0
    try:
        while time.monotonic() < until:
            route, request, expected = requests[turn % len(requests)]
            turn += 1
            t0 = time.perf_counter()
            try:
                status, _ = await _exchange(reader, writer, request)
            except (asyncio.IncompleteReadError, ConnectionError):
                tally.closed_without_answer += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            tally.record(route, time.perf_counter() - t0)
            if status != expected:
                tally.unexpected[f"{route} {status}"] = (
                    tally.unexpected.get(f"{route} {status}", 0) + 1
                )
    finally:
        writer.close()


DEMO_ROWS = "20000"
DEMO_MARKER = "zibo-demo.complete.json"
"""Written by the sandbox broker when the demo source data is complete."""


def _start(port: int, data: Path) -> subprocess.Popen[bytes]:
    """``pdo up`` with the demo city, its rate limiter off (one loopback load generator)."""
    return subprocess.Popen(
        [sys.executable, "-m", "libs.cli", "up", "--port", str(port), "--data-dir", str(data)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={
            **os.environ,
            "PDO_RATE_LIMIT_PER_MINUTE": "0",
            "PDO_DEMO_ROWS": os.environ.get("PDO_DEMO_ROWS", DEMO_ROWS),
        },
    )


async def _at_rest(data: Path, deadline: float) -> None:
    """Until the demo source data is generated (the one-time start-up work), then a
    moment for the demo's own events to settle."""

    def generated() -> bool:
        return any(data.rglob(DEMO_MARKER))

    while not await asyncio.to_thread(generated):
        if time.monotonic() > deadline:
            raise TimeoutError("the demo source data was not generated in time")
        await asyncio.sleep(0.5)
    await asyncio.sleep(3.0)


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` so far (Linux ``/proc``), else ``None``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss(pid: int) -> float | None:
    from bench.figures import rss_mib

    return rss_mib(pid)


async def run(seconds: float = 20.0, writers: int = 50, readers: int = 50) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="pdo-bench-concurrent-") as tmp:
        data = Path(tmp)
        port = free_port()
        child = _start(port, data)
        try:
            deadline = time.monotonic() + 240
            while True:
                if child.poll() is not None:
                    assert child.stderr is not None
                    raise RuntimeError(f"pdo up exited: {child.stderr.read().decode()[-2000:]}")
                with contextlib.suppress(OSError):
                    status, _ = await _fetch_once(port, "/readyz")
                    if status == 200:
                        break
                if time.monotonic() > deadline:
                    raise TimeoutError("pdo up did not become ready")
                await asyncio.sleep(0.5)
            await _at_rest(data, deadline)
            writer_headers = {"Authorization": f"Bearer {_token(data, WRITER_ORG)}"}
            reader_headers = {"Authorization": f"Bearer {_token(data, READER_ORG)}"}
            tally = Tally()
            until = time.monotonic() + seconds
            clients = []
            for w in range(writers):
                posts = []
                for i in range(64):
                    body = resource_body(name=f"并发登记{w}号第{i}批")
                    encoded = json.dumps(body, ensure_ascii=False).encode("utf-8")
                    posts.append(
                        (
                            "register",
                            _request("/catalog/resources/", writer_headers, "POST", encoded),
                            201,
                        )
                    )
                clients.append(_client(port, posts, until, tally))
            reads = [
                ("search", _request(SEARCH, reader_headers), 200),
                ("disclosure", _request(DISCLOSURE, reader_headers), 200),
            ]
            clients += [_client(port, reads, until, tally) for _ in range(readers)]
            cpu_before = _cpu_seconds(child.pid)
            start = time.perf_counter()
            await asyncio.gather(*clients)
            elapsed = time.perf_counter() - start
            cpu_after = _cpu_seconds(child.pid)
            rss = _rss(child.pid)
        finally:
            child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    routes = {}
    for route, latencies in tally.latencies.items():
        p50, p99 = percentiles(latencies)
        routes[route] = (len(latencies), p50, p99)
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return Outcome(elapsed, routes, tally.unexpected, tally.closed_without_answer, rss, cpu)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.concurrent")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--readers", type=int, default=50)
    args = parser.parse_args()
    print(asyncio.run(run(args.seconds, args.writers, args.readers)))


if __name__ == "__main__":
    main()
