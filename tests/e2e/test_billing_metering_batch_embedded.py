"""billing meters a run of ``usage.metered`` records in one store transaction (BIL-1):
still exactly once when the process dies in the middle of a batch (after the run's
uses are written, before the inbox and the cursor are), when a run arrives partly
metered already, and when one record of the run is bad (it alone is dead-lettered)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.envelope import Envelope, to_builtins
from contracts.topics import topic_for
from libs.bus.embedded import EmbeddedBus
from libs.bus.inbox import Inbox
from libs.clock import FixedClock
from libs.http.gateway import gateway
from libs.outbox import to_message
from libs.runtime import Platform
from libs.store.port import StoreUnavailable
from tests.support.billing import (
    DEV_A,
    DEV_B,
    OPERATOR,
    START,
    auth,
    billing_platform,
    clock_of,
    market,
    metered,
    usage,
)
from tests.support.platform import REGION, eventually

IN_MARCH = START + timedelta(days=1)
TOPIC = topic_for("usage.metered").name(REGION)


async def publish_run(p: Platform, envelopes: Iterable[Envelope]) -> None:
    """One append of many records: the consumer receives them as one batch."""
    assert p.bus is not None
    await p.bus.publish_many(
        [to_message({"envelope": to_builtins(e), "headers": {}}) for e in envelopes]
    )


async def drained(p: Platform) -> None:
    bus = p.bus
    assert isinstance(bus, EmbeddedBus)

    async def probe() -> bool:
        return bus.lag("billing") == 0

    await eventually(probe)


async def march_invoices(p: Platform, client: AsyncTestClient[Any]) -> dict[str, int]:
    """Total fen per customer on the March invoices."""
    clock_of(p).set(START + timedelta(days=30))
    r = await client.post(
        "/billing/invoices", json={"period": "2026-03"}, headers=await auth(p, OPERATOR)
    )
    assert r.status_code == 200, r.text
    return {inv["customer_org_id"]: int(inv["total_fen"]) for inv in r.json()}


async def test_BIL_1_a_crash_after_a_metered_run_before_its_inbox_write_bills_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's uses are committed, then the process 'dies' before the inbox mark and
    the cursor commit (the inbox write fails as a store outage would): the bus delivers
    the whole run again, and the metering transaction skips every use already stored."""
    p = billing_platform(tmp_path, FixedClock(START))
    real_mark = Inbox.mark
    failures: list[int] = []

    async def mark_fails_once(self: Inbox, event_ids: Iterable[str]) -> None:
        ids = list(event_ids)
        if len(ids) > 1 and not failures:
            failures.append(len(ids))
            raise StoreUnavailable("the process died before the inbox write")
        await real_mark(self, ids)

    async with AsyncTestClient(app=gateway(p)) as client:
        await market(p, client)
        run = [
            usage(DEV_A.org_id if i % 2 else DEV_B.org_id, 1 + i % 3, at=IN_MARCH)
            for i in range(40)
        ]
        monkeypatch.setattr(Inbox, "mark", mark_fails_once)
        await publish_run(p, run)
        await drained(p)
        assert failures == [40]  # the run was handled, then 'crashed', then redelivered
        assert await metered(p) == 40
        totals = await march_invoices(p, client)
    want_a = sum(1 + i % 3 for i in range(40) if i % 2) * 20
    want_b = sum(1 + i % 3 for i in range(40) if not i % 2) * 20
    assert totals == {DEV_A.org_id: want_a, DEV_B.org_id: want_b}


async def test_BIL_1_a_run_partly_metered_before_meters_only_the_rest(tmp_path: Path) -> None:
    """Half the run was metered one by one before (a lost inbox write, another replica);
    the run, with a repeat inside it, adds exactly the other half."""
    p = billing_platform(tmp_path, FixedClock(START))
    async with AsyncTestClient(app=gateway(p)) as client:
        await market(p, client)
        run = [usage(DEV_A.org_id, 2, at=IN_MARCH) for _ in range(10)]
        handler = p.running["billing"].parts.handlers["usage.metered"]
        for event in run[:5]:
            await handler(event)
        assert await metered(p) == 5
        await publish_run(p, [*run, run[3], run[7]])
        await drained(p)
        assert await metered(p) == 10
        totals = await march_invoices(p, client)
    assert totals == {DEV_A.org_id: 10 * 2 * 20}


async def test_BIL_1_a_bad_record_inside_a_run_is_dead_lettered_alone(tmp_path: Path) -> None:
    """A negative quantity fails the run's handler before anything is written; the
    consumer then handles the run record by record: the bad one goes to the dead-letter
    topic, every other use is metered once."""
    p = billing_platform(tmp_path, FixedClock(START))
    async with AsyncTestClient(app=gateway(p)) as client:
        await market(p, client)
        good = [usage(DEV_A.org_id, 1, at=IN_MARCH) for _ in range(6)]
        bad = usage(DEV_A.org_id, -5, at=IN_MARCH)
        await publish_run(p, [*good[:3], bad, *good[3:]])
        await drained(p)
        assert await metered(p) == 6
        bus = p.bus
        assert isinstance(bus, EmbeddedBus)
        (dead,) = bus.read_topic(f"{TOPIC}.dlq")
        assert str(bad.event_id).encode() in dead.value
        assert "negative quantity" in dead.headers["pdo-error"]
        totals = await march_invoices(p, client)
    assert totals == {DEV_A.org_id: 6 * 20}


async def test_BIL_1_a_call_staged_after_its_month_ended_is_billed_in_the_month_it_was_answered(
    tmp_path: Path,
) -> None:
    """Verification calls are staged in batches after they were answered: a call answered
    in March's last second and staged in April carries ``metered_at`` and lands on the
    March invoice; a use without it is billed by when its event occurred."""
    p = billing_platform(tmp_path, FixedClock(START))
    march_end = datetime(2026, 3, 31, 15, 59, 59, 900_000, tzinfo=UTC)  # 23:59:59.9 CST
    april = march_end + timedelta(seconds=1)
    async with AsyncTestClient(app=gateway(p)) as client:
        await market(p, client)
        await publish_run(
            p,
            [
                usage(DEV_A.org_id, 3, at=april, metered_at=march_end),
                usage(DEV_A.org_id, 5, at=april),
            ],
        )
        await drained(p)
        assert await metered(p) == 2
        uses = await p.running["billing"].store.find("metered_uses", {})
        assert sorted((u["quantity"], u["period"]) for u in uses) == [
            (3, "2026-03"),
            (5, "2026-04"),
        ]
        totals = await march_invoices(p, client)
    assert totals == {DEV_A.org_id: 3 * 20}
