"""billing's price model through HTTP (embedded): caps and max allowed revenue by the
bureau, concrete prices by the authorized operator refused above the cap, the public
price list (明码标价) that is exactly what billing charges, and the cultivation period
(BIL-1..BIL-5)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from litestar.testing import AsyncTestClient

from contracts.events import PriceListed
from libs.clock import FixedClock
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.billing import (
    BUREAU,
    COUNTY_BUREAU,
    DEV_A,
    OPERATOR,
    OPERATOR_ORG,
    OTHER_CITY_BUREAU,
    OTHER_OPERATOR,
    PUBLIC,
    START,
    agreement_signed,
    auth,
    billing_platform,
    clock_of,
    product_released,
    publish,
    published,
    scenario_filed,
    usage,
)
from tests.support.platform import eventually

Client = AsyncTestClient[Any]


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[tuple[Platform, Client]]:
    p = billing_platform(tmp_path, FixedClock(START))
    async with AsyncTestClient(app=gateway(p)) as client:
        await publish(p, agreement_signed())
        for product in PRODUCTS:
            await publish(p, product_released(product, DEV_A.org_id, f"g-{product}"))
        await eventually(lambda: _facts_known(p))
        yield p, client


PRODUCTS = ("prod-credit", "prod-market")
"""Products released (``product.released``) before the test: billing prices only these."""


async def _facts_known(p: Platform) -> bool:
    store = p.running["billing"].store
    return await store.count("agreements") == 1 and await store.count("products") == 2


async def cap(p: Platform, client: Client, product: str, unit: str, fen: int) -> Any:
    return await client.put(
        f"/billing/caps/{product}/{unit}", json={"cap_fen": fen}, headers=await auth(p, BUREAU)
    )


async def price(p: Platform, client: Client, who: Any = OPERATOR, **body: Any) -> Any:
    body.setdefault("product_id", "prod-credit")
    body.setdefault("unit", "call")
    return await client.post("/billing/prices", json=body, headers=await auth(p, who))


async def test_BIL_2_price_above_the_cap_is_refused(env: tuple[Platform, Client]) -> None:
    p, client = env
    assert (await cap(p, client, "prod-credit", "call", 50)).status_code == 200
    refused = await price(p, client, unit_price_fen=51)
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["rule"] == "BIL-2"
    assert "cap" in problem["detail"]
    assert problem["errors"][0]["field"] == "unit_price_fen"
    assert (await price(p, client, unit_price_fen=50)).status_code == 201


async def test_BIL_3_a_tier_above_the_cap_is_refused_and_tiers_must_ascend(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    await cap(p, client, "prod-credit", "row", 10)
    above = await price(
        p,
        client,
        unit="row",
        unit_price_fen=8,
        tiers=[{"from_quantity": 1000, "unit_price_fen": 11}],
    )
    assert above.status_code == 422
    assert above.json()["rule"] == "BIL-2"
    assert above.json()["errors"][0]["field"] == "tiers[0].unit_price_fen"
    unordered = await price(
        p,
        client,
        unit="row",
        unit_price_fen=8,
        tiers=[
            {"from_quantity": 1000, "unit_price_fen": 6},
            {"from_quantity": 500, "unit_price_fen": 4},
        ],
    )
    assert unordered.status_code == 422
    assert unordered.json()["rule"] == "BIL-3"
    ok = await price(
        p,
        client,
        unit="row",
        unit_price_fen=8,
        tiers=[{"from_quantity": 1000, "unit_price_fen": 6}],
        key_scenario_discount_percent=20,
    )
    assert ok.status_code == 201
    assert ok.json()["tiers"] == [{"from_quantity": 1000, "unit_price_fen": 6}]


async def test_BIL_2_an_unknown_unit_is_refused(env: tuple[Platform, Client]) -> None:
    p, client = env
    r = await cap(p, client, "prod-credit", "furlong", 10)
    assert r.status_code == 422
    assert r.json()["rule"] == "BIL-2"


async def test_BIL_2_only_the_bureau_sets_caps_and_max_revenue(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    for who in (OPERATOR, DEV_A, PUBLIC):
        r = await client.put(
            "/billing/caps/prod-credit/call", json={"cap_fen": 9}, headers=await auth(p, who)
        )
        assert r.status_code == 403, who
        r = await client.put(
            "/billing/max-revenue/2026",
            json={"operator_org_id": OPERATOR_ORG, "max_revenue_fen": 1},
            headers=await auth(p, who),
        )
        assert r.status_code == 403, who
    foreign = await client.put(
        "/billing/caps/prod-credit/call",
        json={"cap_fen": 9},
        headers=await auth(p, OTHER_CITY_BUREAU),
    )
    assert foreign.status_code == 403
    county = await client.put(
        "/billing/caps/prod-credit/call", json={"cap_fen": 9}, headers=await auth(p, COUNTY_BUREAU)
    )
    assert (county.status_code, county.json()["rule"]) == (403, "BIL-2")
    county_shares = await client.put(
        "/billing/revenue-shares",
        json={
            "government_bp": 1,
            "operator_bp": 1,
            "merchants_bp": 9998,
            "effective_from": "2026-01-01",
        },
        headers=await auth(p, COUNTY_BUREAU),
    )
    assert (county_shares.status_code, county_shares.json()["rule"]) == (403, "BIL-7")
    assert (
        await client.put("/billing/caps/prod-credit/call", json={"cap_fen": 9})
    ).status_code == 401
    ok = await client.put(
        "/billing/max-revenue/2026",
        json={"operator_org_id": OPERATOR_ORG, "max_revenue_fen": 100_000_000},
        headers=await auth(p, BUREAU),
    )
    assert ok.status_code == 200
    assert ok.json()["max_revenue_fen"] == 100_000_000
    await eventually(lambda: _has(p, "revenue.max_set"))


async def _has(p: Platform, event_type: str) -> bool:
    return bool(published(p, event_type))


async def test_BIL_2_only_the_authorized_operator_sets_prices(env: tuple[Platform, Client]) -> None:
    p, client = env
    assert (await price(p, client, who=DEV_A, unit_price_fen=1)).status_code == 403
    assert (await price(p, client, who=BUREAU, unit_price_fen=1)).status_code == 403
    stranger = await price(p, client, who=OTHER_OPERATOR, unit_price_fen=1)
    assert stranger.status_code == 403
    assert stranger.json()["rule"] == "BIL-2"


async def test_BIL_2_a_cap_cannot_drop_below_a_listed_price(env: tuple[Platform, Client]) -> None:
    p, client = env
    await cap(p, client, "prod-credit", "call", 50)
    await price(p, client, unit_price_fen=40)
    lowered = await cap(p, client, "prod-credit", "call", 30)
    assert lowered.status_code == 409
    assert lowered.json()["rule"] == "BIL-2"


async def test_BIL_5_the_price_list_is_public_and_shows_caps(env: tuple[Platform, Client]) -> None:
    p, client = env
    await cap(p, client, "prod-credit", "call", 50)
    await price(p, client, unit_price_fen=30)
    await price(p, client, product_id="prod-market", unit="product", unit_price_fen=99_900)
    listed = await client.get("/billing/prices")  # no token at all
    assert listed.status_code == 200
    by_product = {(e["product_id"], e["unit"]): e for e in listed.json()}
    assert by_product["prod-credit", "call"]["unit_price_fen"] == 30
    assert by_product["prod-credit", "call"]["cap_fen"] == 50
    assert by_product["prod-credit", "call"]["government_guided"] is True
    assert by_product["prod-market", "product"]["government_guided"] is False
    caps = await client.get("/billing/caps")
    assert caps.status_code == 200
    assert [(c["product_id"], c["cap_fen"]) for c in caps.json()] == [("prod-credit", 50)]
    await eventually(lambda: _has(p, "price.listed"))
    listed_events = [e.payload for e in published(p, "price.listed")]
    assert all(isinstance(e, PriceListed) for e in listed_events)
    assert {e.unit_price_fen for e in listed_events if isinstance(e, PriceListed)} == {30, 99_900}


async def test_BIL_5_a_price_cannot_take_effect_in_the_past(env: tuple[Platform, Client]) -> None:
    p, client = env
    past = (clock_of(p).now() - timedelta(hours=1)).isoformat()
    r = await price(p, client, unit_price_fen=10, effective_from=past)
    assert r.status_code == 422
    assert r.json()["rule"] == "BIL-5"


async def test_BIL_5_charges_exactly_the_listed_price_and_a_change_only_from_its_effective_time(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    clock = clock_of(p)
    await cap(p, client, "prod-credit", "call", 100)
    first = await price(p, client, unit_price_fen=37)
    change_at = clock.now() + timedelta(days=5)
    second = await price(p, client, unit_price_fen=45, effective_from=change_at.isoformat())
    assert second.json()["in_force"] is False
    listed = (await client.get("/billing/prices")).json()
    assert [(e["unit_price_fen"], e["in_force"]) for e in listed] == [(37, True), (45, False)]
    before = usage(DEV_A.org_id, 3, at=clock.now() + timedelta(days=1))
    just_before = usage(DEV_A.org_id, 2, at=change_at - timedelta(microseconds=1))
    after = usage(DEV_A.org_id, 4, at=change_at)
    for env_ in (before, just_before, after):
        await publish(p, env_)
    await eventually(lambda: _metered(p, 3))
    clock.set(START + timedelta(days=30))  # 9 April: March is over
    issued = await client.post(
        "/billing/invoices", json={"period": "2026-03"}, headers=await auth(p, OPERATOR)
    )
    assert issued.status_code == 200
    (invoice,) = issued.json()
    lines = {line["price_id"]: line for line in invoice["lines"]}
    old, new = lines[first.json()["price_id"]], lines[second.json()["price_id"]]
    assert (old["quantity"], old["unit_price_fen"], old["amount_fen"]) == (5, 37, 185)
    assert sorted(old["source_event_ids"]) == sorted(
        [str(before.event_id), str(just_before.event_id)]
    )
    assert (new["quantity"], new["unit_price_fen"], new["amount_fen"]) == (4, 45, 180)
    assert new["source_event_ids"] == [str(after.event_id)]
    assert invoice["total_fen"] == 185 + 180


async def _metered(p: Platform, n: int) -> bool:
    return await p.running["billing"].store.count("metered_uses") == n


async def test_BIL_4_the_cultivation_period_runs_from_the_plans_publication_not_an_agreement(
    env: tuple[Platform, Client],
) -> None:
    """淄博 000 四（七）：“自方案发布起3年内为数据要素型企业培育期。培育期内，政府无偿向运营
    机构提供公共数据”. The operator's agreement starts on 1 January 2026; the period runs from
    the plan (in force 1 July 2025, 本方案自2025年7月1日起施行) until the bureau records the
    day the plan was published."""
    p, client = env
    headers = await auth(p, DEV_A)
    inside = (await client.get("/billing/cultivation-period?on=2028-06-30", headers=headers)).json()
    assert inside == {
        "on": "2028-06-30",
        "years": 3,
        "starts_on": "2025-07-01",
        "ends_before": "2028-07-01",
        "inside": True,
    }
    outside = await client.get("/billing/cultivation-period?on=2028-07-01", headers=headers)
    assert outside.json()["inside"] is False
    shown = (await client.get("/billing/settings", headers=headers)).json()
    assert shown["pricing_regime"] == "guided_or_market" and "000" in shown["source"]
    assert (shown["cultivation_starts_on"], shown["defined_by"]) == ("2025-07-01", "")
    refused = await client.put(
        "/billing/settings",
        json={"cultivation_starts_on": "2025-06-20"},
        headers=await auth(p, OPERATOR),
    )
    assert refused.status_code == 403
    changed = await client.put(
        "/billing/settings",
        json={"cultivation_starts_on": "2025-06-20"},
        headers=await auth(p, BUREAU),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["cultivation_starts_on"] == "2025-06-20"
    assert changed.json()["defined_by"] == "370300"
    moved = (await client.get("/billing/cultivation-period?on=2028-06-19", headers=headers)).json()
    assert (moved["inside"], moved["ends_before"]) == (True, "2028-06-20")
    shorter = await client.put(
        "/billing/settings", json={"cultivation_years": 2}, headers=await auth(p, BUREAU)
    )
    assert shorter.json()["cultivation_starts_on"] == "2025-06-20"  # kept
    after = await client.get("/billing/cultivation-period?on=2027-06-20", headers=headers)
    assert after.json()["inside"] is False


async def test_BIL_1_zibo_lists_a_market_price_where_no_guided_price_is_set(
    env: tuple[Platform, Client],
) -> None:
    """淄博 000 四（七）：“以政府指导价收取……费用。无政府指导价的，以市场调节价收取。”"""
    p, client = env
    r = await client.post(
        "/billing/prices",
        json={"product_id": "prod-market", "unit": "call", "unit_price_fen": 99},
        headers=await auth(p, OPERATOR),
    )
    assert r.status_code == 201, r.text
    assert (r.json()["cap_fen"], r.json()["government_guided"]) == (None, False)


@pytest.mark.parametrize(
    "product", ["prod-unknown", "\u0000", "p" * 5000], ids=["unknown", "nul", "5000-chars"]
)
async def test_BIL_2_a_cap_or_price_for_a_product_billing_does_not_know_is_refused(
    env: tuple[Platform, Client], product: str
) -> None:
    p, client = env
    store = p.running["billing"].store
    capped = await client.put(
        f"/billing/caps/{quote(product, safe='')}/call",
        json={"cap_fen": 9},
        headers=await auth(p, BUREAU),
    )
    assert 400 <= capped.status_code < 500, capped.text
    assert capped.headers["content-type"].startswith("application/problem+json")
    listed = await price(p, client, product_id=product, unit_price_fen=10)
    assert 400 <= listed.status_code < 500, listed.text
    assert "product_id" in listed.text
    assert await store.count("price_caps") == 0 and await store.count("prices") == 0


async def test_BIL_2_max_revenue_for_an_organization_without_an_agreement_is_refused(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    refused = await client.put(
        "/billing/max-revenue/2026",
        json={"operator_org_id": "org-nobody", "max_revenue_fen": 1000},
        headers=await auth(p, BUREAU),
    )
    assert refused.status_code == 404, refused.text
    assert refused.json()["errors"][0]["field"] == "operator_org_id"
    assert await p.running["billing"].store.count("revenue_years") == 0


async def test_BIL_3_a_key_scenario_billing_does_not_know_is_refused(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    refused = await client.put(
        "/billing/key-scenarios/sc-nowhere", json={"key": True}, headers=await auth(p, BUREAU)
    )
    assert refused.status_code == 404, refused.text
    assert refused.json()["errors"][0]["field"] == "scenario_id"
    assert await p.running["billing"].store.count("key_scenarios") == 0


@pytest.mark.parametrize("value", ["100", "1e2", "100.0", 1.0, True], ids=str)
async def test_money_must_be_a_json_integer(env: tuple[Platform, Client], value: Any) -> None:
    p, client = env
    refused = await price(p, client, unit_price_fen=value)
    assert refused.status_code == 400, refused.text
    assert refused.json()["errors"][0]["field"] == "unit_price_fen"
    assert await p.running["billing"].store.count("prices") == 0


@pytest.mark.parametrize("value", ["false", "0", 0, 1, None], ids=str)
async def test_flags_must_be_json_booleans(env: tuple[Platform, Client], value: Any) -> None:
    p, client = env
    await publish(p, scenario_filed("sc-key", "commercial"))
    await eventually(lambda: p.running["billing"].store.get("scenarios", "sc-key"))
    refused = await client.put(
        "/billing/key-scenarios/sc-key", json={"key": value}, headers=await auth(p, BUREAU)
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["errors"][0]["field"] == "key"
    assert await p.running["billing"].store.count("key_scenarios") == 0
