"""The chart's smoke test: render it, then run what it renders as local processes.

The chart is rendered with the test servers' addresses in its values (Kafka, MongoDB
wire, a test Vault with Kubernetes auth, an OTLP/HTTP receiver of this test). The hook
Job's command runs first (`pdo kafka provision`), then every Deployment's and
StatefulSet's container command with exactly its rendered environment (``env`` and
``envFrom``; ``secretKeyRef`` filled from the test's Secrets; the rendered data volume
mapped to a temporary directory). Each process binds the rendered container port on an
address of its own (127.0.1.<n>: every pod has its own IP), and the rendered startup,
readiness and liveness probe paths are asked on it. Then a resource registered at
catalog over HTTP reaches disclosure over Kafka, and one trace id runs from catalog's
HTTP server span through its producer span to disclosure's consumer span, exported by
two processes to the receiver.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.clock import SystemClock
from tests.integration.test_resource_flow_kafka import fresh_region
from tests.support.chart import documents, render
from tests.support.platform import TAX, resource_body
from tests.support.vault_server import VaultStub, vault_server

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]
PDO = Path(sys.executable).parent / "pdo"
SECRETS_MOUNT = "/var/lib/pdo"


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


def resolve_env(
    container: dict[str, Any],
    config_maps: dict[str, dict[str, str]],
    secrets: dict[tuple[str, str], str],
) -> dict[str, str]:
    """The container's environment as the kubelet would build it (envFrom, then env)."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(config_maps[source["configMapRef"]["name"]])
    for entry in container.get("env", []):
        if "value" in entry:
            env[entry["name"]] = str(entry["value"])
            continue
        ref = entry["valueFrom"]
        if "secretKeyRef" in ref:
            key = (ref["secretKeyRef"]["name"], ref["secretKeyRef"]["key"])
            if key not in secrets:
                raise AssertionError(f"the test has no Secret {key} for {entry['name']}")
            env[entry["name"]] = secrets[key]
        else:
            key = (ref["configMapKeyRef"]["name"], ref["configMapKeyRef"]["key"])
            env[entry["name"]] = config_maps[key[0]][key[1]]
    return env


def local(command: list[str]) -> list[str]:
    """The rendered command, with the image's ``pdo`` as this checkout's console script."""
    if command[0] != "pdo":
        raise AssertionError(f"unexpected command {command}")
    return [str(PDO), *command[1:]]


def http_get(url: str) -> int:
    try:
        return httpx.get(url, timeout=3).status_code
    except httpx.HTTPError:
        return 0


@pytest.mark.timeout(900)
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
        release="smoke",
    )  # fmt: skip
    docs = documents(manifest)
    timings["render"] = time.monotonic() - began
    config_maps = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}
    secrets = {("pdo-mongo", "uri"): mongo_uri}
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
    workloads = [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")]
    assert len(workloads) == 9
    data_root = Path(tempfile.mkdtemp(prefix="pdo-smoke-", dir="/tmp"))
    os.chmod(data_root, 0o711)
    processes: dict[str, tuple[subprocess.Popen[bytes], str, dict[str, Any], Path]] = {}
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
        assert {p for r in probe_results.values() for p in r} == {
            "/startupz", "/readyz", "/livez"
        }  # fmt: skip

        # 4. Across processes over HTTP and Kafka: catalog → disclosure.
        t = time.monotonic()
        issuer = TokenIssuer(vault.keyring, SystemClock(), region=region)
        who = Principal(user_id=TAX.user_id, org_id=TAX.org_id, role=TAX.role, region=region)
        headers = {"Authorization": f"Bearer {asyncio.run(issuer.issue(who))}"}
        catalog_url, disclosure_url = processes["catalog"][1], processes["disclosure"][1]
        created = httpx.post(
            f"{catalog_url}/catalog/resources/", json=resource_body(), headers=headers, timeout=10
        )
        assert created.status_code == 201, created.text
        rid = created.json()["resource_id"]
        deadline = time.monotonic() + 60
        while http_get(f"{disclosure_url}/disclosure/resources/{rid}") != 200:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        timings["resource visible at disclosure"] = time.monotonic() - t
        assert vault.logins and set(vault.logins) == {vault.k8s_role}

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
        shutil.rmtree(data_root, ignore_errors=True)
    timings["total"] = time.monotonic() - began
    report = ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
    print(f"\nchart smoke: {report}\nprobes: {probe_results}")
