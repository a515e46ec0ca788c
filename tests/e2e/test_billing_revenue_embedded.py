"""billing's revenue side through HTTP and events (embedded): the distribution between
government, operator and data merchants by agreed, adjustable shares, exact to the fen,
with the government share booked as non-tax revenue (BIL-7); the alerts at 90 % and 100 %
of the max allowed revenue, once per threshold per year (BIL-8)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.events import RevenueAlert, RevenueDistributed
from libs.clock import FixedClock
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.billing import (
    BUREAU,
    DEV_A,
    DEV_B,
    OPERATOR,
    OPERATOR_ORG,
    OTHER_OPERATOR,
    START,
    SUPERVISOR,
    auth,
    billing_platform,
    clock_of,
    market,
    metered,
    publish,
    published,
    usage,
)
from tests.support.platform import eventually

Client = AsyncTestClient[Any]


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[tuple[Platform, Client]]:
    p = billing_platform(tmp_path, FixedClock(START))
    async with AsyncTestClient(app=gateway(p)) as client:
        await market(p, client)
        yield p, client


async def use(p: Platform, customer: str, calls: int, *, at: Any) -> None:
    before = await metered(p)
    await publish(p, usage(customer, calls, at=at))

    async def stored() -> bool:
        return await metered(p) == before + 1

    await eventually(stored)


async def close(p: Platform, client: Client, period: str, at: Any) -> list[dict[str, Any]]:
    clock_of(p).set(at)
    r = await client.post(
        "/billing/invoices", json={"period": period}, headers=await auth(p, OPERATOR)
    )
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()
    return found


async def shares(p: Platform, client: Client, who: Any = BUREAU, **body: Any) -> Any:
    return await client.put("/billing/revenue-shares", json=body, headers=await auth(p, who))


async def test_BIL_7_revenue_is_distributed_exactly_with_the_government_share_as_non_tax_revenue(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    ok = await shares(
        p,
        client,
        government_bp=3333,
        operator_bp=3334,
        merchants_bp=3333,
        effective_from="2026-01-01",
    )
    assert ok.status_code == 200
    await use(p, DEV_A.org_id, 50, at=START + timedelta(days=1))  # 1,000 fen, DEV_B's product
    await use(p, DEV_A.org_id, 1, at=START + timedelta(days=2))  # 20 fen
    await close(p, client, "2026-03", START + timedelta(days=30))
    r = await client.post(
        "/billing/distributions", json={"period": "2026-03"}, headers=await auth(p, OPERATOR)
    )
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["total_fen"] == 1_020
    assert d["government_fen"] + d["operator_fen"] + d["merchants_fen"] == 1_020
    # 1020 × 0.3333 = 339.966, × 0.3334 = 340.068: floors 339, 340, 339 leave 2 fen, to
    # the largest remainders (government .966, merchants .966).
    assert (d["government_fen"], d["operator_fen"], d["merchants_fen"]) == (340, 340, 340)
    assert d["merchants"] == [{"org_id": DEV_B.org_id, "amount_fen": 340}]
    non_tax = [e for e in d["ledger"] if e["account"] == "non_tax_revenue"]
    assert non_tax == [{"account": "non_tax_revenue", "party": BUREAU.org_id, "amount_fen": 340}]
    again = await client.post(
        "/billing/distributions", json={"period": "2026-03"}, headers=await auth(p, BUREAU)
    )
    assert again.json() == d

    async def distributed() -> list[Any]:
        return published(p, "revenue.distributed")

    (event,) = await eventually(distributed)
    assert isinstance(event.payload, RevenueDistributed)
    assert (event.payload.government_fen, event.payload.period) == (340, "2026-03")
    seen = await client.get("/billing/distributions/2026-03", headers=await auth(p, SUPERVISOR))
    assert seen.json() == d
    assert (
        await client.get("/billing/distributions/2026-03", headers=await auth(p, DEV_A))
    ).status_code == 403


async def test_SEC_3_a_distribution_names_the_operator_whose_agreement_covers_the_period(
    env: tuple[Platform, Client],
) -> None:
    """谁运营谁负责: run by the bureau, the distribution still names the operator."""
    p, client = env
    body = {"government_bp": 3000, "operator_bp": 4000, "merchants_bp": 3000}
    assert (await shares(p, client, **body, effective_from="2026-01-01")).status_code == 200
    await use(p, DEV_A.org_id, 50, at=START + timedelta(days=1))
    await close(p, client, "2026-03", START + timedelta(days=30))
    r = await client.post(
        "/billing/distributions", json={"period": "2026-03"}, headers=await auth(p, BUREAU)
    )
    assert r.status_code == 200, r.text
    stored = await p.running["billing"].store.get("distributions", "dist-2026-03")
    assert stored is not None and stored["operator_org_id"] == OPERATOR_ORG
    assert "operator_org_id" not in r.json()


async def test_BIL_7_shares_are_adjusted_by_the_bureau_from_an_effective_date(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    assert (
        await shares(
            p,
            client,
            OPERATOR,
            government_bp=1,
            operator_bp=9998,
            merchants_bp=1,
            effective_from="2026-01-01",
        )
    ).status_code == 403
    wrong = await shares(
        p, client, government_bp=5000, operator_bp=5000, merchants_bp=1, effective_from="2026-01-01"
    )
    assert wrong.status_code == 422
    assert wrong.json()["rule"] == "BIL-7"
    await shares(
        p,
        client,
        government_bp=2000,
        operator_bp=5000,
        merchants_bp=3000,
        effective_from="2026-01-01",
    )
    await shares(
        p,
        client,
        government_bp=4000,
        operator_bp=4000,
        merchants_bp=2000,
        effective_from="2026-04-01",
    )
    await use(p, DEV_A.org_id, 50, at=START + timedelta(days=1))
    await use(p, DEV_A.org_id, 50, at=START + timedelta(days=31))
    await close(p, client, "2026-03", START + timedelta(days=30))
    await close(p, client, "2026-04", START + timedelta(days=60))
    headers = await auth(p, BUREAU)
    march = (
        await client.post("/billing/distributions", json={"period": "2026-03"}, headers=headers)
    ).json()
    april = (
        await client.post("/billing/distributions", json={"period": "2026-04"}, headers=headers)
    ).json()
    assert (march["government_fen"], march["operator_fen"], march["merchants_fen"]) == (
        200,
        500,
        300,
    )
    assert (april["government_fen"], april["operator_fen"], april["merchants_fen"]) == (
        400,
        400,
        200,
    )
    assert april["shares"]["effective_from"] == "2026-04-01"
    listed = await client.get("/billing/revenue-shares", headers=await auth(p, SUPERVISOR))
    assert [s["effective_from"] for s in listed.json()] == ["2026-01-01", "2026-04-01"]


async def test_BIL_7_no_distribution_without_agreed_shares(env: tuple[Platform, Client]) -> None:
    p, client = env
    clock_of(p).set(START + timedelta(days=30))
    r = await client.post(
        "/billing/distributions", json={"period": "2026-03"}, headers=await auth(p, BUREAU)
    )
    assert r.status_code == 409
    assert r.json()["rule"] == "BIL-7"


async def test_BIL_8_alerts_at_90_and_100_percent_of_the_max_allowed_revenue_once_each(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    set_max = await client.put(
        "/billing/max-revenue/2026",
        json={"operator_org_id": OPERATOR_ORG, "max_revenue_fen": 10_000},
        headers=await auth(p, BUREAU),
    )
    assert set_max.status_code == 200
    await use(p, DEV_A.org_id, 400, at=START + timedelta(days=1))  # 8,000 fen: 80 %
    await close(p, client, "2026-03", START + timedelta(days=30))
    await use(p, DEV_A.org_id, 60, at=START + timedelta(days=31))  # +1,200: 92 %
    await close(p, client, "2026-04", START + timedelta(days=60))
    await close(p, client, "2026-04", START + timedelta(days=61))  # issued again: no effect
    await use(p, DEV_A.org_id, 50, at=START + timedelta(days=62))  # +1,000: 102 %
    await use(p, DEV_A.org_id, 50, at=START + timedelta(days=63))
    await close(p, client, "2026-05", START + timedelta(days=90))

    async def alerts() -> list[Any]:
        found = published(p, "revenue.alert")
        return found if len(found) >= 2 else []

    found = await eventually(alerts)
    payloads = [e.payload for e in found]
    assert all(isinstance(a, RevenueAlert) for a in payloads)
    assert [(a.threshold_percent, a.revenue_fen) for a in payloads] == [
        (90, 9_200),
        (100, 11_200),
    ]
    revenue = await client.get(
        f"/billing/revenue/2026?operator_org_id={OPERATOR_ORG}", headers=await auth(p, OPERATOR)
    )
    assert revenue.json()["revenue_fen"] == 11_200
    assert revenue.json()["alerted_percent"] == [90, 100]
    other = await client.get(
        f"/billing/revenue/2026?operator_org_id={OPERATOR_ORG}",
        headers=await auth(p, OTHER_OPERATOR),
    )
    assert other.status_code == 403
    # A higher max set later does not alert again for thresholds already passed this year.
    await client.put(
        "/billing/max-revenue/2026",
        json={"operator_org_id": OPERATOR_ORG, "max_revenue_fen": 20_000},
        headers=await auth(p, BUREAU),
    )
    assert len(published(p, "revenue.alert")) == 2
