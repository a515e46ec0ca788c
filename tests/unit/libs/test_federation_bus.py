"""Federation in the shared runtime (FED-1, FED-2): the jurisdiction chain as
configuration, which streams cross a region boundary, own-region dead letters and
consumer groups, and the read ACLs ``pdo kafka provision`` grants for them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.envelope import SYSTEM_ACTOR, encode, new_envelope
from contracts.events import DataItem, ResourceRegistered
from contracts.topics import TOPICS, topic_for, topics_consumed_by
from libs.bus.consumer import ERROR_HEADER, Consumer
from libs.bus.embedded import EmbeddedBus
from libs.bus.federation import (
    PARENT_STREAMS,
    SOURCE_TOPIC_HEADER,
    foreign_topics,
    own_dead_letter_topic,
    region_of,
)
from libs.bus.inbox import Inbox
from libs.bus.port import Message
from libs.bus.provision import (
    OP_READ,
    OP_WRITE,
    RESOURCE_GROUP,
    exchange_principal,
    plan,
    registry_document,
)
from libs.config import ConfigError, default_parents, load
from libs.store.sqlite import SqliteDocumentStore

CITY, COUNTY, PROVINCE = "370300", "370303", "370000"
NON_PUBLIC = ("request.applications.v1", "sandbox.sandboxes.v1", "sandbox.usage.v1")


def _registered(region: str, resource_id: str = "r-1") -> bytes:
    payload = ResourceRegistered(
        resource_id=resource_id,
        provider_org_id=f"org-{region}-tax",
        name="企业纳税信息",
        description="",
        category="tax",
        update_frequency="monthly",
        source_system="金税三期",
        items=[DataItem(name="credit_code", type="string", grade=2)],
        registration_code=f"{region}R0001",
        evidence_hash="0" * 64,
    )
    return encode(new_envelope(payload, region=region, actor=SYSTEM_ACTOR, subject=resource_id))


def test_FED_1_the_jurisdiction_chain_follows_the_code_or_the_configuration() -> None:
    assert default_parents(COUNTY) == (CITY, PROVINCE)
    assert default_parents(CITY) == (PROVINCE,)
    assert default_parents(PROVINCE) == ()
    assert load({"PDO_REGION": COUNTY}).parents == ()  # unset: reads its own region only
    assert load({"PDO_REGION": COUNTY, "PDO_PARENT_REGIONS": "auto"}).parents == (CITY, PROVINCE)
    assert load({"PDO_REGION": COUNTY, "PDO_PARENT_REGIONS": CITY}).parents == (CITY,)
    assert load({"PDO_REGION": PROVINCE, "PDO_CHILD_REGIONS": f"{CITY}"}).children == (CITY,)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PDO_REGION": COUNTY, "PDO_PARENT_REGIONS": "3703"}, "'3703' is not a six-digit"),
        ({"PDO_REGION": COUNTY, "PDO_PARENT_REGIONS": COUNTY}, "own region"),
        ({"PDO_REGION": COUNTY, "PDO_PARENT_REGIONS": f"{CITY},{CITY}"}, "twice"),
        ({"PDO_REGION": CITY, "PDO_CHILD_REGIONS": "370103"}, "does not lie inside"),
    ],
)
def test_FED_1_a_malformed_chain_stops_start_up_naming_the_variable(
    env: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError, match=named) as refused:
        load(env)
    assert "PDO_PARENT_REGIONS" in str(refused.value) or "PDO_CHILD_REGIONS" in str(refused.value)


def test_FED_1_a_county_reads_only_the_public_parent_streams_it_needs() -> None:
    keys = {t.key for t in TOPICS}
    assert keys >= PARENT_STREAMS
    # the operation catalog and resources, the agreement, price caps and list, evaluations
    assert {"catalog.resources.v1", "identity.agreements.v1", "billing.prices.v1"} <= PARENT_STREAMS
    assert not PARENT_STREAMS & set(NON_PUBLIC)
    read = foreign_topics(topics_consumed_by("request_review"), (CITY, PROVINCE))
    assert read == sorted(
        f"pdo.{r}.{k}" for r in (CITY, PROVINCE) for k in ("catalog.resources.v1",
                                                             "identity.agreements.v1")
    )  # fmt: skip
    assert foreign_topics(topics_consumed_by("billing"), ()) == []  # no chain, nothing foreign


def test_FED_1_dead_letters_go_under_the_consumers_own_region() -> None:
    city_topic = topic_for("resource.registered").name(CITY)
    assert region_of(city_topic) == CITY
    assert own_dead_letter_topic(city_topic, COUNTY) == "pdo.370303.catalog.resources.v1.dlq"
    assert own_dead_letter_topic(city_topic, CITY) == f"{city_topic}.dlq"


async def test_FED_1_a_city_record_failing_its_schema_goes_to_the_countys_dead_letters(
    tmp_path: Path,
) -> None:
    bus = EmbeddedBus(tmp_path / "bus.sqlite")
    store = SqliteDocumentStore(tmp_path / "county.sqlite")
    handled: list[str] = []

    async def handler(envelope: object) -> None:
        handled.append(str(getattr(envelope, "subject", "")))

    consumer = Consumer(
        bus=bus, group="pdo.370303.catalog", inbox=Inbox(store, "c"), handler=handler,
        region=COUNTY,
    )  # fmt: skip
    city_topic = topic_for("resource.registered").name(CITY)
    broken = b'{"event_id": "not-a-uuid", "type": "resource.registered"}'
    good = _registered(CITY)
    await consumer(
        [Message(topic=city_topic, key="r-0", value=broken),
         Message(topic=city_topic, key="r-1", value=good)]
    )  # fmt: skip
    await consumer([Message(topic=city_topic, key="r-1", value=good)])  # redelivered
    assert handled == ["r-1"]  # once, despite the redelivery
    assert bus.read_topic(f"{city_topic}.dlq") == []  # nothing under the city's prefix
    (dead,) = bus.read_topic("pdo.370303.catalog.resources.v1.dlq")
    assert dead.value == broken
    assert dead.headers[SOURCE_TOPIC_HEADER] == city_topic
    assert "undecodable event" in dead.headers[ERROR_HEADER]
    await store.close()
    await bus.stop()


def test_FED_1_provisioning_lets_a_county_read_exactly_the_parent_topics_it_consumes() -> None:
    county = plan(COUNTY, parents=(CITY,))
    city_reads = {
        (a.principal, a.resource_name)
        for a in county.acls
        if a.resource_name.startswith(f"pdo.{CITY}.") and a.operation == OP_READ
    }
    # never a write, never a prefix, never a non-public stream under the city's prefix
    assert all(
        a.operation != OP_WRITE for a in county.acls if a.resource_name.startswith(f"pdo.{CITY}")
    )
    assert not any(k in name for _, name in city_reads for k in NON_PUBLIC)
    wanted = {
        (f"User:pdo-{COUNTY}-{service.replace('_', '-')}", name)
        for service in ("request_review", "sandbox_broker", "trading_bridge", "billing",
                        "evaluation", "disclosure", "product_release", "identity")
        for name in foreign_topics(topics_consumed_by(service), (CITY,))
    } | {(f"User:pdo-{COUNTY}-catalog", f"pdo.{CITY}.catalog.resources.v1")}  # fmt: skip
    assert city_reads == wanted
    groups = {a.resource_name for a in county.acls if a.resource_type == RESOURCE_GROUP}
    assert f"pdo.{COUNTY}.catalog" in groups  # the federated catalog's own group prefix
    assert all(g.startswith(f"pdo.{COUNTY}.") for g in groups)
    # without a chain the plan is the region's alone, as before
    assert not any(a.resource_name.startswith(f"pdo.{CITY}.") for a in plan(COUNTY).acls)


def test_FED_2_a_province_reads_its_cities_upward_streams_and_a_city_the_flow_back() -> None:
    province = plan(PROVINCE, children=(CITY,))
    reads = {a.resource_name for a in province.acls if a.resource_name.startswith(f"pdo.{CITY}")}
    assert reads == {f"pdo.{CITY}.catalog.resources.v1"}  # the federated catalog's stream
    city = plan(CITY, parents=(PROVINCE,))
    assert f"pdo.{PROVINCE}.catalog.resources.v1" in {a.resource_name for a in city.acls}


def test_FED_1_an_exchange_reads_only_the_trading_topic_with_its_own_group_prefix() -> None:
    acls = [a for a in plan(CITY, exchanges=("sdx",)).acls if a.principal.endswith("sdx")]
    assert {a.principal for a in acls} == {f"User:{exchange_principal('sdx')}"}
    assert {(a.resource_name, a.operation) for a in acls} == {
        (f"pdo.{CITY}.trading.trades.v1", OP_READ),
        (f"pdo.{CITY}.trading.trades.v1", 8),
        ("exchange.sdx.", OP_READ),
    }


def test_FED_1_the_charts_registry_is_regenerated_with_the_federation_reads() -> None:
    committed = json.loads(
        (
            Path(__file__).resolve().parents[3] / "deploy/helm/pdo/files/kafka-registry.json"
        ).read_text(encoding="utf-8")
    )
    assert committed == json.loads(json.dumps(registry_document()))
    assert committed["federation"]["parentReads"]["catalog"] == ["catalog.resources.v1"]
    assert "request.applications.v1" not in json.dumps(committed["federation"])


def test_FED_3_operating_zones_come_from_the_file_PDO_OPERATING_ZONES_names(
    tmp_path: Path,
) -> None:
    zones = [{"code": "health", "domain": "医疗健康", "resources": ["r-1"]}]
    path = tmp_path / "zones.json"
    path.write_text(json.dumps(zones, ensure_ascii=False), encoding="utf-8")
    assert load({"PDO_OPERATING_ZONES": str(path)}).operating_zones == tuple(zones)
    path.write_text('{"code": "health"}', encoding="utf-8")
    with pytest.raises(ConfigError, match="PDO_OPERATING_ZONES"):
        load({"PDO_OPERATING_ZONES": str(path)})
    with pytest.raises(ConfigError, match="PDO_OPERATING_ZONES"):
        load({"PDO_OPERATING_ZONES": str(tmp_path / "missing.json")})


def test_FED_3_an_inconsistent_zone_configuration_stops_request_review_at_start(
    tmp_path: Path,
) -> None:
    import dataclasses

    from contracts.errors import DomainError
    from libs.runtime import Platform
    from tests.support.platform import keyring, settings

    twice = ({"code": "a", "resources": ["r-1"]}, {"code": "b", "resources": ["r-1"]})
    chosen = dataclasses.replace(settings(tmp_path), operating_zones=twice)
    with pytest.raises(DomainError) as refused:
        Platform(chosen, ("request_review",), secrets=keyring(tmp_path)).build()
    assert refused.value.rule == "FED-3"


def test_the_kafka_password_may_live_in_the_secrets_store_only() -> None:
    base = {
        "PDO_MODE": "distributed", "PDO_KAFKA_BOOTSTRAP": "k:9093", "PDO_MONGO_URI": "m",
        "PDO_VAULT_ADDR": "http://v", "VAULT_TOKEN": "t",
        "PDO_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "PDO_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "PDO_KAFKA_USERNAME": "pdo-370303-catalog",
    }  # fmt: skip
    with pytest.raises(ConfigError, match="PDO_KAFKA_PASSWORD_SECRET"):
        load(base)
    chosen = load({**base, "PDO_KAFKA_PASSWORD_SECRET": "kafka/pdo-370303-catalog"})
    assert chosen.kafka_password == "" and chosen.kafka_password_secret.endswith("catalog")


async def test_the_kafka_password_is_read_from_the_secrets_port(tmp_path: Path) -> None:
    from libs.secrets.kafka import KafkaSecretMissing, kafka_password
    from tests.support.platform import keyring

    store = keyring(tmp_path)
    with pytest.raises(KafkaSecretMissing, match="kafka/pdo-370303-catalog"):
        await kafka_password(store, "kafka/pdo-370303-catalog")
    await store.write_secret("kafka/pdo-370303-catalog", {"password": "s3cret"})
    assert await kafka_password(store, "kafka/pdo-370303-catalog") == "s3cret"
    await store.write_secret("kafka/empty", {"user": "x"})
    with pytest.raises(KafkaSecretMissing, match="no 'password'"):
        await kafka_password(store, "kafka/empty")


def test_tls_is_a_setting_with_its_own_certificate_authority(tmp_path: Path) -> None:
    import ssl

    from libs.bus.kafka import KafkaCredentials

    ca = tmp_path / "missing-ca.pem"
    tls = KafkaCredentials("SASL_SSL", "SCRAM-SHA-512", "u", "p", ssl_cafile=str(ca))
    with pytest.raises(FileNotFoundError):
        tls.client_kwargs()  # the configured CA is used, not silently the system's
    system = KafkaCredentials("SSL").client_kwargs()
    assert isinstance(system["ssl_context"], ssl.SSLContext)
    assert "sasl_mechanism" not in system
    assert (
        "ssl_context" not in KafkaCredentials("SASL_PLAINTEXT", "PLAIN", "u", "p").client_kwargs()
    )
    assert load({"PDO_KAFKA_SSL_CAFILE": "/etc/ca.pem"}).kafka_ssl_cafile == "/etc/ca.pem"
