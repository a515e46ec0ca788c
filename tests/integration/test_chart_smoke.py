"""The chart's smoke test: render it, then run what it renders as local processes.

The chart is rendered with the test servers' addresses in its values (Kafka, MongoDB
wire, a test Vault with Kubernetes auth, an OTLP/HTTP receiver of this test, the
providers' sources for sandbox_broker). The hook
Job's command runs first (`pdo kafka provision`), then every Deployment's and
StatefulSet's container command with exactly its rendered environment (``env`` and
``envFrom``; ``secretKeyRef`` filled from the test's Secrets; the rendered data volume
mapped to a temporary directory). Each process binds the rendered container port on an
address of its own (127.0.1.<n>: every pod has its own IP), and the rendered startup,
readiness and liveness probe paths are asked on it. Then issue 5's whole lifecycle runs over HTTP
against those nine processes with the e2e drivers (``tests.support.lifecycle``: resources
registered and published, a grant, sandbox jobs, an export, products released, priced,
listed and traded at an exchange, invoiced, distributed, evaluated, disclosed in the
annual report and verified offline), each request sent to the process of the service its
path names. One trace id runs from catalog's HTTP server span through its producer span
to disclosure's consumer span, exported by two processes to the receiver.

Time: the walk moves past publicity periods and a month's and a year's end. The
processes run the rendered command unchanged; the test adds only ``PYTHONPATH`` with
``tests/support/shifted_clock`` (a ``sitecustomize`` that adds the offset the test
writes to a file to ``SystemClock``) — test code, never part of the image.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from libs.clock import FixedClock
from libs.secrets.keyring import LocalKeyring
from tests.e2e.test_identity_lifecycle_embedded import PASSWORD
from tests.integration.test_lifecycle_kafka import START, kafka_events
from tests.support.chart import REPO, documents, local, render, resolve_env
from tests.support.full_path import source_env
from tests.support.lifecycle import Lifecycle, LifecyclePath
from tests.support.regions import fresh_region
from tests.support.sandbox_broker import sandbox_root
from tests.support.vault_server import VaultStub, vault_server

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]
SECRETS_MOUNT = "/var/lib/pdo"
SHIFTED_CLOCK = REPO / "tests" / "support" / "shifted_clock"


class ShiftedClock(FixedClock):
    """The walk's clock, shared with the nine processes through a file: the wall clock
    plus an offset, which ``set`` and ``advance`` rewrite (replacing the file whole)."""

    def __init__(self, at: datetime, where: Path) -> None:
        super().__init__(at)
        self.where = where
        self.set(at)

    def _write(self, offset: float) -> None:
        self.offset = offset
        fresh = self.where.with_suffix(".new")
        fresh.write_text(repr(offset), encoding="utf-8")
        os.chmod(fresh, 0o644)
        os.replace(fresh, self.where)

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)

    def advance(self, delta: timedelta) -> None:
        self._write(self.offset + delta.total_seconds())

    def set(self, at: datetime) -> None:
        self._write((at - datetime.now(UTC)).total_seconds())


class Routes(httpx.AsyncBaseTransport):
    """Sends each request to the process of the service its path names (``/catalog/…``
    to catalog's address), as the chart's Ingress routes ``/<service>``."""

    def __init__(self, bases: dict[str, str]) -> None:
        self.bases = {name: httpx.URL(url) for name, url in bases.items()}
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        service = request.url.path.split("/")[1]
        base = self.bases[service]
        request.url = request.url.copy_with(host=base.host, port=base.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Receiver:
    """An OTLP/HTTP trace receiver: decodes every ``ExportTraceServiceRequest``."""

    url: str = ""
    spans: list[tuple[str, Span]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def by_service(self) -> list[tuple[str, Span]]:
        with self.lock:
            return list(self.spans)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            with found.lock:
                for resource_spans in request.resource_spans:
                    service = next(
                        (
                            a.value.string_value
                            for a in resource_spans.resource.attributes
                            if a.key == "service.name"
                        ),
                        "",
                    )
                    for scope in resource_spans.scope_spans:
                        found.spans.extend((service, s) for s in scope.spans)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[VaultStub]:
    with vault_server(tmp_path / "vault", k8s_role="pdo-smoke") as stub:
        yield stub


def mapped_url(
    url: str,
    services_by_dns: dict[str, str],
    processes: dict[str, tuple[Any, str, Any, Any]],
) -> str:
    """``http://<release>-pdo-<service>:8000/readyz`` → that service's process."""
    parsed = httpx.URL(url)
    component = services_by_dns[parsed.host]
    base = httpx.URL(processes[component][1])
    return str(parsed.copy_with(host=base.host, port=base.port))


def http_get(url: str) -> int:
    try:
        return httpx.get(url, timeout=3).status_code
    except httpx.HTTPError:
        return 0


def start_console(
    console: dict[str, Any],
    config_maps: dict[str, dict[str, str]],
    secrets: dict[tuple[str, str], str],
    base: dict[str, str],
    processes: dict[str, tuple[Any, str, Any, Any]],
    tmp: Path,
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """The console Deployment's command with its rendered environment; the Service URLs
    it routes to (``http://smoke-pdo-<service>:8000``) mapped to the processes."""
    container = console["spec"]["template"]["spec"]["containers"][0]
    env = resolve_env(container, config_maps, secrets)
    (port,) = [p["containerPort"] for p in container["ports"] if p["name"] == "http"]
    assert env["PDO_HTTP_PORT"] == str(port) and env["PDO_CONSOLE_COOKIE_SECURE"] == "1"
    routes = dict(pair.split("=", 1) for pair in env["PDO_CONSOLE_SERVICE_URLS"].split(","))
    assert sorted(routes) == sorted(processes)
    env["PDO_CONSOLE_SERVICE_URLS"] = ",".join(
        f"{name}={processes[name][1]}" for name in sorted(routes)
    )
    env["PDO_CONSOLE_API_URL"] = processes["identity"][1]
    env["PDO_DATA_DIR"] = str(tmp / "console")  # the pod's /tmp emptyDir, mapped
    address = "127.0.1.10"
    env["PDO_HTTP_HOST"] = address  # the pod's own IP
    log = tmp / "console.log"
    with log.open("wb") as out:
        child = subprocess.Popen(
            local(container["command"]), env={**base, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    return child, f"http://{address}:{port}", log


def console_sign_in(url: str, username: str, password: str) -> httpx.Response:
    """Password sign-in through the console's form, CSRF token and all. Its cookies are
    ``Secure`` (as behind the chart's TLS Ingress), so they are sent by hand over the
    test's plain HTTP."""
    form = httpx.get(f"{url}/console/login", timeout=10)
    csrf_cookie = form.cookies["pdo_console_csrf"]
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
    assert token is not None, form.text[-2000:]
    signed = httpx.post(
        f"{url}/console/login",
        data={"_csrf_token": token.group(1), "username": username, "password": password},
        headers={"Cookie": f"pdo_console_csrf={csrf_cookie}"},
        timeout=30,
    )
    assert signed.status_code == 303, signed.text[-2000:]
    assert "secure" in signed.headers["set-cookie"].lower()
    session = signed.cookies["pdo_console_session"]
    return httpx.get(
        f"{url}/console/",
        headers={"Cookie": f"pdo_console_session={session}; pdo_console_csrf={csrf_cookie}"},
        timeout=30,
    )


async def walk(
    bases: dict[str, str],
    clock: ShiftedClock,
    region: str,
    kafka_bootstrap: str,
    vault: VaultStub,
    tmp: Path,
) -> dict[str, float]:
    """``Lifecycle.run``'s steps, timed: resource → product → trade → disclosure."""
    took: dict[str, float] = {}
    transport = Routes(bases)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://pdo.invalid", timeout=60
    ) as http:
        path = LifecyclePath(
            None,  # no Platform object: nine processes instead
            http,
            clock,
            region,
            # the stub's keyring file through an instance of this loop's own
            # (LifecyclePath's docstring: one instance shared by two loops can hang)
            keys=LocalKeyring(vault.keyring.path, "vault-stub-passphrase", scrypt_log2_n=10),
        )
        lifecycle = Lifecycle(path, kafka_events(kafka_bootstrap, region), tmp)
        for step in lifecycle.steps():
            began = time.monotonic()
            await step()
            took[step.__name__] = time.monotonic() - began
    return took


@pytest.mark.timeout(1800)
def test_chart_smoke_renders_runs_probes_and_traces_across_processes(
    tmp_path: Path,
    kafka_bootstrap: str,
    mongo_uri: str,
    vault: VaultStub,
    receiver: Receiver,
) -> None:
    timings: dict[str, float] = {}
    began = time.monotonic()
    region = fresh_region()
    root = sandbox_root()
    sources = source_env(tmp_path, root)  # the providers' data, as the walk expects it
    clock = ShiftedClock(START, tmp_path / "clock")
    manifest = render(
        "--set-string", f"region={region}",
        "--set", f"kafka.bootstrap={kafka_bootstrap}",
        "--set", "kafka.securityProtocol=PLAINTEXT",
        "--set", "kafka.saslMechanism=",
        "--set", "kafka.partitions=2",
        "--set", "kafka.replicationFactor=1",
        "--set", f"vault.addr={vault.url}",
        "--set", "vault.auth=kubernetes",
        "--set", f"vault.kubernetes.role={vault.k8s_role}",
        "--set", f"otel.endpoint={receiver.url}",
        "--set-string", "services.sandbox_broker.env.PDO_DEMO_ROWS=1000",
        *[
            arg for name, value in sources.items()
            for arg in ("--set-string", f"services.sandbox_broker.env.{name}={value}")
        ],
        release="smoke",
    )  # fmt: skip
    docs = documents(manifest)
    timings["render"] = time.monotonic() - began
    config_maps = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}
    secrets = {("pdo-mongo", "uri"): mongo_uri, ("pdo-console", "csrf-secret"): "smoke-csrf"}
    token_file = tmp_path / "serviceaccount-token"
    token_file.write_text(vault.k8s_jwt)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PDO_", "VAULT_", "OTEL_"))}

    # 1. The pre-install hook Job, as Helm runs it before anything else.
    (job,) = [d for d in docs if d["kind"] == "Job"]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    job_container = job["spec"]["template"]["spec"]["containers"][0]
    t = time.monotonic()
    provisioned = subprocess.run(
        local(job_container["command"]),
        env={**base, **resolve_env(job_container, config_maps, secrets)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert provisioned.returncode == 0, provisioned.stderr
    assert f"region {region}: created 38 topics" in provisioned.stdout
    timings["provision"] = time.monotonic() - t

    # 2. Every workload's command with its rendered environment.
    rendered = [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")]
    (console,) = [w for w in rendered if w["metadata"]["name"] == "smoke-pdo-console"]
    workloads = [w for w in rendered if w is not console]
    assert len(workloads) == 9
    data_root = Path(tempfile.mkdtemp(prefix="pdo-smoke-", dir="/tmp"))
    os.chmod(data_root, 0o711)
    processes: dict[str, tuple[subprocess.Popen[bytes], str, dict[str, Any], Path]] = {}
    console_child: subprocess.Popen[bytes] | None = None
    t = time.monotonic()
    try:
        for n, workload in enumerate(workloads, start=1):
            container = workload["spec"]["template"]["spec"]["containers"][0]
            service = container["command"][2]
            env = resolve_env(container, config_maps, secrets)
            (port,) = [p["containerPort"] for p in container["ports"] if p["name"] == "http"]
            assert env["PDO_HTTP_PORT"] == str(port)
            mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
            assert env["PDO_DATA_DIR"] == mounts["data"] == SECRETS_MOUNT
            data_dir = data_root / service
            data_dir.mkdir(mode=0o711)
            env["PDO_DATA_DIR"] = str(data_dir)  # the volume, mapped
            env["PDO_VAULT_K8S_TOKEN_PATH"] = str(token_file)  # the projected SA token
            address = f"127.0.1.{n}"
            env["PDO_HTTP_HOST"] = address  # the pod's own IP
            env["PYTHONPATH"] = str(SHIFTED_CLOCK)  # test-only: the walk's clock
            env["PDO_SMOKE_CLOCK_FILE"] = str(clock.where)
            log = tmp_path / f"{service}.log"
            with log.open("wb") as out:
                child = subprocess.Popen(
                    local(container["command"]),
                    env={**base, **env},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            processes[service] = (child, f"http://{address}:{port}", container, log)

        # 3. The rendered probes, on the rendered port.
        probe_results: dict[str, dict[str, int]] = {}
        for service, (child, url, container, log) in processes.items():
            deadline = time.monotonic() + 180
            startup = container["startupProbe"]["httpGet"]["path"]
            while http_get(url + startup) != 200:
                assert child.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.3)
            readiness = container["readinessProbe"]["httpGet"]["path"]
            while http_get(url + readiness) != 200:
                assert time.monotonic() < deadline, httpx.get(url + readiness).text
                time.sleep(0.3)
            liveness = container["livenessProbe"]["httpGet"]["path"]
            probe_results[service] = {
                startup: http_get(url + startup),
                readiness: http_get(url + readiness),
                liveness: http_get(url + liveness),
            }
        timings["all nine ready"] = time.monotonic() - t
        assert all(set(r.values()) == {200} for r in probe_results.values()), probe_results

        # 3a. The staff console's Deployment (issue 13): its command with its rendered
        # environment, each service's Service URL mapped to that service's process.
        t = time.monotonic()
        console_child, console_url, console_log = start_console(
            console, config_maps, secrets, base, processes, tmp_path
        )
        console_container = console["spec"]["template"]["spec"]["containers"][0]
        deadline = time.monotonic() + 120
        startup = console_container["startupProbe"]["httpGet"]["path"]
        while http_get(console_url + startup) != 200:
            assert console_child.poll() is None, console_log.read_text()[-3000:]
            assert time.monotonic() < deadline, console_log.read_text()[-3000:]
            time.sleep(0.3)
        probe_results["console"] = {
            console_container[probe]["httpGet"]["path"]: http_get(
                console_url + console_container[probe]["httpGet"]["path"]
            )
            for probe in ("startupProbe", "readinessProbe", "livenessProbe")
        }
        assert set(probe_results["console"].values()) == {200}, probe_results["console"]
        login_page = httpx.get(f"{console_url}/console/login", timeout=10)
        assert login_page.status_code == 200 and "登录" in login_page.text
        timings["console ready"] = time.monotonic() - t
        assert {p for r in probe_results.values() for p in r} == {
            "/startupz", "/readyz", "/livez"
        }  # fmt: skip

        # 3b. `helm test`: the rendered test hook Pod's command, each Service's DNS name
        # mapped to its process (the Service's port is the container port here).
        (hook,) = [
            d for d in docs
            if d["kind"] == "Pod" and d["metadata"]["annotations"]["helm.sh/hook"] == "test"
        ]  # fmt: skip
        hook_command = hook["spec"]["containers"][0]["command"]
        services_by_dns = {
            d["metadata"]["name"]: d["spec"]["selector"]["pdo.service"]
            for d in docs
            if d["kind"] == "Service"
        }
        t = time.monotonic()
        checked = subprocess.run(
            [sys.executable, *hook_command[1:2], hook_command[2], *[
                mapped_url(url, services_by_dns, processes) for url in hook_command[3:]
            ]],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        timings["helm test hook"] = time.monotonic() - t
        assert hook_command[0] == "python" and checked.returncode == 0, checked.stdout
        assert checked.stdout.count(" 200") == 9, checked.stdout

        # 4. Issue 5's lifecycle over HTTP against the nine processes, on Kafka.
        bases = {service: url for service, (_, url, _, _) in processes.items()}
        steps = asyncio.run(walk(bases, clock, region, kafka_bootstrap, vault, tmp_path))
        timings.update({f"lifecycle {name}": took for name, took in steps.items()})
        assert vault.logins and set(vault.logins) == {vault.k8s_role}

        # 4b. Sign-in through the console: it calls identity at the rendered route and
        # keeps the token in its session cookie; the home page then answers for it.
        t = time.monotonic()
        home = console_sign_in(console_url, "op.admin", PASSWORD)
        assert home.status_code == 200 and "退出" in home.text, home.text[-2000:]
        timings["console sign-in"] = time.monotonic() - t

        # 5. One trace across the two processes, from what they exported.
        t = time.monotonic()
        deadline = time.monotonic() + 30
        while True:
            spans = receiver.by_service()
            server = [
                (svc, s) for svc, s in spans
                if svc == "catalog" and s.kind == Span.SPAN_KIND_SERVER and "POST" in s.name
            ]  # fmt: skip
            trace_ids = {s.trace_id for _, s in server}
            consumer = [
                (svc, s) for svc, s in spans
                if svc == "disclosure" and s.kind == Span.SPAN_KIND_CONSUMER
                and s.trace_id in trace_ids
            ]  # fmt: skip
            if consumer or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        timings["trace exported"] = time.monotonic() - t
        assert consumer, sorted({(svc, s.name) for svc, s in spans})
        _, consume = consumer[0]
        in_trace = {s.span_id: (svc, s) for svc, s in spans if s.trace_id == consume.trace_id}
        producer_service, producer = in_trace[consume.parent_span_id]
        assert producer_service == "catalog" and producer.kind == Span.SPAN_KIND_PRODUCER
        chain, cursor = [], producer
        while cursor.parent_span_id in in_trace:
            svc, cursor = in_trace[cursor.parent_span_id]
            chain.append((svc, cursor.kind))
        assert ("catalog", Span.SPAN_KIND_SERVER) in chain

        # 6. SIGTERM, as the kubelet sends it: every process stops within the grace.
        t = time.monotonic()
        for child, _, _, _ in processes.values():
            child.send_signal(signal.SIGTERM)
        grace = workloads[0]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        for service, (child, _, _, log) in processes.items():
            child.wait(timeout=grace)
            assert "stopped cleanly" in log.read_text(), service
        timings["SIGTERM to all exited"] = time.monotonic() - t
    finally:
        for child, _, _, _ in processes.values():
            if child.poll() is None:
                child.kill()
        if console_child is not None and console_child.poll() is None:
            console_child.terminate()
            console_child.wait(timeout=30)
        shutil.rmtree(data_root, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)
    timings["total"] = time.monotonic() - began
    report = ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
    print(f"\nchart smoke: {report}\nprobes: {probe_results}")
