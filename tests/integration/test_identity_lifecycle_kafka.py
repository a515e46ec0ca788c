"""The operator authorization lifecycle in distributed mode: identity on the real Kafka
broker and a MongoDB-wire database, driven through HTTP only. The first identity process
carries the tender to a signed agreement and stops; a second process, on the same
database, carries it through renewal, suspension, correction, reinstatement and
termination. Every contract event reaches Kafka in order, keyed by the authorization;
a redelivery by the outbox (a process stopped between publishing and clearing) repeats
an event id, which consumers drop, never a second distinct event."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from litestar.testing import AsyncTestClient

from contracts.envelope import decode
from contracts.topics import topic_for
from libs.clock import FixedClock
from libs.http.gateway import gateway
from libs.runtime import Platform
from libs.secrets.keyring import LocalKeyring
from tests.e2e.test_identity_lifecycle_embedded import (
    OPERATOR_CODE,
    START,
    IdentityDriver,
    today,
)
from tests.support.platform import keyring, settings
from tests.support.regions import fresh_region

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

EXPECTED = [
    "tender.published",
    "selection.publicized",
    "agreement.signed",
    "agreement.renewed",
    "agreement.suspended",
    "agreement.reinstated",
    "agreement.terminated",
]


def identity_process(
    tmp: Path, clock: FixedClock, secrets: LocalKeyring, *, kafka: str, mongo: str, region: str
) -> Platform:
    chosen = settings(tmp, mode="distributed", kafka=kafka, mongo=mongo, region=region)
    return Platform(chosen, ("identity",), clock=clock, secrets=secrets).build()


async def agreement_events(bootstrap: str, region: str, subject: str) -> list[tuple[str, str]]:
    """(event id, type) of every record on the agreements topic, in log order."""
    topic = topic_for("agreement.signed").name(region)
    reader = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await reader.start()
    seen: list[tuple[str, str]] = []
    try:
        deadline = time.monotonic() + 60
        while len({i for i, _ in seen}) < len(EXPECTED) and time.monotonic() < deadline:
            for records in (await reader.getmany(timeout_ms=500)).values():
                for record in records:
                    envelope = decode(record.value)
                    assert record.key == subject.encode() and envelope.subject == subject
                    seen.append((str(envelope.event_id), envelope.type))
        for records in (await reader.getmany(timeout_ms=1500)).values():  # late extras
            seen.extend((str(decode(r.value).event_id), decode(r.value).type) for r in records)
    finally:
        await reader.stop()
    return seen


async def test_AUTH_lifecycle_across_two_identity_processes_on_kafka_and_mongo(
    tmp_path: Path, kafka_bootstrap: str, mongo_uri: str
) -> None:
    region = fresh_region()
    clock = FixedClock(START)
    secrets = keyring(tmp_path)
    wire = {"kafka": kafka_bootstrap, "mongo": mongo_uri, "region": region}

    first = identity_process(tmp_path / "a", clock, secrets, **wire)
    async with AsyncTestClient(app=gateway(first)) as http:
        d = IdentityDriver(first, http, clock, region=region)
        operator_org, operator = await d.party(
            "数据运营公司", "operator", OPERATOR_CODE, "op.admin"
        )
        auth_id = await d.active_agreement(operator, operator_org, OPERATOR_CODE)
        ends_on = date.fromisoformat((await d.get(auth_id))["agreement"]["ends_on"])

    second = identity_process(tmp_path / "b", clock, secrets, **wire)
    async with AsyncTestClient(app=gateway(second)) as http:
        d = IdentityDriver(second, http, clock, region=region)
        assert (await d.get(auth_id))["state"] == "active"
        clock.set(datetime.combine(ends_on - timedelta(days=20), datetime.min.time(), UTC))
        operator = await d.login("op.admin")
        new_end = ends_on.replace(year=ends_on.year + 2)
        await d.call(
            "POST",
            f"/authorizations/{auth_id}/renewal",
            operator,
            {"proposed_ends_on": new_end.isoformat()},
        )
        bureau = await d.bureau()
        renewed = await d.call(
            "POST",
            f"/authorizations/{auth_id}/renewal/decision",
            bureau,
            {"approve": True, "reason": "年度评估合格"},
        )
        assert renewed["agreement"]["ends_on"] == new_end.isoformat()
        suspended = await d.call(
            "POST", f"/authorizations/{auth_id}/suspension", bureau, {"reason": "安全日志缺失"}
        )
        due = (today(clock) + timedelta(days=30)).isoformat()
        assert suspended["suspension"]["correction_due"] == due
        await d.call(
            "POST", f"/authorizations/{auth_id}/correction", operator, {"report": "已补报"}
        )
        await d.call("POST", f"/authorizations/{auth_id}/reinstatement", bureau)
        ended = await d.call(
            "POST",
            f"/authorizations/{auth_id}/termination",
            bureau,
            {"ground": "penalty", "reason": "受到限制数据业务的行政处罚"},
        )
        assert ended["state"] == "terminated"
        assert (await http.get("/healthz")).json()["services"] == {"identity": "up"}
        # read while the process runs: its relay publishes what the commands staged
        records = await agreement_events(kafka_bootstrap, region, auth_id)

    first_seen = list(dict.fromkeys(records))
    assert [kind for _, kind in first_seen] == EXPECTED
    assert len({event_id for event_id, _ in records}) == len(EXPECTED)
