"""docker-compose's Kafka, run here: ``deploy/compose/kafka-start.sh`` (the compose
service's command) with the test suite's Kafka 4.0.1 jars standing in for the image's
``/opt/kafka/bin`` and ports of its own. Then compose's ``kafka-provision`` command and
variables (``pdo-admin`` over SASL/SCRAM-SHA-512) create the topics and ACLs, and a
service principal with its SCRAM password is held to them: it writes its own stream,
not another service's; a wrong password and an unknown user get no connection at all."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, TopicAuthorizationFailedError

from libs.bus.provision import plan
from tests.infra.servers import KafkaServer, free_port
from tests.support.chart import REPO
from tests.support.regions import fresh_region

pytestmark = [pytest.mark.kafka]
JARS = (
    Path(os.environ.get("PDO_CACHE_DIR", Path.home() / ".cache" / "pdo")) / "kafka-4.0.1" / "libs"
)
SERVICES = [
    "identity",
    "catalog",
    "request_review",
    "sandbox_broker",
    "product_release",
    "trading_bridge",
    "billing",
    "evaluation",
    "disclosure",
]


def wrapper(bin_dir: Path, name: str, main_class: str, logs: Path) -> None:
    """``bin/<name>``: the jars' main class, as the image's script runs it."""
    script = bin_dir / name
    script.write_text(
        "#!/bin/bash\n"
        f'exec java -Xms128m -Xmx384m -Dkafka.logs.dir="{logs}" '
        f'-cp "{JARS}/*" {main_class} "$@"\n'
    )
    script.chmod(0o755)


@pytest.fixture
def compose_kafka(tmp_path: Path) -> Iterator[dict[str, Any]]:
    KafkaServer.prepare(lambda line: None)  # the jars, fetched once by the suite
    bin_dir, logs = tmp_path / "bin", tmp_path / "logs"
    bin_dir.mkdir()
    logs.mkdir()
    wrapper(bin_dir, "kafka-storage.sh", "kafka.tools.StorageTool", logs)
    wrapper(bin_dir, "kafka-server-start.sh", "kafka.Kafka", logs)
    region = fresh_region()
    port, cport, hport = free_port(), free_port(), free_port()
    passwords = {f"KAFKA_PASSWORD_{s.upper()}": f"pw-{s}-{region}" for s in SERVICES}
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PDO_", "KAFKA_"))},
        **passwords,
        "PDO_REGION": region,
        "KAFKA_ADMIN_PASSWORD": "admin-pw",
        "KAFKA_CONTROLLER_PASSWORD": "controller-pw",
        "KAFKA_BIN": str(bin_dir),
        "KAFKA_HOST": "127.0.0.1",
        "KAFKA_PORT": str(port),
        "KAFKA_CONTROLLER_PORT": str(cport),
        "KAFKA_HOST_PORT": str(hport),
        "KAFKA_LOG_DIRS": str(tmp_path / "data"),
        "KAFKA_PROPERTIES": str(tmp_path / "server.properties"),
    }
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    assert compose["services"]["kafka"]["command"] == ["bash", "/opt/pdo/kafka-start.sh"]
    out = (tmp_path / "kafka.log").open("wb")
    child = subprocess.Popen(
        ["bash", str(REPO / "deploy" / "compose" / "kafka-start.sh")],
        env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        log = tmp_path / "kafka.log"
        while not listening(port):
            assert child.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.5)
        yield {"bootstrap": f"127.0.0.1:{port}", "region": region, "passwords": passwords,
               "compose": compose}  # fmt: skip
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait(timeout=30)
        out.close()
        shutil.rmtree(tmp_path / "data", ignore_errors=True)


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def scram(user: str, password: str) -> dict[str, str]:
    return {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": user,
        "sasl_plain_password": password,
    }


async def test_compose_kafka_requires_scram_and_provisioning_with_acls_holds_each_service(
    compose_kafka: dict[str, Any],
) -> None:
    region, bootstrap = compose_kafka["region"], compose_kafka["bootstrap"]
    provision = compose_kafka["compose"]["services"]["kafka-provision"]
    command = [str(Path(sys.executable).parent / "pdo"), *provision["command"][1:]]
    command[command.index("--region") + 1] = region
    env = {k: v for k, v in os.environ.items() if not k.startswith("PDO_")}
    env.update({k: str(v) for k, v in provision["environment"].items()})
    env["PDO_KAFKA_BOOTSTRAP"] = bootstrap  # compose's kafka:9092, mapped
    env["PDO_KAFKA_PASSWORD"] = "admin-pw"  # ${KAFKA_ADMIN_PASSWORD}, from .env
    done = await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"region {region}: created 38 topics" in done.stdout, done.stdout
    # with ACLs (no --no-acls): every ACL of the plan, for every service principal
    wanted = len(plan(region, partitions=3, replication_factor=1).acls)
    assert f"created {wanted} ACLs" in done.stdout and wanted > 9 * 3, done.stdout

    user = f"pdo-{region}-catalog"
    password = compose_kafka["passwords"]["KAFKA_PASSWORD_CATALOG"]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **scram(user, password))
    await producer.start()
    try:
        await producer.send_and_wait(f"pdo.{region}.catalog.resources.v1", b"{}", key=b"k")
        with pytest.raises(TopicAuthorizationFailedError):
            await producer.send_and_wait(f"pdo.{region}.disclosure.records.v1", b"{}", key=b"k")
    finally:
        await producer.stop()

    for who, secret in ((user, "a-wrong-password"), ("nobody", "nothing")):
        stranger = AIOKafkaProducer(
            bootstrap_servers=bootstrap, request_timeout_ms=5000, **scram(who, secret)
        )
        with pytest.raises(KafkaError):
            try:
                await stranger.start()
            finally:
                await stranger.stop()
