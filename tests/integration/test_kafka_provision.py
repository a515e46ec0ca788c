"""``pdo kafka provision`` on the real broker (auto topic creation off, ACLs enforced):
every registry topic and dead-letter topic with its configuration, each service's
least-privilege ACLs, idempotence, a clear refusal without permission, and a service
principal held to its ACLs on the SASL listener."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import GroupAuthorizationFailedError, KafkaError, TopicAuthorizationFailedError

from contracts.topics import TOPICS
from libs.bus.kafka import KafkaBus, KafkaCredentials
from libs.bus.port import Message
from libs.bus.provision import consumer_group, plan
from tests.infra.servers import ACL_TEST_REGION, SASL_TEST_USERS, KafkaServer
from tests.support.regions import fresh_region

pytestmark = [pytest.mark.kafka]
REPO = Path(__file__).resolve().parents[2]


def provision(bootstrap: str, region: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PDO_")}
    return subprocess.run(
        [sys.executable, "-m", "libs.cli", "kafka", "provision", "--region", region,
         "--bootstrap", bootstrap, "--partitions", "2"],
        cwd=REPO, env={**clean, **env}, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip


def sasl(user: str, password: str) -> dict[str, str]:
    return {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "PLAIN",
        "sasl_plain_username": user,
        "sasl_plain_password": password,
    }


async def test_provision_creates_the_registry_for_a_region_then_changes_nothing(
    kafka_bootstrap: str,
) -> None:
    region = fresh_region()
    first = provision(kafka_bootstrap, region)
    assert first.returncode == 0, first.stderr
    wanted = plan(region, partitions=2)
    assert f"region {region}: created {len(wanted.topics)} topics" in first.stdout
    assert f"created {len(wanted.acls)} ACLs" in first.stdout
    assert len(wanted.topics) == 2 * len(TOPICS)  # every topic and its dead-letter topic

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([t.name for t in wanted.topics])
        partitions = {d["topic"]: len(d["partitions"]) for d in described}
        for t in wanted.topics:
            assert partitions[t.name] == (1 if t.name.endswith(".dlq") else 2), t.name
        (configs,) = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, f"pdo.{region}.catalog.resources.v1")]
        )
        entries = {e[0]: e[1] for e in configs.resources[0][4]}
        assert entries["retention.ms"] == "-1" and entries["cleanup.policy"] == "delete"
    finally:
        await admin.close()

    second = provision(kafka_bootstrap, region)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == (
        f"region {region}: nothing to change: {len(wanted.topics)} topics and "
        f"{len(wanted.acls)} ACLs already match the registry"
    )


def test_least_privilege_plan_follows_the_registry() -> None:
    acls = plan("370300").acls
    catalog = {(a.resource_name, a.operation) for a in acls if "catalog" in a.principal}
    # writes only under its own streams, reads only what it consumes, its own group
    assert ("pdo.370300.catalog.", 4) in catalog
    assert not any(op == 4 and name.startswith("pdo.370300.identity") for name, op in catalog)
    assert not any(a.resource_type == 3 for a in acls if "catalog" in a.principal)  # no input
    disclosure = {(a.resource_name, a.operation) for a in acls if "disclosure" in a.principal}
    assert ("pdo.370300.disclosure", 3) in disclosure  # its group prefix pdo.<region>.<service>
    assert ("pdo.370300.catalog.resources.v1", 3) in disclosure
    assert ("pdo.370300.catalog.resources.v1.dlq", 4) in disclosure
    assert ("pdo.370300.catalog.resources.v1", 4) not in disclosure
    assert consumer_group("370300", "disclosure") == "pdo.370300.disclosure"


def test_provision_without_permission_is_refused_clearly_and_a_second_run_finishes(
    kafka_server: KafkaServer,
) -> None:
    region = fresh_region()
    refused = provision(
        kafka_server.sasl_bootstrap,
        region,
        PDO_KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        PDO_KAFKA_SASL_MECHANISM="PLAIN",
        PDO_KAFKA_USERNAME="nobody",
        PDO_KAFKA_PASSWORD="nobody-secret",
    )
    assert refused.returncode == 1
    assert "TopicAuthorizationFailedError" in refused.stderr
    assert "needs Create and Alter" in refused.stderr
    assert "Traceback" not in refused.stderr
    # An administrator's run then creates everything: nothing was left half-made.
    done = provision(
        kafka_server.sasl_bootstrap,
        region,
        PDO_KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        PDO_KAFKA_SASL_MECHANISM="PLAIN",
        PDO_KAFKA_USERNAME="admin",
        PDO_KAFKA_PASSWORD="admin-secret",
    )
    assert done.returncode == 0, done.stderr
    assert "created 38 topics" in done.stdout


async def test_a_service_principal_is_held_to_its_acls(kafka_server: KafkaServer) -> None:
    region = ACL_TEST_REGION
    assert provision(kafka_server.bootstrap, region).returncode == 0
    user = f"pdo-{region}-disclosure"
    creds = sasl(user, SASL_TEST_USERS[user])
    resources = f"pdo.{region}.catalog.resources.v1"
    producer = AIOKafkaProducer(bootstrap_servers=kafka_server.sasl_bootstrap, **creds)
    await producer.start()
    try:
        # disclosure may dead-letter what it consumes, but not write catalog's stream
        await producer.send_and_wait(f"{resources}.dlq", b"dead letter", key=b"k")
        with pytest.raises(TopicAuthorizationFailedError):
            await producer.send_and_wait(resources, b"forged", key=b"k")
        await producer.send_and_wait(f"pdo.{region}.disclosure.records.v1", b"{}", key=b"k")
    finally:
        await producer.stop()
    own = AIOKafkaConsumer(
        resources,
        bootstrap_servers=kafka_server.sasl_bootstrap,
        group_id=consumer_group(region, "disclosure"),
        auto_offset_reset="earliest",
        **creds,
    )
    await own.start()
    try:
        await own.getmany(timeout_ms=2000)
    finally:
        await own.stop()
    foreign = AIOKafkaConsumer(
        resources,
        bootstrap_servers=kafka_server.sasl_bootstrap,
        group_id=f"pdo.{region}.catalog-{uuid.uuid4().hex[:4]}",
        **creds,
    )
    with pytest.raises((GroupAuthorizationFailedError, KafkaError)):
        try:
            await foreign.start()
            await foreign.getmany(timeout_ms=3000)
            await foreign.commit()
        finally:
            await foreign.stop()


async def test_the_bus_connects_as_its_service_principal_over_sasl(
    kafka_server: KafkaServer,
) -> None:
    """``KafkaBus`` with the credentials the chart passes (PDO_KAFKA_*): catalog's
    principal publishes its own stream and its per-replica read model reads it back."""
    region = ACL_TEST_REGION
    assert provision(kafka_server.bootstrap, region).returncode == 0
    user = f"pdo-{region}-catalog"
    bus = KafkaBus(
        kafka_server.sasl_bootstrap,
        client_id="sasl-test",
        credentials=KafkaCredentials("SASL_PLAINTEXT", "PLAIN", user, SASL_TEST_USERS[user]),
    )
    topic = f"pdo.{region}.catalog.resources.v1"
    marker = uuid.uuid4().hex.encode()
    seen = asyncio.Event()

    async def handler(batch: list[Message]) -> None:
        if any(m.value == marker for m in batch):
            seen.set()

    bus.subscribe([topic], "catalog.projection", handler, every_replica=True)
    await bus.start()
    try:
        await bus.publish(Message(topic=topic, key="r-1", value=marker))
        await asyncio.wait_for(seen.wait(), timeout=60)
        assert await bus.unready_reason() is None
    finally:
        await bus.stop()
