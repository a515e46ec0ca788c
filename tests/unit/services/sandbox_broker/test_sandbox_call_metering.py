"""Metering of verification calls in batches (核验计量, BIL-2): every answered call is
recorded before its answer leaves and staged as ``usage.metered`` exactly once — by its
batch's flush, or by the recovery after a crash between the answer and the flush."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from contracts.envelope import Role, from_builtins
from contracts.events import UsageMetered
from libs.auth.principal import Principal
from libs.clock import FixedClock
from libs.service import ServiceContext
from libs.store.sqlite import SqliteDocumentStore
from services.sandbox_broker.commands.metering import CallMeter
from services.sandbox_broker.domain.metering import call_record, open_batch, stage_calls
from services.sandbox_broker.repository import METER_BATCHES, USAGE
from tests.support.stores import store_context

START = datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in China, the month's end
BANK = Principal(user_id="u-bank", org_id="org-370300-bank", role=Role.DEVELOPER, region="370300")
OTHER = Principal(user_id="u-ins", org_id="org-370300-ins", role=Role.EXCHANGE, region="370300")


def _ctx(path: Path, clock: FixedClock) -> ServiceContext:
    return store_context(SqliteDocumentStore(path), "sandbox_broker", clock)


async def _staged(ctx: ServiceContext) -> list[UsageMetered]:
    """Every ``usage.metered`` staged in a metering batch's outbox (not yet published)."""
    events: list[UsageMetered] = []
    for doc in await ctx.store.with_outbox(METER_BATCHES, 0):
        for entry in doc["_outbox"]:
            payload = from_builtins(entry["envelope"]).payload
            assert isinstance(payload, UsageMetered)
            events.append(payload)
    return events


async def _answer(meter: CallMeter, clock: FixedClock, calls: int, who: Principal) -> None:
    for _ in range(calls):
        await meter.record(who, product_id="prod-credit", scenario_id="scn-1")
        clock.advance(timedelta(milliseconds=100))


async def test_BIL_2_answered_calls_are_metered_exactly_once_across_a_crash_before_staging(
    tmp_path: Path,
) -> None:
    clock = FixedClock(START)
    ctx = _ctx(tmp_path / "broker.db", clock)
    meter = CallMeter(ctx, max_delay=3600)  # nothing staged by time: the crash comes first
    await _answer(meter, clock, 5, BANK)
    await _answer(meter, clock, 2, OTHER)
    assert await _staged(ctx) == []
    # kill -9: the meter is gone without staging; a new process opens the same file.
    ctx2 = _ctx(tmp_path / "broker.db", clock)
    restarted = CallMeter(ctx2)
    assert await restarted.recover() == 0, "a batch this young may still have its writer"
    clock.advance(timedelta(seconds=61))
    assert await restarted.recover_young() == 1  # the one found too young at start
    events = await _staged(ctx2)
    records = await ctx2.store.find(USAGE, {})
    assert Counter(e.usage_id for e in events) == Counter(str(r["_id"]) for r in records)
    assert len(events) == 7
    assert Counter(e.customer_org_id for e in events) == {BANK.org_id: 5, OTHER.org_id: 2}
    assert {(e.unit, e.quantity, e.product_id, e.scenario_id) for e in events} == {
        ("call", 1, "prod-credit", "scn-1")
    }
    # Each event carries the instant its call was answered (the month's last second
    # for the first ones), not the later staging.
    assert min(e.metered_at for e in events if e.metered_at) == START
    # Recovering again, or the dead writer's own flush arriving late, stages nothing new.
    assert await restarted.recover() == 0
    assert await restarted.recover_young() == 0
    await meter.flush()
    assert Counter(e.usage_id for e in await _staged(ctx2)) == Counter(e.usage_id for e in events)


async def test_BIL_2_a_flush_stages_every_answered_call_once_and_recovery_adds_nothing(
    tmp_path: Path,
) -> None:
    clock = FixedClock(START)
    ctx = _ctx(tmp_path / "broker.db", clock)
    meter = CallMeter(ctx, max_calls=3, max_delay=3600)
    await _answer(meter, clock, 8, BANK)  # batches of 3, 3 and 2
    await meter.flush()
    events = await _staged(ctx)
    assert len(events) == 8 and len({e.usage_id for e in events}) == 8
    assert len(await ctx.store.find(METER_BATCHES, {})) == 3
    clock.advance(timedelta(hours=1))
    assert await meter.recover() == 0
    assert len(await _staged(ctx)) == 8


async def test_BIL_2_the_background_loop_stages_a_batch_after_its_bounded_delay(
    tmp_path: Path,
) -> None:
    clock = FixedClock(START)
    ctx = _ctx(tmp_path / "broker.db", clock)
    meter = CallMeter(ctx, max_delay=0.01)
    await meter.start()
    try:
        await _answer(meter, clock, 4, BANK)
        for _ in range(500):
            if len(await _staged(ctx)) == 4:
                break
            await asyncio.sleep(0.01)
        assert len({e.usage_id for e in await _staged(ctx)}) == 4
    finally:
        await meter.stop()
    assert len(await _staged(ctx)) == 4


def test_BIL_2_staging_a_batch_again_stages_only_the_calls_it_has_not_staged() -> None:
    batch = open_batch("meter-1", START)
    calls = [
        call_record(
            f"meter-1-{i}",
            batch_id="meter-1",
            customer_org_id=BANK.org_id,
            product_id="prod-credit",
            scenario_id="",
            at=START + timedelta(seconds=i),
        )
        for i in range(3)
    ]
    stranger = {**calls[0], "_id": "meter-2-1", "batch_id": "meter-2"}
    first, events = stage_calls(batch, "meter-1", calls[:2])
    assert [e.usage_id for _, e in events] == ["meter-1-0", "meter-1-1"]
    assert first["staged"] is True
    again, more = stage_calls(first, "meter-1", [*calls, stranger])
    assert [e.usage_id for _, e in more] == ["meter-1-2"]  # not a call of another batch
    assert again["usage_ids"] == ["meter-1-0", "meter-1-1", "meter-1-2"]
    assert stage_calls(again, "meter-1", calls)[1] == []
    assert all(subject == "prod-credit" for subject, _ in events)


async def test_BIL_2_a_batch_orphaned_long_before_a_restart_is_recovered_at_start(
    tmp_path: Path,
) -> None:
    clock = FixedClock(START)
    ctx = _ctx(tmp_path / "broker.db", clock)
    await _answer(CallMeter(ctx, max_calls=2, max_delay=3600), clock, 3, BANK)  # then killed
    clock.advance(timedelta(hours=2))
    restarted = CallMeter(_ctx(tmp_path / "broker.db", clock))
    await restarted.start()
    try:
        events = await _staged(ctx)
    finally:
        await restarted.stop()
    # The first batch was staged by its writer when it filled at two calls; the second,
    # left unstaged by the kill, is staged at start: every answered call once.
    assert len(events) == 3 and len({e.usage_id for e in events}) == 3
    assert all(b["staged"] for b in await ctx.store.find(METER_BATCHES, {}))
    assert await restarted.recover() == 0
