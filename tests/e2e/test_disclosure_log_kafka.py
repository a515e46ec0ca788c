"""The transparency log in distributed mode (DIS-1, DIS-3): disclosure on the real Kafka
broker and a MongoDB-wire database; public events in, records, signed tree heads and
proofs out over public HTTP, checked the way ``pdo verify`` checks them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.canonical import canonical_json
from contracts.envelope import SYSTEM_ACTOR, new_envelope, to_builtins
from libs.bus.kafka import KafkaBus
from libs.http.gateway import gateway
from libs.outbox import to_message
from services.disclosure.domain.transparency_log import (
    leaf_hash,
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)
from tests.support.disclosure import public_events, resource_registered
from tests.support.platform import distributed, eventually, keyring
from tests.support.regions import fresh_region

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]


async def test_DIS_3_the_log_runs_on_kafka_and_mongo(
    tmp_path: Path, kafka_bootstrap: str, mongo_uri: str
) -> None:
    region = fresh_region()
    p = distributed(
        tmp_path,
        ("disclosure",),
        kafka=kafka_bootstrap,
        mongo=mongo_uri,
        region=region,
        secrets=keyring(tmp_path),
    )
    events = [resource_registered(), *public_events()]
    async with AsyncTestClient(app=gateway(p)) as client:
        # The producers' side, as another service's relay would publish (the platform's
        # own bus lives on the app's event loop, inside the test client).
        producer = KafkaBus(kafka_bootstrap, client_id="test-producers")
        sent = [
            new_envelope(payload, region=region, actor=SYSTEM_ACTOR, subject=subject)
            for payload, subject in events
        ]
        messages = [to_message({"envelope": to_builtins(e), "headers": {}}) for e in sent]
        try:
            await producer.publish_many(messages)
            await producer.publish(messages[3])  # a redelivery: Kafka is at-least-once
        finally:
            await producer.stop()
        size = len(events) - 1  # the registration is a listing, not a record

        async def signed() -> dict[str, Any] | None:
            r = await client.get("/disclosure/log/tree-head")
            body: dict[str, Any] = r.json()
            return body if r.status_code == 200 and body["tree_size"] == size else None

        head = await eventually(signed, timeout=60)
        root = bytes.fromhex(head["root_hash"])
        page = (await client.get("/disclosure/records/?limit=200")).json()
        assert page["total"] == size
        assert {i["record_id"] for i in page["items"]} == {str(e.event_id) for e in sent[1:]}
        for index in range(size):
            entry = (await client.get(f"/disclosure/log/entries/{index}")).json()
            proof = (
                await client.get(f"/disclosure/log/proofs/inclusion?index={index}&tree_size={size}")
            ).json()
            leaf = leaf_hash(canonical_json(entry["record"]))
            verify_inclusion(
                index, size, leaf, [bytes.fromhex(h) for h in proof["audit_path"]], root
            )
        # The root of the first three entries, folded from leaf 2's path (RFC 9162
        # §2.1.3.2), then the proof that the full log extends that tree unchanged.
        entry2 = (await client.get("/disclosure/log/entries/2")).json()
        proof3 = (await client.get("/disclosure/log/proofs/inclusion?index=2&tree_size=3")).json()
        old_root = root_from_inclusion(
            2,
            3,
            leaf_hash(canonical_json(entry2["record"])),
            [bytes.fromhex(h) for h in proof3["audit_path"]],
        )
        consistency = (
            await client.get(f"/disclosure/log/proofs/consistency?first=3&second={size}")
        ).json()
        steps = [bytes.fromhex(h) for h in consistency["consistency_path"]]
        verify_consistency(3, size, old_root, root, steps)
