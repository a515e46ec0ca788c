"""What a county instance sees of its city (FED-1): a burst of city resource events on the
secured broker, read by the county's federated catalog as its own principal.

python -m bench.federation [--events 10000] [--broken 10]

The city's catalog principal publishes ``--events`` resource registrations (one resource
each) and ``--broken`` records that fail the envelope schema on
``pdo.370300.catalog.resources.v1``; the county 370303's catalog consumer group
(``pdo.370303.catalog.federation``, principal ``pdo-370303-catalog`` over SCRAM) folds
them into its ``federated_resources`` collection (SQLite store). Printed: events
published, entries the county holds, dead letters in the county's own topic, the
consumer lag (records not yet committed by the group) sampled every 0.5 s, and the
time from the first publish until the lag is zero.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from bench.harness import kafka
from contracts.envelope import SYSTEM_ACTOR, encode, new_envelope
from contracts.events import DataItem, ResourceRegistered
from libs.audit import AuditLog
from libs.auth.tokens import TokenVerifier
from libs.bus.consumer import Consumer
from libs.bus.inbox import Inbox
from libs.bus.kafka import KafkaBus, KafkaCredentials
from libs.bus.port import Message
from libs.bus.provision import consumer_group, plan, principal_name, provision
from libs.clock import SystemClock
from libs.runtime import dispatcher
from libs.secrets.keyring import LocalKeyring
from libs.service import ServiceContext
from libs.store.sqlite import SqliteDocumentStore
from services.catalog.commands import federation
from services.catalog.handlers import on_parent_catalog_resources
from tests.infra.servers import SASL_TEST_USERS, KafkaServer

CITY, COUNTY = "370300", "370303"
TOPIC = f"pdo.{CITY}.catalog.resources.v1"
DEAD = f"pdo.{COUNTY}.catalog.resources.v1.dlq"
GROUP = f"{consumer_group(COUNTY, 'catalog')}.federation"
PARTITIONS = 3
BROKEN = 10
"""schema-failing records in the burst (they must all end in the county's dead letters)"""


def scram(region: str) -> KafkaCredentials:
    user = principal_name(region, "catalog")
    return KafkaCredentials("SASL_PLAINTEXT", "SCRAM-SHA-512", user, SASL_TEST_USERS[user])


def registration(i: int) -> bytes:
    payload = ResourceRegistered(
        resource_id=f"r-{i:05d}",
        provider_org_id="org-370300-tax",
        name=f"资源{i:05d}",
        description="",
        category="tax",
        update_frequency="monthly",
        source_system="bench",
        items=[DataItem(name="credit_code", type="string", grade=2)],
        registration_code=f"370300R{i:05d}",
        evidence_hash="0" * 64,
    )
    return encode(new_envelope(payload, region=CITY, actor=SYSTEM_ACTOR, subject=f"r-{i:05d}"))


async def lag(admin: AIOKafkaAdminClient, ends: AIOKafkaConsumer) -> int:
    parts = [TopicPartition(TOPIC, p) for p in range(PARTITIONS)]
    committed = await admin.list_consumer_group_offsets(GROUP)
    latest = await ends.end_offsets(parts)
    return sum(latest[tp] - (committed[tp].offset if tp in committed else 0) for tp in parts)


async def run(server: KafkaServer, events: int, broken: int, tmp: Path) -> dict[str, float]:
    admin = AIOKafkaAdminClient(bootstrap_servers=server.bootstrap)
    await admin.start()
    await provision(admin, plan(CITY, partitions=PARTITIONS))
    await provision(admin, plan(COUNTY, partitions=PARTITIONS, parents=(CITY,)))
    ends = AIOKafkaConsumer(bootstrap_servers=server.bootstrap)
    await ends.start()
    await ends.topics()

    store = SqliteDocumentStore(tmp / "county-catalog.sqlite")
    clock = SystemClock()
    secrets = LocalKeyring(tmp / "keyring.bin", "bench-only", scrypt_log2_n=10)
    county_bus = KafkaBus(server.sasl_bootstrap, client_id="county", credentials=scram(COUNTY))
    ctx = ServiceContext(
        name="catalog",
        region=COUNTY,
        store=store,
        bus=county_bus,
        secrets=secrets,
        clock=clock,
        audit=AuditLog(store, clock),
        verifier=TokenVerifier(secrets, clock, region=COUNTY),
        parents=(CITY,),
    )
    consumer = Consumer(
        bus=county_bus,
        group="catalog.federation",
        inbox=Inbox(store, "catalog.federation"),
        handler=dispatcher("catalog.federation", on_parent_catalog_resources.handlers(ctx)),
        region=COUNTY,
    )
    county_bus.subscribe([TOPIC], GROUP, consumer)
    await county_bus.start()
    city_bus = KafkaBus(server.sasl_bootstrap, client_id="city", credentials=scram(CITY))
    await city_bus.start()

    samples: list[int] = []

    async def sample() -> None:
        while True:
            samples.append(await lag(admin, ends))
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample())
    began = time.monotonic()
    records = [Message(TOPIC, f"r-{i:05d}", registration(i)) for i in range(events)]
    records += [Message(TOPIC, f"x-{i}", b'{"event_id": "broken"}') for i in range(broken)]
    for start in range(0, len(records), 1000):
        await city_bus.publish_many(records[start : start + 1000])
    published_s = time.monotonic() - began
    taken = len(samples)
    while len(samples) <= taken or samples[-1] != 0:  # a zero sampled after the burst
        await asyncio.sleep(0.25)
    sampler.cancel()
    caught_up_s = time.monotonic() - began
    lag_at_last_publish = next((v for v in reversed(samples) if v), 0)
    held = await store.count(federation.FEDERATED_RESOURCES)
    once = await store.count(federation.FEDERATED_RESOURCES, {"events_applied": 1})
    dead_parts = [TopicPartition(DEAD, 0)]
    dead = sum((await ends.end_offsets(dead_parts)).values())
    await county_bus.stop()
    await city_bus.stop()
    await ends.stop()
    await admin.close()
    await store.close()
    return {
        "published": events + broken,
        "published_s": published_s,
        "county_entries": held,
        "entries_applied_once": once,
        "county_dead_letters": dead,
        "peak_lag": max(samples),
        "last_nonzero_lag": lag_at_last_publish,
        "lag_samples": len(samples),
        "caught_up_s": caught_up_s,
        "after_last_publish_s": caught_up_s - published_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.federation")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--broken", type=int, default=BROKEN)
    args = parser.parse_args()
    with kafka() as server, tempfile.TemporaryDirectory(prefix="pdo-bench-fed-") as tmp:
        numbers = asyncio.run(run(server, args.events, args.broken, Path(tmp)))
    print(f"city burst: {args.events} resource events + {args.broken} schema-failing records")
    for key, value in numbers.items():
        print(f"  {key:<22} {value:,.2f}" if isinstance(value, float) else f"  {key:<22} {value}")
    rate = args.events / numbers["caught_up_s"] if numbers["caught_up_s"] else 0.0
    print(f"  county consumed        {rate:,.0f} events/s (first publish to zero lag)")


if __name__ == "__main__":
    main()
