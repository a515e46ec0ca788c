"""``pdo serve <service>`` as an operator runs it: processes configured only by environment
variables, on the real Kafka broker and MongoDB-wire server, with secrets in Vault (a
test Vault, ``tests/support/vault_server.py``): probes, SIGTERM, and start-up refusals."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from contracts.topics import topic_for
from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.bus.provision import consumer_group
from libs.clock import SystemClock
from tests.infra.servers import free_port
from tests.support.kafka_topics import provision_region
from tests.support.platform import TAX, resource_body
from tests.support.regions import fresh_region
from tests.support.vault_server import VaultStub, vault_server

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]
REPO = Path(__file__).resolve().parents[2]


def start(service: str, env: dict[str, str], log: Path, port: int | None = None) -> Popen:
    port = port or free_port()
    with log.open("ab") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "libs.cli", "serve", service],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**env, "PDO_HTTP_PORT": str(port)},
        )
    return Popen(child, f"http://127.0.0.1:{port}", log)


class Popen:
    def __init__(self, child: subprocess.Popen[bytes], base: str, log: Path) -> None:
        self.child, self.base, self.log = child, base, log

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.child.poll() is None, self.log.read_text()[-3000:]
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.child.kill()
        raise AssertionError(self.log.read_text()[-3000:])

    def terminate(self, timeout: float = 30) -> tuple[int, float]:
        began = time.monotonic()
        self.child.send_signal(signal.SIGTERM)
        code = self.child.wait(timeout=timeout)
        return code, time.monotonic() - began


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[VaultStub]:
    with vault_server(tmp_path / "vault") as stub:
        yield stub


def base_env(tmp: Path, region: str, kafka: str, mongo: str, vault: VaultStub) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PDO_", "VAULT_"))}
    env.update(
        PDO_MODE="distributed",
        PDO_REGION=region,
        PDO_KAFKA_BOOTSTRAP=kafka,
        PDO_MONGO_URI=mongo,
        PDO_DATA_DIR=str(tmp),
        PDO_VAULT_ADDR=vault.url,
        VAULT_TOKEN=vault.root_token,
        PDO_SHUTDOWN_GRACE_SECONDS="20",
    )
    return env


def auth(vault: VaultStub, region: str) -> dict[str, str]:
    issuer = TokenIssuer(vault.keyring, SystemClock(), region=region)
    who = Principal(user_id=TAX.user_id, org_id=TAX.org_id, role=TAX.role, region=region)
    return {"Authorization": f"Bearer {asyncio.run(issuer.issue(who))}"}


def test_two_services_started_with_pdo_serve_cooperate_over_kafka(
    tmp_path: Path, kafka_bootstrap: str, mongo_uri: str, vault: VaultStub
) -> None:
    region = fresh_region()
    provision_region(kafka_bootstrap, region)
    env = base_env(tmp_path, region, kafka_bootstrap, mongo_uri, vault)
    # catalog signs in to Vault with Kubernetes auth (a service-account JWT file)
    jwt = tmp_path / "sa-token"
    jwt.write_text(vault.k8s_jwt)
    k8s_env = {k: v for k, v in env.items() if k != "VAULT_TOKEN"}
    k8s_env.update(PDO_VAULT_K8S_ROLE=vault.k8s_role, PDO_VAULT_K8S_TOKEN_PATH=str(jwt))
    catalog = start("catalog", k8s_env, tmp_path / "catalog.log")
    disclosure = start("disclosure", env, tmp_path / "disclosure.log")
    try:
        catalog.wait_ready()
        disclosure.wait_ready()
        for base in (catalog.base, disclosure.base):
            assert httpx.get(f"{base}/livez").json() == {"status": "alive"}
            assert httpx.get(f"{base}/startupz").status_code == 200
        created = httpx.post(
            f"{catalog.base}/catalog/resources/",
            json=resource_body(),
            headers=auth(vault, region),
            timeout=10,
        )
        assert created.status_code == 201, created.text
        assert vault.logins == [vault.k8s_role]  # catalog verified the token via Vault
        rid = created.json()["resource_id"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            listed = httpx.get(f"{disclosure.base}/disclosure/resources/{rid}", timeout=5)
            if listed.status_code == 200:
                break
            time.sleep(0.2)
        assert listed.status_code == 200
        assert listed.json()["region"] == region
        # Each process serves only its own service.
        assert httpx.get(f"{catalog.base}/disclosure/resources/").status_code == 404
        assert httpx.get(f"{catalog.base}/healthz").json()["services"] == {"catalog": "up"}
        # The rule pages answer at the root of a service started alone, too.
        page = httpx.get(f"{catalog.base}/rules/CAT-2", timeout=5)
        assert page.status_code == 200 and "CAT-2 负面清单资源不得授权运营" in page.text
        assert httpx.get(f"{disclosure.base}/rules.json", timeout=5).json()["rules"]
    finally:
        for process in (catalog, disclosure):
            process.terminate()


async def _group_lag(bootstrap: str, group: str, topic: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not parts:
            await consumer.topics()
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = await consumer.end_offsets(parts)
    finally:
        await consumer.stop()
    return sum(ends[tp] - (committed[tp].offset if tp in committed else 0) for tp in parts)


def test_sigterm_mid_flow_then_restart_loses_nothing_and_applies_nothing_twice(
    tmp_path: Path, kafka_bootstrap: str, mongo_uri: str, vault: VaultStub
) -> None:
    """SIGTERM to disclosure while it consumes 60 resources: it stops taking records,
    commits what it handled and exits 0 within the grace period; restarted, it lists
    every resource exactly once and its group has consumed the whole topic."""
    region = fresh_region()
    provision_region(kafka_bootstrap, region)
    env = base_env(tmp_path, region, kafka_bootstrap, mongo_uri, vault)
    catalog = start("catalog", env, tmp_path / "catalog.log")
    disclosure_port = free_port()
    disclosure = start("disclosure", env, tmp_path / "disclosure.log", disclosure_port)
    n = 60
    ids: list[str] = []
    try:
        catalog.wait_ready()
        disclosure.wait_ready()
        headers = auth(vault, region)
        with httpx.Client(timeout=10) as http:
            for i in range(n):
                created = http.post(
                    f"{catalog.base}/catalog/resources/",
                    json=resource_body(f"企业纳税信息{i:03d}"),
                    headers=headers,
                )
                assert created.status_code == 201, created.text
                ids.append(created.json()["resource_id"])
                if i == n // 3:
                    code, took = disclosure.terminate()
                    # uvicorn re-raises SIGTERM once its shutdown is complete
                    assert code in (0, -signal.SIGTERM), code
                    assert "stopped cleanly" in disclosure.log.read_text()
                    assert took < 25, f"SIGTERM took {took:.1f}s"
        disclosure = start("disclosure", env, tmp_path / "disclosure.log", disclosure_port)
        disclosure.wait_ready()
        deadline = time.monotonic() + 90
        listed: dict[str, object] = {}
        while time.monotonic() < deadline:
            page = httpx.get(
                f"{disclosure.base}/disclosure/resources/", params={"limit": 200}, timeout=5
            ).json()
            listed = {item["resource_id"]: item for item in page["items"]}
            # The page's items and its total are two reads while the consumer still writes:
            # wait until both show every resource.
            if page["total"] >= n and len(page["items"]) >= n:
                break
            time.sleep(0.3)
        assert page["total"] == n and len(page["items"]) == n  # none twice
        assert sorted(listed) == sorted(ids)
        topic = topic_for("resource.registered").name(region)
        group = consumer_group(region, "disclosure")
        deadline = time.monotonic() + 30
        while (lag := asyncio.run(_group_lag(kafka_bootstrap, group, topic))) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.5)
        assert lag == 0
        log = (tmp_path / "disclosure.log").read_text()
        assert "dead-lettered" not in log
    finally:
        for process in (catalog, disclosure):
            if process.child.poll() is None:
                process.terminate()


@pytest.mark.parametrize(
    ("drop", "named"),
    [("PDO_VAULT_ADDR", "PDO_VAULT_ADDR"), ("VAULT_TOKEN", "VAULT_TOKEN or PDO_VAULT_K8S_ROLE")],
)
def test_distributed_mode_without_vault_stops_at_start_naming_the_setting(
    tmp_path: Path, drop: str, named: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PDO_", "VAULT_"))}
    env.update(
        PDO_MODE="distributed",
        PDO_KAFKA_BOOTSTRAP="127.0.0.1:1",
        PDO_MONGO_URI="mongodb://127.0.0.1:1/",
        PDO_VAULT_ADDR="http://127.0.0.1:1",
        VAULT_TOKEN="t",
        PDO_DATA_DIR=str(tmp_path),
    )
    del env[drop]
    result = subprocess.run(
        [sys.executable, "-m", "libs.cli", "serve", "catalog"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert named in result.stderr
    assert not (tmp_path / "keyring.bin").exists()


def test_two_catalog_replicas_each_answer_searches_from_every_resource(
    tmp_path: Path, kafka_bootstrap: str, mongo_uri: str, vault: VaultStub
) -> None:
    """Two catalog processes on one Kafka and one database, 200 resources registered
    through either: each process's search returns all 200 (each replica keeps its own
    search index from every event, not from its share of the group's partitions)."""
    region = fresh_region()
    provision_region(kafka_bootstrap, region)
    env = base_env(tmp_path, region, kafka_bootstrap, mongo_uri, vault)
    replicas = [start("catalog", env, tmp_path / f"catalog-{i}.log") for i in range(2)]
    n = 200
    try:
        for replica in replicas:
            replica.wait_ready()
        headers = auth(vault, region)
        with httpx.Client(timeout=15) as http:
            for i in range(n):
                created = http.post(
                    f"{replicas[i % 2].base}/catalog/resources/",
                    json=resource_body(f"企业纳税信息{i:03d}"),
                    headers=headers,
                )
                assert created.status_code == 201, created.text
            for replica in replicas:
                deadline = time.monotonic() + 60
                while True:
                    page = http.get(
                        f"{replica.base}/catalog/resources/",
                        params={"limit": 200},
                        headers=headers,
                    ).json()
                    if page["total"] == n or time.monotonic() > deadline:
                        break
                    time.sleep(0.3)
                assert page["total"] == n, replica.base
                names = {item["name"] for item in page["items"]}
                assert names == {f"企业纳税信息{i:03d}" for i in range(n)}
    finally:
        for replica in replicas:
            replica.terminate()
