"""billing's metering and monthly invoices through events and HTTP (embedded): exactly
once under redelivery, a second consumer group and a restart; free uses kept at 0 with
their reason (BIL-1, BIL-4, BIL-6); tiers and the key-scenario discount (BIL-3); lines
that name their source events; customers who see only their own invoices."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.envelope import Actor, Role, new_envelope
from contracts.events import TradeSettled
from contracts.topics import topic_for
from libs.bus.consumer import Consumer
from libs.bus.embedded import EmbeddedBus
from libs.bus.inbox import Inbox
from libs.clock import FixedClock
from libs.http.gateway import gateway
from libs.runtime import Platform, dispatcher
from tests.support.billing import (
    BUREAU,
    DEV_A,
    DEV_B,
    OPERATOR,
    OPERATOR_ORG,
    OTHER_OPERATOR,
    PUBLIC,
    START,
    SUPERVISOR,
    TAX,
    agreement_signed,
    auth,
    billing_platform,
    clock_of,
    grant_issued,
    market,
    metered,
    publish,
    published,
    trade_executed,
    usage,
)
from tests.support.platform import REGION, eventually

Client = AsyncTestClient[Any]
MARCH = "2026-03"
IN_MARCH = START + timedelta(days=1)
APRIL_9 = START + timedelta(days=30)
REPLAY = "billing-replay"


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[tuple[Platform, Client]]:
    p = billing_platform(tmp_path, FixedClock(START))
    async with AsyncTestClient(app=gateway(p)) as client:
        await market(p, client)
        yield p, client


async def close_march(p: Platform, client: Client, **body: Any) -> list[dict[str, Any]]:
    clock_of(p).set(APRIL_9)
    r = await client.post(
        "/billing/invoices", json={"period": MARCH, **body}, headers=await auth(p, OPERATOR)
    )
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()
    return found


async def until_metered(p: Platform, n: int) -> None:
    async def probe() -> bool:
        return await metered(p) == n

    await eventually(probe)


async def test_BIL_1_a_redelivered_usage_event_never_bills_twice(tmp_path: Path) -> None:
    p = billing_platform(tmp_path, FixedClock(START))
    billing = p.running["billing"]
    assert isinstance(p.bus, EmbeddedBus)
    # A second consumer group of billing's handlers reads every event as well.
    replay = Consumer(
        bus=p.bus,
        group=REPLAY,
        inbox=Inbox(billing.store, REPLAY),
        handler=dispatcher("billing", billing.parts.handlers),
    )
    p.bus.subscribe([topic_for("usage.metered").name(REGION)], REPLAY, replay)
    async with AsyncTestClient(app=gateway(p)) as client:
        await market(p, client)
        once = usage(DEV_A.org_id, 7, at=IN_MARCH)
        await publish(p, once)
        await publish(p, once)  # the same envelope, delivered again
        other = usage(DEV_A.org_id, 1, at=IN_MARCH)
        await publish(p, other)
        await until_metered(p, 2)
        # The inbox write lost: the handler itself sees the event again.
        await billing.parts.handlers["usage.metered"](once)
        bus = p.bus

        async def drained() -> bool:
            return bus.lag(REPLAY) == 0 and bus.lag("billing") == 0

        await eventually(drained)
        assert await metered(p) == 2
        (invoice,) = await close_march(p, client)
        (line,) = invoice["lines"]
        assert (line["quantity"], line["unit_price_fen"], line["amount_fen"]) == (8, 20, 160)
        assert sorted(line["source_event_ids"]) == sorted([str(once.event_id), str(other.event_id)])


async def test_BIL_1_metering_stays_exactly_once_across_a_restart(tmp_path: Path) -> None:
    first = billing_platform(tmp_path, FixedClock(START))
    event = usage(DEV_A.org_id, 3, at=IN_MARCH)
    async with AsyncTestClient(app=gateway(first)) as client:
        await market(first, client)
        await publish(first, event)
        await until_metered(first, 1)
    second = billing_platform(tmp_path, FixedClock(START))
    async with AsyncTestClient(app=gateway(second)) as client:
        await publish(second, event)  # redelivered after the restart
        await second.running["billing"].parts.handlers["usage.metered"](event)
        await publish(second, usage(DEV_A.org_id, 2, at=IN_MARCH))
        await until_metered(second, 2)
        (invoice,) = await close_march(second, client)
        assert invoice["total_fen"] == 5 * 20


async def test_BIL_1_public_interest_use_is_free_only_once_the_bureau_confirms_its_conditions(
    env: tuple[Platform, Client],
) -> None:
    """潍坊 001 第二十一条（一）：“用于公共治理、公益事业的公共数据资源产品和服务，实行有条件
    无偿使用”；淄博 000 四（七）：“市大数据局指导推动用于公共治理、公益事业的公共数据产品和服务
    有条件无偿使用”. Before the bureau confirms the conditions the use is charged; from the
    confirmation on it is free, and the line keeps its reason."""
    p, client = env
    unconfirmed = usage(DEV_A.org_id, 5, at=IN_MARCH, scenario_id="sc-public")
    await publish(p, unconfirmed)
    await until_metered(p, 1)
    refused = await client.put(
        "/billing/public-interest/sc-plain",
        json={"confirmed": True, "conditions": "看起来有公益性"},
        headers=await auth(p, BUREAU),
    )
    assert refused.status_code == 422 and refused.json()["rule"] == "BIL-1"
    not_bureau = await client.put(
        "/billing/public-interest/sc-public",
        json={"confirmed": True, "conditions": "x"},
        headers=await auth(p, OPERATOR),
    )
    assert not_bureau.status_code == 403
    clock_of(p).set(IN_MARCH + timedelta(hours=2))
    confirmed = await client.put(
        "/billing/public-interest/sc-public",
        json={"confirmed": True, "conditions": "仅用于社会救助对象核查，不对外提供"},
        headers=await auth(p, BUREAU),
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["confirmed"] and len(confirmed.json()["history"]) == 1
    free = usage(DEV_A.org_id, 1000, at=IN_MARCH + timedelta(hours=3), scenario_id="sc-public")
    paid = usage(DEV_A.org_id, 10, at=IN_MARCH + timedelta(hours=3), scenario_id="sc-plain")
    await publish(p, free)
    await publish(p, paid)
    await until_metered(p, 3)
    (invoice,) = await close_march(p, client)
    lines = {line["free_reason"]: line for line in invoice["lines"]}
    kept = lines["public_interest"]
    assert (kept["quantity"], kept["unit_price_fen"], kept["amount_fen"]) == (1000, 0, 0)
    assert kept["source_event_ids"] == [str(free.event_id)]
    assert "BIL-1" in kept["free_reason_text"]
    assert lines[""]["quantity"] == 15 and lines[""]["amount_fen"] == 15 * 20
    assert str(unconfirmed.event_id) in lines[""]["source_event_ids"]
    assert invoice["total_fen"] == 300
    listed = await client.get("/billing/public-interest", headers=await auth(p, SUPERVISOR))
    assert [d["scenario_id"] for d in listed.json()] == ["sc-public"]


async def test_SEC_3_a_public_interest_confirmation_names_the_confirming_bureau(
    env: tuple[Platform, Client],
) -> None:
    """谁运营谁负责: the confirmation record names the bureau of its latest decision."""
    p, client = env
    await publish(p, usage(DEV_A.org_id, 5, at=IN_MARCH, scenario_id="sc-public"))
    await until_metered(p, 1)
    confirmed = await client.put(
        "/billing/public-interest/sc-public",
        json={"confirmed": True, "conditions": "仅用于社会救助对象核查，不对外提供"},
        headers=await auth(p, BUREAU),
    )
    assert confirmed.status_code == 200, confirmed.text
    stored = await p.running["billing"].store.get("public_interest_confirmations", "sc-public")
    assert stored is not None and stored["confirmed_by_org_id"] == BUREAU.org_id
    assert [h["by_org_id"] for h in stored["history"]] == [BUREAU.org_id]


async def test_BIL_6_a_providers_own_use_of_results_from_its_data_is_free(
    env: tuple[Platform, Client],
) -> None:
    """淄博 000 四（七）：“运营机构通过无偿使用公共数据所产生的数据治理成果、数据产品和服务，
    其公共数据提供单位有权无偿使用”. The grant supplied the tax bureau's data in March 2026,
    inside the cultivation period (from 1 July 2025)."""
    p, client = env
    await publish(p, usage(TAX.org_id, 50, at=IN_MARCH))
    await publish(p, usage(DEV_A.org_id, 50, at=IN_MARCH))
    await until_metered(p, 2)
    invoices = {i["customer_org_id"]: i for i in await close_march(p, client)}
    (own,) = invoices[TAX.org_id]["lines"]
    assert (own["free_reason"], own["amount_fen"], own["quantity"]) == ("provider_own_use", 0, 50)
    assert invoices[TAX.org_id]["total_fen"] == 0
    assert invoices[DEV_A.org_id]["total_fen"] == 50 * 20


async def test_BIL_6_a_provider_pays_for_results_of_data_not_supplied_free(
    env: tuple[Platform, Client],
) -> None:
    """淄博 000 四（七）：“运营机构通过无偿使用公共数据所产生的数据治理成果、数据产品和服务，
    其公共数据提供单位有权无偿使用”: only what was produced from data used free. Here the
    bureau records a plan published in 2022, so the period ended before the grant of March
    2026 supplied the data: not free, and the provider pays."""
    p, client = env
    recorded = await client.put(
        "/billing/settings",
        json={"cultivation_starts_on": "2022-01-01"},
        headers=await auth(p, BUREAU),
    )
    assert recorded.status_code == 200, recorded.text
    await publish(p, usage(TAX.org_id, 50, at=IN_MARCH))
    await until_metered(p, 1)
    (invoice,) = await close_march(p, client)
    (line,) = invoice["lines"]
    assert (line["free_reason"], line["amount_fen"]) == ("", 50 * 20)


async def test_BIL_4_the_operators_use_inside_the_cultivation_period_is_free(
    env: tuple[Platform, Client],
) -> None:
    """淄博 000 四（七）：“培育期内，政府无偿向运营机构提供公共数据”."""
    p, client = env
    await publish(p, usage(OPERATOR_ORG, 40, at=IN_MARCH))
    await until_metered(p, 1)
    (invoice,) = await close_march(p, client)
    (line,) = invoice["lines"]
    assert (line["free_reason"], line["amount_fen"]) == ("cultivation_period", 0)
    # With no cultivation period at all, the same use is charged.
    assert (
        await client.put(
            "/billing/settings", json={"cultivation_years": 0}, headers=await auth(p, BUREAU)
        )
    ).status_code == 200
    await publish(p, usage(OPERATOR_ORG, 40, at=APRIL_9))
    await until_metered(p, 2)
    clock_of(p).set(APRIL_9 + timedelta(days=30))
    r = await client.post(
        "/billing/invoices", json={"period": "2026-04"}, headers=await auth(p, OPERATOR)
    )
    assert r.json()[0]["total_fen"] == 40 * 20


async def test_BIL_4_a_replacement_operator_is_inside_the_cultivation_period_too(
    env: tuple[Platform, Client],
) -> None:
    """淄博 000 四（七）：“自方案发布起3年内为数据要素型企业培育期。培育期内，政府无偿向运营
    机构提供公共数据”: the period belongs to the plan, not to the first operator; an operator
    authorized later within it is supplied free as well."""
    p, client = env
    await publish(p, agreement_signed(date(2026, 3, 1), operator=OTHER_OPERATOR.org_id))

    async def both() -> bool:
        return await p.running["billing"].store.count("agreements") == 2

    await eventually(both)
    await publish(p, usage(OTHER_OPERATOR.org_id, 40, at=IN_MARCH))
    await until_metered(p, 1)
    (invoice,) = await close_march(p, client)
    (line,) = invoice["lines"]
    assert (line["free_reason"], line["amount_fen"]) == ("cultivation_period", 0)


async def test_BIL_3_tiers_by_cumulative_volume_and_the_key_scenario_discount(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    bureau = await auth(p, BUREAU)
    await client.put("/billing/caps/prod-credit/row", json={"cap_fen": 10}, headers=bureau)
    await client.put("/billing/key-scenarios/sc-key", json={"key": True}, headers=bureau)
    r = await client.post(
        "/billing/prices",
        json={
            "product_id": "prod-credit",
            "unit": "row",
            "unit_price_fen": 10,
            "tiers": [
                {"from_quantity": 1000, "unit_price_fen": 8},
                {"from_quantity": 5000, "unit_price_fen": 5},
            ],
            "key_scenario_discount_percent": 25,
        },
        headers=await auth(p, OPERATOR),
    )
    assert r.status_code == 201
    a = usage(DEV_A.org_id, 800, at=IN_MARCH, unit="row")
    b = usage(DEV_A.org_id, 700, at=IN_MARCH + timedelta(hours=1), unit="row")
    c = usage(
        DEV_A.org_id, 4000, at=IN_MARCH + timedelta(hours=2), unit="row", scenario_id="sc-key"
    )
    for env_ in (c, a, b):  # arrival order does not matter: time order decides the tiers
        await publish(p, env_)
    await until_metered(p, 3)
    (invoice,) = await close_march(p, client)
    got = sorted(
        (
            line["tier_from"],
            line["quantity"],
            line["unit_price_fen"],
            line["discount_percent"],
            line["amount_fen"],
        )
        for line in invoice["lines"]
    )
    assert got == [
        (0, 1000, 10, 0, 10_000),  # a 800 + b 200
        (1000, 500, 8, 0, 4_000),  # b's other 500
        (1000, 3500, 8, 25, 21_000),  # c up to 5000, key scenario: 28,000 less 25 %
        (5000, 500, 5, 25, 1_875),  # c's last 500: 2,500 less 25 %
    ]
    assert invoice["total_fen"] == 10_000 + 4_000 + 21_000 + 1_875


async def test_BIL_5_use_without_a_published_price_is_not_charged(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    await publish(p, usage(DEV_A.org_id, 9, at=IN_MARCH, product_id="prod-unpriced"))
    await until_metered(p, 1)
    (invoice,) = await close_march(p, client)
    (line,) = invoice["lines"]
    assert (line["free_reason"], line["amount_fen"]) == ("no_published_price", 0)


async def test_BIL_1_trades_are_billed_per_product_at_the_listed_price(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    bureau = await auth(p, BUREAU)
    await client.put("/billing/caps/prod-credit/product", json={"cap_fen": 500_000}, headers=bureau)
    await client.post(
        "/billing/prices",
        json={"product_id": "prod-credit", "unit": "product", "unit_price_fen": 300_000},
        headers=await auth(p, OPERATOR),
    )
    trade = trade_executed(DEV_A.org_id, "prod-credit", 2, 600_000, at=IN_MARCH)
    await publish(p, trade)
    await publish(p, trade)
    await until_metered(p, 1)
    (invoice,) = await close_march(p, client)
    (line,) = invoice["lines"]
    assert (line["unit"], line["quantity"], line["amount_fen"]) == ("product", 2, 600_000)
    assert line["merchant_org_id"] == DEV_B.org_id
    assert line["source_event_ids"] == [str(trade.event_id)]


async def test_an_invoice_is_issued_once_per_customer_and_period_with_its_event(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    await publish(p, usage(DEV_A.org_id, 2, at=IN_MARCH))
    await until_metered(p, 1)
    clock_of(p).set(START + timedelta(days=5))
    early = await client.post(
        "/billing/invoices", json={"period": MARCH}, headers=await auth(p, OPERATOR)
    )
    assert early.status_code == 422  # March has not ended
    first = await close_march(p, client)
    again = await close_march(p, client)
    assert [i["invoice_id"] for i in first] == [i["invoice_id"] for i in again]
    assert first[0]["issued_at"] == again[0]["issued_at"]

    async def issued() -> list[Any]:
        return published(p, "invoice.issued")

    (event,) = await eventually(issued)
    assert event.payload.total_fen == 40
    assert event.payload.customer_org_id == DEV_A.org_id
    # A use of March that arrives after March was invoiced goes on April's invoice.
    late = usage(DEV_A.org_id, 1, at=IN_MARCH)
    await publish(p, late)
    await until_metered(p, 2)
    clock_of(p).set(APRIL_9 + timedelta(days=30))
    april = await client.post(
        "/billing/invoices", json={"period": "2026-04"}, headers=await auth(p, OPERATOR)
    )
    (invoice,) = april.json()
    assert invoice["lines"][0]["source_event_ids"] == [str(late.event_id)]


async def test_customers_see_only_their_own_invoices(env: tuple[Platform, Client]) -> None:
    p, client = env
    await publish(p, usage(DEV_A.org_id, 2, at=IN_MARCH))
    await publish(p, usage(DEV_B.org_id, 3, at=IN_MARCH))
    await until_metered(p, 2)
    issued = await close_march(p, client)
    ids = {i["customer_org_id"]: i["invoice_id"] for i in issued}
    mine = await client.get("/billing/invoices", headers=await auth(p, DEV_A))
    assert [i["invoice_id"] for i in mine.json()] == [ids[DEV_A.org_id]]
    own = await client.get(f"/billing/invoices/{ids[DEV_A.org_id]}", headers=await auth(p, DEV_A))
    assert own.status_code == 200
    theirs = await client.get(
        f"/billing/invoices/{ids[DEV_B.org_id]}", headers=await auth(p, DEV_A)
    )
    assert theirs.status_code == 403
    snoop = await client.get(
        f"/billing/invoices?customer_org_id={DEV_B.org_id}", headers=await auth(p, DEV_A)
    )
    assert snoop.status_code == 403
    assert (await client.get("/billing/invoices", headers=await auth(p, PUBLIC))).status_code == 403
    assert (await client.get("/billing/invoices")).status_code == 401
    for overseer in (BUREAU, SUPERVISOR, OPERATOR):
        everything = await client.get("/billing/invoices", headers=await auth(p, overseer))
        assert len(everything.json()) == 2
    refused = await client.post(
        "/billing/invoices", json={"period": MARCH}, headers=await auth(p, DEV_A)
    )
    assert refused.status_code == 403


async def test_the_monthly_close_issues_last_months_invoices_after_a_restart(
    tmp_path: Path,
) -> None:
    first = billing_platform(tmp_path, FixedClock(START))
    async with AsyncTestClient(app=gateway(first)) as client:
        await market(first, client)
        await publish(first, usage(DEV_A.org_id, 6, at=IN_MARCH))
        await until_metered(first, 1)
    # Down over the month's end; back on 3 April, the close catches up at start.
    second = billing_platform(tmp_path, FixedClock(START + timedelta(days=24)))
    async with AsyncTestClient(app=gateway(second)) as client:
        headers = await auth(second, BUREAU)

        async def closed() -> list[Any]:
            found: list[Any] = (await client.get("/billing/invoices", headers=headers)).json()
            return found

        (invoice,) = await eventually(closed)
        assert (invoice["period"], invoice["total_fen"]) == (MARCH, 6 * 20)


async def test_SEC_3_a_kept_settlement_names_the_exchange_that_settled_it(
    env: tuple[Platform, Client],
) -> None:
    """谁运营谁负责: the settlement billing keeps names the exchange, the event's actor (only
    the trade's own exchange may settle it, TRD-1)."""
    p, _ = env
    exchange = Actor(org_id="org-370300-exchange", user_id="u-ex-1", role=Role.EXCHANGE)
    settled = TradeSettled(
        trade_id="trade-sec3",
        settlement_id="stl-sec3",
        amount_fen=600_000,
        settled_at=IN_MARCH,
        listing_id="lst-prod-credit",
    )
    await publish(
        p, new_envelope(settled, region=REGION, actor=exchange, subject="lst-prod-credit")
    )
    store = p.running["billing"].store
    kept = await eventually(lambda: store.get("settlements", "trade-sec3"))
    assert kept["exchange_org_id"] == "org-370300-exchange"
    assert kept["settlement_id"] == "stl-sec3"


async def test_SEC_3_a_kept_scenario_names_the_operator_that_filed_it(
    env: tuple[Platform, Client],
) -> None:
    """谁运营谁负责: the scenario billing keeps (for its class, BIL-1) names its operator,
    from ``scenario.filed`` or, for a scenario known only from a grant, ``grant.issued``."""
    p, _ = env
    store = p.running["billing"].store
    filed = await eventually(lambda: store.get("scenarios", "sc-plain"))
    assert filed["operator_org_id"] == OPERATOR_ORG
    await publish(p, grant_issued("g-sec3", DEV_A.org_id, ["res-tax"], "sc-only-granted"))
    granted = await eventually(lambda: store.get("scenarios", "sc-only-granted"))
    assert granted["operator_org_id"] == OPERATOR_ORG
    assert granted["scenario_class"] == "commercial"
