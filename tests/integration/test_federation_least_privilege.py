"""Least privilege on the secured broker (FED-1, FED-2): the test broker's SASL listener
(SCRAM, ``StandardAuthorizer``, no ACL means no access, no auto-created topics) with the
ACLs ``pdo kafka provision`` creates, and ``pdo serve`` processes of the city 370300, its
county 370303 and the province 370000, each service connecting as its own principal
with its password read from Vault (the secrets port)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pymongo
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaError,
    TopicAuthorizationFailedError,
)

from contracts.envelope import SYSTEM_ACTOR, Envelope, new_envelope
from contracts.events import DataItem, ResourceRegistered
from libs.bus.kafka import KafkaBus, KafkaCredentials
from libs.bus.port import Message
from libs.bus.provision import (
    ALLOW,
    OP_READ,
    OP_WRITE,
    PATTERN_LITERAL,
    RESOURCE_TOPIC,
    AclPlan,
    Plan,
    principal_name,
)
from libs.bus.provision import provision as provision_acls
from libs.outbox import OutboxRelay, stage
from libs.store.mongo import MongoDocumentStore
from libs.store.sqlite import SqliteDocumentStore
from tests.infra.servers import FEDERATION_TEST_EXCHANGE, SASL_TEST_USERS, KafkaServer
from tests.integration.test_pdo_serve import Popen, auth, base_env, start
from tests.support.platform import resource_body
from tests.support.vault_server import VaultStub, vault_server

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]
REPO = Path(__file__).resolve().parents[2]
CITY, COUNTY, PROVINCE = "370300", "370303", "370000"
MECHANISM = "SCRAM-SHA-512"
PARTITIONS = 2
"""Partitions of every provisioned topic (``provision``'s ``--partitions``)."""


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[VaultStub]:
    with vault_server(tmp_path / "vault") as stub:
        yield stub


def provision(bootstrap: str, region: str, *extra: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PDO_")}
    done = subprocess.run(
        [sys.executable, "-m", "libs.cli", "kafka", "provision", "--region", region,
         "--bootstrap", bootstrap, "--partitions", str(PARTITIONS), *extra],
        cwd=REPO, env=clean, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def provision_federation(kafka: KafkaServer) -> None:
    """The province, the city (under the province, serving the exchange) and the county
    (under the city), as the chart's pre-install Job does for each release."""
    provision(kafka.bootstrap, PROVINCE, "--children", CITY)
    provision(kafka.bootstrap, CITY, "--parents", PROVINCE, "--exchange", FEDERATION_TEST_EXCHANGE)
    provision(kafka.bootstrap, COUNTY, "--parents", CITY)


def credentials(user: str, password: str | None = None) -> KafkaCredentials:
    return KafkaCredentials("SASL_PLAINTEXT", MECHANISM, user, password or SASL_TEST_USERS[user])


def client_kwargs(user: str) -> dict[str, Any]:
    return credentials(user).client_kwargs()


def serve_env(
    tmp: Path,
    region: str,
    kafka: KafkaServer,
    mongo: str,
    vault: VaultStub,
    *,
    password: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """``pdo serve catalog`` as the region's catalog principal; its password is in Vault
    only (``PDO_KAFKA_PASSWORD_SECRET``), never in the environment."""
    user = principal_name(region, "catalog")
    secret = f"kafka/{user}"
    asyncio.run(vault.keyring.write_secret(secret, {"password": password or SASL_TEST_USERS[user]}))
    env = base_env(tmp / region, region, kafka.sasl_bootstrap, mongo, vault)
    env.update(
        PDO_KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        PDO_KAFKA_SASL_MECHANISM=MECHANISM,
        PDO_KAFKA_USERNAME=user,
        PDO_KAFKA_PASSWORD_SECRET=secret,
        **extra,
    )
    return env


def federated(process: Popen, region: str, vault: VaultStub, origin: str) -> dict[str, Any]:
    r = httpx.get(
        f"{process.base}/catalog/federated-resources/?origin_region={origin}",
        headers=auth(vault, region),
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return {item["resource_id"]: item for item in r.json()["items"]}


def wait_for(probe: Any, timeout: float = 90.0, interval: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"not reached within {timeout}s (last: {last!r})")


def register(process: Popen, region: str, vault: VaultStub, name: str) -> str:
    created = httpx.post(
        f"{process.base}/catalog/resources/",
        json=resource_body(name),
        headers=auth(vault, region),
        timeout=10,
    )
    assert created.status_code == 201, created.text
    return str(created.json()["resource_id"])


async def refused_read(user: str, topic: str, group: str, kafka: KafkaServer) -> KafkaError:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka.sasl_bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        **client_kwargs(user),
    )
    try:
        await consumer.start()
        await consumer.getmany(timeout_ms=4000)
        await consumer.getmany(timeout_ms=2000)
    except KafkaError as exc:
        return exc
    finally:
        await consumer.stop()
    raise AssertionError(f"{user} read {topic} with group {group}")


def test_FED_1_a_county_reads_the_citys_public_streams_and_FED_2_the_province_the_citys(
    tmp_path: Path, kafka_server: KafkaServer, mongo_uri: str, vault: VaultStub
) -> None:
    """Three ``pdo serve catalog`` processes, one principal each: the county's catalog
    shows the city's resource (FED-1), the province's shows it as a child's (FED-2
    upward) and the city's shows the province's resource flowing back (回流)."""
    provision_federation(kafka_server)
    city = start(
        "catalog",
        serve_env(tmp_path, CITY, kafka_server, mongo_uri, vault, PDO_PARENT_REGIONS=PROVINCE),
        tmp_path / "city.log",
    )
    county = start(
        "catalog",
        serve_env(tmp_path, COUNTY, kafka_server, mongo_uri, vault, PDO_PARENT_REGIONS=CITY),
        tmp_path / "county.log",
    )
    province = start(
        "catalog",
        serve_env(tmp_path, PROVINCE, kafka_server, mongo_uri, vault, PDO_CHILD_REGIONS=CITY),
        tmp_path / "province.log",
    )
    try:
        for process in (city, county, province):
            process.wait_ready(timeout=180)
        city_resource = register(city, CITY, vault, f"市级纳税{uuid.uuid4().hex[:6]}")
        seen = wait_for(lambda: federated(county, COUNTY, vault, CITY).get(city_resource))
        assert seen["relation"] == "parent" and seen["source_event_id"]
        upward = wait_for(lambda: federated(province, PROVINCE, vault, CITY).get(city_resource))
        assert upward["relation"] == "child"
        province_resource = register(province, PROVINCE, vault, "省级医保结算")
        back = wait_for(lambda: federated(city, CITY, vault, PROVINCE).get(province_resource))
        assert back["origin_region"] == PROVINCE and back["relation"] == "parent"
        # the county is not on the province's chain of children: nothing of it upward
        assert province_resource not in federated(county, COUNTY, vault, PROVINCE)
        for process in (city, county, province):
            assert process.child.poll() is None
            assert httpx.get(f"{process.base}/readyz", timeout=5).status_code == 200
    finally:
        for process in (city, county, province):
            process.terminate()


async def test_FED_1_the_county_cannot_read_the_citys_non_public_streams(
    kafka_server: KafkaServer,
) -> None:
    provision_federation(kafka_server)
    # the county's services that consume these streams in their own region
    for service, stream in (
        ("product_release", "request.applications.v1"),
        ("evaluation", "sandbox.sandboxes.v1"),
        ("billing", "sandbox.usage.v1"),
    ):
        user = principal_name(COUNTY, service)
        own_group = f"pdo.{COUNTY}.{service}"
        error = await refused_read(user, f"pdo.{CITY}.{stream}", own_group, kafka_server)
        assert isinstance(error, TopicAuthorizationFailedError), (user, stream, error)


async def test_FED_1_a_countys_write_under_the_citys_prefix_is_refused_kept_and_reported(
    tmp_path: Path, kafka_server: KafkaServer
) -> None:
    """The broker refuses the write; the outbox keeps the event (nothing lost), the bus
    says why on ``/readyz`` (``unready_reason``) and clears it once a write succeeds."""
    provision_federation(kafka_server)
    user = principal_name(COUNTY, "catalog")
    bus = KafkaBus(kafka_server.sasl_bootstrap, client_id="county", credentials=credentials(user))
    store = SqliteDocumentStore(tmp_path / "county-catalog.sqlite")
    relay = OutboxRelay(service="catalog", store=store, bus=bus, collections=("resources",))
    payload = ResourceRegistered(
        resource_id="r-forged", provider_org_id="org-370300-tax", name="x", description="",
        category="tax", update_frequency="monthly", source_system="s",
        items=[DataItem(name="a", type="string", grade=1)], registration_code="370300R9",
        evidence_hash="0" * 64,
    )  # fmt: skip
    forged = new_envelope(payload, region=CITY, actor=SYSTEM_ACTOR, subject="r-forged")
    await store.insert("resources", stage({"_id": "r-forged"}, [forged]))
    await bus.start()
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            await relay.drain()
        reason = await bus.unready_reason()
        assert reason is not None and f"pdo.{CITY}.catalog.resources.v1" in reason
        assert user in reason and "refused" in reason
        (kept,) = await store.with_outbox("resources", 10)
        assert kept["_outbox"][0]["event_id"] == str(forged.event_id)  # not lost
        # its own region is writable: the signal clears with the next accepted write
        own = f"pdo.{COUNTY}.catalog.resources.v1"
        await bus.publish(Message(topic=own, key="r-own", value=b"{}"))
        assert await bus.unready_reason() is None
    finally:
        await bus.stop()
        await store.close()


def _forged_city_event(resource_id: str) -> Envelope:
    payload = ResourceRegistered(
        resource_id=resource_id, provider_org_id="org-370300-tax", name="x", description="",
        category="tax", update_frequency="monthly", source_system="s",
        items=[DataItem(name="a", type="string", grade=1)], registration_code="370300R9",
        evidence_hash="0" * 64,
    )  # fmt: skip
    return new_envelope(payload, region=CITY, actor=SYSTEM_ACTOR, subject=resource_id)


async def _stage_in_county_catalog(mongo: str, resource_id: str, event: Envelope) -> None:
    """What a county catalog would do if it ever staged an event of the city's region:
    the event, in its own database's outbox, for its running relay to publish."""
    store = MongoDocumentStore(mongo, f"pdo_{COUNTY}_catalog")
    try:
        await store.insert("resources", stage({"_id": resource_id}, [event]))
    finally:
        await store.close()


def _remove_from_county_catalog(mongo: str, resource_id: str) -> None:
    """The forged document is not a resource the county's catalog could load at its next
    start: remove it (the other tests start county catalogs on the same database)."""
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(mongo)
    try:
        client[f"pdo_{COUNTY}_catalog"]["resources"].delete_one({"_id": resource_id})
    finally:
        client.close()


async def _county_outbox(mongo: str, resource_id: str) -> list[str]:
    store = MongoDocumentStore(mongo, f"pdo_{COUNTY}_catalog")
    try:
        doc = await store.get("resources", resource_id)
    finally:
        await store.close()
    assert doc is not None
    return [entry["event_id"] for entry in doc.get("_outbox", [])]


async def _grant_write(kafka: KafkaServer, principal: str, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        acl = AclPlan(f"User:{principal}", RESOURCE_TOPIC, topic, PATTERN_LITERAL, OP_WRITE)
        await provision_acls(admin, Plan(COUNTY, (), (acl,)))
    finally:
        await admin.close()


async def _copies_on(kafka: KafkaServer, topic: str, event_id: str) -> int:
    """How many records of ``topic`` carry ``event_id`` (read as the admin)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        copies = 0
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=2000)
            copies += sum(
                1 for records in batch.values() for r in records if event_id.encode() in r.value
            )
        return copies
    finally:
        await consumer.stop()


def test_FED_1_a_county_process_refused_a_write_under_the_citys_prefix_keeps_serving(
    tmp_path: Path, kafka_server: KafkaServer, mongo_uri: str, vault: VaultStub
) -> None:
    """A running county ``pdo serve catalog`` whose outbox relay tries to publish under
    ``pdo.370300.``: the broker refuses (TopicAuthorizationFailed); the process logs one
    clear error naming the topic however often the relay retries, ``/readyz`` reports the
    relay degraded with the reason, ``/livez`` and the API keep answering, the event stays
    in the outbox (not lost) and is published exactly once after the ACL is granted."""
    provision_federation(kafka_server)
    county = start(
        "catalog",
        serve_env(tmp_path, COUNTY, kafka_server, mongo_uri, vault, PDO_PARENT_REGIONS=CITY),
        tmp_path / "county.log",
    )
    city_topic = f"pdo.{CITY}.catalog.resources.v1"
    user = principal_name(COUNTY, "catalog")
    resource_id = f"r-forged-{uuid.uuid4().hex[:8]}"
    forged = _forged_city_event(resource_id)
    try:
        county.wait_ready(timeout=180)
        asyncio.run(_stage_in_county_catalog(mongo_uri, resource_id, forged))
        refusal = wait_for(
            lambda: (lambda r: r.json() if r.status_code == 503 else None)(
                httpx.get(f"{county.base}/readyz", timeout=5)
            ),
            timeout=60,
        )
        relay = refusal["problems"]["outbox:catalog"]
        assert city_topic in relay and "TopicAuthorizationFailedError" in relay, refusal
        assert user in refusal["problems"]["bus"] and city_topic in refusal["problems"]["bus"]
        time.sleep(8)  # the relay retries every second: several more refusals
        assert county.child.poll() is None  # no crash loop
        assert httpx.get(f"{county.base}/livez", timeout=5).status_code == 200
        listing = httpx.get(
            f"{county.base}/catalog/federated-resources/", headers=auth(vault, COUNTY), timeout=10
        )
        assert listing.status_code == 200  # still serving its API
        text = county.log.read_text(errors="replace")
        relay_errors = [
            line for line in text.splitlines() if "outbox relay" in line and city_topic in line
        ]
        assert len(relay_errors) == 1, relay_errors  # one clear error, not one per retry
        assert "TopicAuthorizationFailedError" in relay_errors[0]
        assert "Traceback" not in text
        assert asyncio.run(_county_outbox(mongo_uri, resource_id)) == [str(forged.event_id)]
        assert asyncio.run(_copies_on(kafka_server, city_topic, str(forged.event_id))) == 0

        asyncio.run(_grant_write(kafka_server, user, city_topic))
        wait_for(
            lambda: httpx.get(f"{county.base}/readyz", timeout=5).status_code == 200, timeout=120
        )
        assert asyncio.run(_county_outbox(mongo_uri, resource_id)) == []
        assert asyncio.run(_copies_on(kafka_server, city_topic, str(forged.event_id))) == 1
        assert "recovered" in county.log.read_text(errors="replace")
        assert county.child.poll() is None
    finally:
        county.terminate()
        _remove_from_county_catalog(mongo_uri, resource_id)


async def test_FED_1_the_exchange_reads_only_the_trading_topic_with_its_own_groups(
    kafka_server: KafkaServer,
) -> None:
    provision_federation(kafka_server)
    user = f"exchange-{FEDERATION_TEST_EXCHANGE}"
    trades = f"pdo.{CITY}.trading.trades.v1"
    allowed = AIOKafkaConsumer(
        trades,
        bootstrap_servers=kafka_server.sasl_bootstrap,
        group_id=f"exchange.{FEDERATION_TEST_EXCHANGE}.reader",
        auto_offset_reset="earliest",
        **client_kwargs(user),
    )
    await allowed.start()
    try:
        await allowed.getmany(timeout_ms=3000)
        await allowed.commit()
    finally:
        await allowed.stop()
    own_group = f"exchange.{FEDERATION_TEST_EXCHANGE}.reader"
    for topic in (f"pdo.{CITY}.catalog.resources.v1", f"pdo.{COUNTY}.trading.trades.v1"):
        error = await refused_read(user, topic, own_group, kafka_server)
        assert isinstance(error, TopicAuthorizationFailedError), (topic, error)
    foreign_group = await refused_read(user, trades, f"pdo.{CITY}.billing", kafka_server)
    assert isinstance(foreign_group, GroupAuthorizationFailedError | KafkaError)
    assert not isinstance(foreign_group, TopicAuthorizationFailedError)


async def _delete_read_acl(kafka: KafkaServer, principal: str, topic: str) -> int:
    from aiokafka.protocol.admin import DeleteAclsRequest

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        response = await admin._send_request(
            DeleteAclsRequest(
                RESOURCE_TOPIC, topic, PATTERN_LITERAL, f"User:{principal}", "*", OP_READ, ALLOW
            )
        )
    finally:
        await admin.close()
    ((code, _message, matching),) = response.filter_responses
    assert code == 0
    return len(matching)


def test_FED_1_removing_a_principals_acls_stops_it_cleanly_and_restoring_them_loses_nothing(
    tmp_path: Path, kafka_server: KafkaServer, mongo_uri: str, vault: VaultStub
) -> None:
    provision_federation(kafka_server)
    city = start(
        "catalog",
        serve_env(tmp_path, CITY, kafka_server, mongo_uri, vault, PDO_PARENT_REGIONS=PROVINCE),
        tmp_path / "city.log",
    )
    county = start(
        "catalog",
        serve_env(tmp_path, COUNTY, kafka_server, mongo_uri, vault, PDO_PARENT_REGIONS=CITY),
        tmp_path / "county.log",
    )
    city_topic = f"pdo.{CITY}.catalog.resources.v1"
    county_user = principal_name(COUNTY, "catalog")
    try:
        city.wait_ready(timeout=180)
        county.wait_ready(timeout=180)
        before = register(city, CITY, vault, "撤权前")
        wait_for(lambda: federated(county, COUNTY, vault, CITY).get(before))
        assert asyncio.run(_delete_read_acl(kafka_server, county_user, city_topic)) == 1
        # a health signal, not a crash loop: /readyz names the refusal, /livez stays up
        # (ACLs reach the broker asynchronously: the city writes once the refusal shows)
        refusal = wait_for(
            lambda: (lambda r: r.json() if r.status_code == 503 else None)(
                httpx.get(f"{county.base}/readyz", timeout=5)
            ),
            timeout=60,
        )
        assert "TopicAuthorizationFailedError" in refusal["problems"]["bus"], refusal
        assert city_topic in refusal["problems"]["bus"]
        assert httpx.get(f"{county.base}/livez", timeout=5).status_code == 200
        assert county.child.poll() is None
        during = [register(city, CITY, vault, f"撤权期间{i}") for i in range(3)]
        time.sleep(10)  # two more refused fetch rounds
        assert county.child.poll() is None
        now = federated(county, COUNTY, vault, CITY)
        assert not set(during) & set(now)  # nothing read while refused
        restored = provision(kafka_server.bootstrap, COUNTY, "--parents", CITY)
        assert f"created ACL User:{county_user} Read topic literal {city_topic}" in restored.stdout
        after = wait_for(
            lambda: (lambda seen: seen if set(during) <= set(seen) else None)(
                federated(county, COUNTY, vault, CITY)
            ),
            timeout=120,
        )
        assert all(after[r]["events_applied"] == 1 for r in during)  # each once
        wait_for(lambda: httpx.get(f"{county.base}/readyz", timeout=5).status_code == 200)
    finally:
        city.terminate()
        county.terminate()


def test_FED_1_a_wrong_sasl_password_is_a_clear_start_up_error(
    tmp_path: Path, kafka_server: KafkaServer, mongo_uri: str, vault: VaultStub
) -> None:
    provision_federation(kafka_server)
    env = serve_env(
        tmp_path, COUNTY, kafka_server, mongo_uri, vault, password="not-the-password",
        PDO_PARENT_REGIONS=CITY,
    )  # fmt: skip
    county = start("catalog", env, tmp_path / "county.log")
    code = county.child.wait(timeout=180)
    text = county.log.read_text(errors="replace")
    assert code == 78, text[-2000:]
    user = principal_name(COUNTY, "catalog")
    assert f"cannot connect to Kafka at {kafka_server.sasl_bootstrap} as principal {user}" in text
    assert f"SASL_PLAINTEXT/{MECHANISM}" in text
    assert "password" in text
    assert "not-the-password" not in text  # never logged
    assert "Traceback" not in text
