"""Billing: usage.metered events billed per second with the exactly-once checks on.

The platform's own path in embedded mode: envelopes on the durable in-process bus, the
billing consumer group (decode, inbox duplicate check in billing's SQLite store), the
metering batch handler (each run of ``usage.metered`` records stored in one transaction,
every use under its event id, so even a lost inbox write cannot bill twice). One in
ten events is delivered a second time. Then the month is closed:
invoices for every customer, priced by tier at the published price. The run fails unless
the invoices hold exactly the quantities and amounts of the unique events.

python -m bench.billing [--events N]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.harness import HEADER, Result, percentiles
from contracts.envelope import SYSTEM_ACTOR, Envelope, Role, encode, new_envelope, to_builtins
from contracts.events import AgreementSigned, UsageMetered
from contracts.topics import topic_for
from libs.auth.principal import Principal
from libs.bus.consumer import BatchEnvelopeHandler, EnvelopeHandler
from libs.bus.port import Message
from libs.clock import FixedClock
from libs.outbox import to_message
from libs.runtime import Platform
from services.billing.commands import billing as commands
from services.billing.domain.price_model import Tier
from tests.support.billing import product_released
from tests.support.platform import keyring, settings

REGION = "370300"
BATCH = 500
CUSTOMERS = 50
START = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
OPERATOR = Principal(
    user_id="u-op", org_id="org-370300-operator", role=Role.OPERATOR, region=REGION
)
BUREAU = Principal(user_id="u-bur", org_id="org-370300-bureau", role=Role.BUREAU, region=REGION)


def _usage(i: int) -> Envelope:
    usage_id = f"use-{i}"
    return new_envelope(
        UsageMetered(
            usage_id=usage_id,
            customer_org_id=f"org-dev-{i % CUSTOMERS}",
            unit="call",
            quantity=1 + i % 7,
            product_id="prod-bench",
        ),
        region=REGION,
        actor=SYSTEM_ACTOR,
        subject=usage_id,
        occurred_at=START + timedelta(days=1, seconds=i),
    )


async def _prepare(p: Platform) -> None:
    """The operator's agreement, the product released (billing prices only products it
    saw released), a cap and a tiered price (3 fen, 2 fen from 200 calls)."""
    assert p.bus is not None
    agreement = new_envelope(
        AgreementSigned(
            agreement_id="agr-bench",
            operator_org_id=OPERATOR.org_id,
            mode="whole",
            starts_on=date(2020, 1, 1),
            ends_on=date(2030, 1, 1),
        ),
        region=REGION,
        actor=SYSTEM_ACTOR,
        subject="agr-bench",
    )
    released = product_released("prod-bench", developer="org-dev-bench", grant_id="grant-bench")
    for event in (agreement, released):
        await p.bus.publish(to_message({"envelope": to_builtins(event), "headers": {}}))
    ctx = p.running["billing"].ctx
    while await ctx.store.count("agreements") == 0 or await ctx.store.count("products") == 0:
        await asyncio.sleep(0.01)
    await commands.set_cap(ctx, BUREAU, "prod-bench", "call", 5)
    await commands.list_price(
        ctx,
        OPERATOR,
        product_id="prod-bench",
        unit="call",
        unit_price_fen=3,
        tiers=[Tier(200, 2)],
        key_scenario_discount_percent=0,
        effective_from=None,
    )


def _expected(n: int) -> tuple[int, int]:
    """Quantity and amount the invoices must hold for events 0..n-1."""
    per_customer: dict[int, int] = {}
    for i in range(n):
        per_customer[i % CUSTOMERS] = per_customer.get(i % CUSTOMERS, 0) + 1 + i % 7
    amount = sum(3 * min(q, 200) + 2 * max(q - 200, 0) for q in per_customer.values())
    return sum(per_customer.values()), amount


async def run(n: int = 20_000) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="pdo-bench-billing-") as tmp:
        clock = FixedClock(START)
        p = Platform(settings(Path(tmp)), ("billing",), clock=clock, secrets=keyring(Path(tmp)))
        p.build()
        billing = p.running["billing"]
        handled_at: dict[str, float] = {}
        handlers: dict[str, EnvelopeHandler] = billing.parts.handlers  # type: ignore[assignment]
        metering = handlers["usage.metered"]

        async def timed(envelope: Envelope) -> None:
            await metering(envelope)
            handled_at.setdefault(str(envelope.event_id), time.perf_counter())

        batches: dict[str, BatchEnvelopeHandler] = billing.parts.batch_handlers  # type: ignore[assignment]
        metering_run = batches["usage.metered"]

        async def timed_run(envelopes: Sequence[Envelope]) -> None:
            await metering_run(envelopes)
            now = time.perf_counter()
            for envelope in envelopes:
                handled_at.setdefault(str(envelope.event_id), now)

        # The consumer looks handlers up per run or per event, so timing wraps the real
        # handlers (the run as the service wires it, the single event as its fallback).
        handlers["usage.metered"] = timed
        batches["usage.metered"] = timed_run
        await p.start()
        try:
            await _prepare(p)
            assert p.bus is not None
            topic = topic_for("usage.metered").name(REGION)
            envelopes = [_usage(i) for i in range(n)]
            encoded = [encode(e) for e in envelopes]
            sent_at: dict[str, float] = {}
            start = time.perf_counter()
            for offset in range(0, n, BATCH):
                batch: list[Message] = []
                for i in range(offset, min(offset + BATCH, n)):
                    env = envelopes[i]
                    sent_at.setdefault(str(env.event_id), time.perf_counter())
                    batch.append(Message(topic=topic, key=env.subject, value=encoded[i]))
                    if i % 10 == 0 and i >= BATCH:  # a redelivery of an earlier event
                        again = envelopes[i - BATCH]
                        batch.append(
                            Message(topic=topic, key=again.subject, value=encoded[i - BATCH])
                        )
                await p.bus.publish_many(batch)
                await asyncio.sleep(0)
            while await billing.store.count("metered_uses") < n:
                await asyncio.sleep(0.01)
            elapsed = time.perf_counter() - start
            await asyncio.sleep(0.2)  # let any stray duplicate land before checking
            stored = await billing.store.count("metered_uses")
            if stored != n:
                raise AssertionError(f"{stored} uses stored for {n} unique events")
            latencies = [handled_at[k] - sent_at[k] for k in sent_at]
            p50, p99 = percentiles(latencies)
            metered = Result("billing: usage.metered billed (exactly once)", n, elapsed, p50, p99)
            clock.set(START + timedelta(days=40))
            close_start = time.perf_counter()
            invoices = await commands.issue_invoices(billing.ctx, BUREAU, "2026-03")
            close_elapsed = time.perf_counter() - close_start
            lines = [line for inv in invoices for line in inv["lines"]]
            quantity = sum(int(line["quantity"]) for line in lines)
            amount = sum(int(inv["total_fen"]) for inv in invoices)
            traced = {e for line in lines for e in line["source_event_ids"]}
            want_quantity, want_amount = _expected(n)
            if (quantity, amount, len(traced)) != (want_quantity, want_amount, n):
                raise AssertionError(
                    f"invoices hold {quantity} units / {amount} fen / {len(traced)} events; "
                    f"expected {want_quantity} / {want_amount} / {n}"
                )
            close = Result(
                f"billing: month closed, {len(invoices)} invoices",
                n,
                close_elapsed,
                close_elapsed * 1000,
                close_elapsed * 1000,
            )
            return [metered, close]
        finally:
            await p.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.billing")
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    results = asyncio.run(run(args.events))
    print(HEADER)
    for result in results:
        print(result.row())


if __name__ == "__main__":
    main()
