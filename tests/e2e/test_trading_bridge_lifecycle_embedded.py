"""Trading-bridge end to end in embedded mode, through HTTP only (plus the upstream facts
put on the bus as their producers would): a released product is listed on a licensed
exchange at its published price, the exchange's machine client orders, executes and
settles over HTTP, and every step is on the exchange-facing topic (TRD-1, TRD-2, BIL-5)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from contracts.events import ListingCreated, OrderReceived, TradeExecuted, TradeSettled
from libs.runtime import Platform
from libs.store.port import VersionConflict
from tests.support.platform import eventually, platform, token
from tests.support.trading_bridge import (
    BUREAU,
    EXCHANGE,
    OPERATOR,
    OTHER_EXCHANGE,
    SUPERVISOR,
    Client,
    bridge_client,
    events_of,
    list_when_known,
    listing_body,
    market,
    trade_events,
)


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[Platform, Client]]:
    p = platform(tmp_path, services=("trading_bridge",))
    async with bridge_client(p) as client:
        yield p, client


async def listed(
    p: Platform, client: Client, product_id: str, unit_price_fen: int = 50_000, **market_args: Any
) -> str:
    await market(p, product_id, unit_price_fen=unit_price_fen, **market_args)
    response = await list_when_known(p, client, listing_body(product_id, unit_price_fen))
    return str(response.json()["listing_id"])


async def test_TRD_1_TRD_2_BIL_5_a_listed_product_is_ordered_executed_and_settled_by_the_bridge(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    listing_id = await listed(p, client, "prod-1")
    exchange = await token(p, EXCHANGE)
    shown = (await client.get("/listings/", headers=exchange)).json()
    assert [x["listing_id"] for x in shown["items"]] == [listing_id]
    assert shown["items"][0]["price_fen"] == 50_000 and shown["items"][0]["state"] == "active"

    order = await client.post(
        "/orders/",
        json={
            "order_id": "ex-o-1",
            "listing_id": listing_id,
            "buyer_org_id": "buyer-1",
            "quantity": 3,
        },
        headers=exchange,
    )
    assert order.status_code == 201, order.text
    assert order.headers["idempotent-replayed"] == "false"
    assert order.json()["product_id"] == "prod-1"
    trade = await client.post(
        "/trades/",
        json={"trade_id": "ex-t-1", "order_id": "ex-o-1", "quantity": 3, "amount_fen": 150_000},
        headers=exchange,
    )
    assert trade.status_code == 201, trade.text
    assert trade.json()["state"] == "executed" and trade.json()["settlement"] is None
    settled = await client.post(
        "/settlements/",
        json={
            "settlement_id": "ex-s-1",
            "trade_id": "ex-t-1",
            "amount_fen": 150_000,
            "settled_at": "2026-11-20T08:00:00+00:00",
        },
        headers=exchange,
    )
    assert settled.status_code == 201, settled.text
    assert settled.json()["state"] == "settled"
    assert settled.json()["settlement"]["settlement_id"] == "ex-s-1"

    events = await events_of(p, 4)
    assert [e.type for e in events] == [
        "listing.created",
        "order.received",
        "trade.executed",
        "trade.settled",
    ]
    created, received, executed, settled_event = (e.payload for e in events)
    assert isinstance(created, ListingCreated) and created.listing_id == listing_id
    assert created.exchange_org_id == EXCHANGE.org_id and created.price_fen == 50_000
    assert created.unit == "per_call"
    assert isinstance(received, OrderReceived) and received.quantity == 3
    assert received.buyer_org_id == "buyer-1"
    assert isinstance(executed, TradeExecuted) and executed.amount_fen == 150_000
    assert executed.trade_id == "ex-t-1" and executed.product_id == "prod-1"
    assert isinstance(settled_event, TradeSettled) and settled_event.settlement_id == "ex-s-1"
    assert settled_event.settled_at.isoformat() == "2026-11-20T08:00:00+00:00"
    assert events[2].subject == events[3].subject == "ex-t-1"  # one trade, one key, in order
    assert events[1].actor.org_id == EXCHANGE.org_id

    for reader in (OPERATOR, BUREAU, SUPERVISOR, EXCHANGE):
        page = (await client.get("/trades/", headers=await token(p, reader))).json()
        assert [t["trade_id"] for t in page["items"]] == ["ex-t-1"], reader
        assert page["items"][0]["settlement"]["amount_fen"] == 150_000
    other = await token(p, OTHER_EXCHANGE)
    assert (await client.get("/trades/", headers=other)).json()["items"] == []
    assert (await client.get("/trades/ex-t-1", headers=other)).status_code == 403


async def test_TRD_1_retried_exchange_requests_return_the_first_result_and_publish_once(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    listing_id = await listed(p, client, "prod-2")
    exchange = await token(p, EXCHANGE)
    steps = [
        (
            "/orders/",
            {"order_id": "o-2", "listing_id": listing_id, "buyer_org_id": "b-2", "quantity": 2},
        ),
        ("/trades/", {"trade_id": "t-2", "order_id": "o-2", "quantity": 2, "amount_fen": 100_000}),
        ("/settlements/", {"settlement_id": "s-2", "trade_id": "t-2", "amount_fen": 100_000}),
    ]
    for path, body in steps:
        first = await client.post(path, json=body, headers=exchange)
        again = await client.post(path, json=body, headers=exchange)
        assert first.status_code == again.status_code == 201, (first.text, again.text)
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()
    await events_of(p, 4)
    await eventually(lambda: _quiet(p))
    assert [e.type for e in trade_events(p)] == [
        "listing.created",
        "order.received",
        "trade.executed",
        "trade.settled",
    ]
    # the same ids with other content are refused
    reused = [
        (
            "/orders/",
            {"order_id": "o-2", "listing_id": listing_id, "buyer_org_id": "b-2", "quantity": 5},
        ),
        ("/trades/", {"trade_id": "t-2", "order_id": "o-2", "quantity": 1, "amount_fen": 50_000}),
        ("/settlements/", {"settlement_id": "s-2", "trade_id": "t-2", "amount_fen": 1}),
    ]
    for path, body in reused:
        refused = await client.post(path, json=body, headers=exchange)
        assert refused.status_code == 409, refused.text
        assert refused.json()["rule"] == "TRD-1"


async def _quiet(p: Platform) -> bool:
    """True once the relay has nothing left to publish."""
    store = p.running["trading_bridge"].store
    for collection in ("listings", "orders", "trades"):
        if await store.with_outbox(collection, 1):
            return False
    return True


async def test_TRD_1_an_exchange_acts_only_on_its_own_listings_orders_and_trades(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    listing_id = await listed(p, client, "prod-3")
    mine, theirs = await token(p, EXCHANGE), await token(p, OTHER_EXCHANGE)
    order = {"order_id": "o-3", "listing_id": listing_id, "buyer_org_id": "b", "quantity": 1}
    refused = await client.post("/orders/", json=order, headers=theirs)
    assert refused.status_code == 403 and refused.json()["rule"] == "TRD-1"
    assert (await client.post("/orders/", json=order, headers=mine)).status_code == 201
    execution = {"trade_id": "t-3", "order_id": "o-3", "quantity": 1, "amount_fen": 50_000}
    assert (await client.post("/trades/", json=execution, headers=theirs)).status_code == 403
    assert (await client.post("/trades/", json=execution, headers=mine)).status_code == 201
    settlement = {"settlement_id": "s-3", "trade_id": "t-3", "amount_fen": 50_000}
    assert (await client.post("/settlements/", json=settlement, headers=theirs)).status_code == 403
    assert (await client.post("/settlements/", json=settlement, headers=mine)).status_code == 201


async def test_TRD_1_a_trade_settles_once_for_its_amount_at_the_published_price(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    # 100 fen a call; from 10 calls on 80 fen, from 100 calls on 50 fen (BIL-3)
    listing_id = await listed(p, client, "prod-4", unit_price_fen=100, tiers=((10, 80), (100, 50)))
    exchange = await token(p, EXCHANGE)
    order = {"order_id": "o-4", "listing_id": listing_id, "buyer_org_id": "b", "quantity": 150}
    assert (await client.post("/orders/", json=order, headers=exchange)).status_code == 201
    wrong = {"trade_id": "t-4", "order_id": "o-4", "quantity": 150, "amount_fen": 150 * 100}
    refused = await client.post("/trades/", json=wrong, headers=exchange)
    assert refused.status_code == 422 and refused.json()["rule"] == "BIL-5"
    due = 10 * 100 + 90 * 80 + 50 * 50
    assert str(due) in refused.json()["detail"]
    too_many = {"trade_id": "t-4", "order_id": "o-4", "quantity": 151, "amount_fen": due}
    assert (await client.post("/trades/", json=too_many, headers=exchange)).status_code == 422
    right = {"trade_id": "t-4", "order_id": "o-4", "quantity": 150, "amount_fen": due}
    assert (await client.post("/trades/", json=right, headers=exchange)).status_code == 201
    second = {"trade_id": "t-4b", "order_id": "o-4", "quantity": 150, "amount_fen": due}
    again = await client.post("/trades/", json=second, headers=exchange)
    assert again.status_code == 409 and "already executed" in again.json()["detail"]

    short = {"settlement_id": "s-4", "trade_id": "t-4", "amount_fen": due - 1}
    refused = await client.post("/settlements/", json=short, headers=exchange)
    assert refused.status_code == 422 and refused.json()["rule"] == "BIL-5"
    paid = {"settlement_id": "s-4", "trade_id": "t-4", "amount_fen": due}
    assert (await client.post("/settlements/", json=paid, headers=exchange)).status_code == 201
    twice = {"settlement_id": "s-4b", "trade_id": "t-4", "amount_fen": due}
    refused = await client.post("/settlements/", json=twice, headers=exchange)
    assert refused.status_code == 409 and "settles once" in refused.json()["detail"]
    missing = {"settlement_id": "s-9", "trade_id": "t-9", "amount_fen": 1}
    assert (await client.post("/settlements/", json=missing, headers=exchange)).status_code == 404


async def test_TRD_1_only_the_exchange_client_with_its_scopes_reports_trades(
    running: tuple[Platform, Client],
) -> None:
    from tests.support.trading_bridge import DEVELOPER, READ_ONLY_EXCHANGE

    p, client = running
    listing_id = await listed(p, client, "prod-5")
    order = {"order_id": "o-5", "listing_id": listing_id, "buyer_org_id": "b", "quantity": 1}
    for who in (OPERATOR, BUREAU, DEVELOPER):
        refused = await client.post("/orders/", json=order, headers=await token(p, who))
        assert refused.status_code == 403, who
    narrow = await client.post("/orders/", json=order, headers=await token(p, READ_ONLY_EXCHANGE))
    assert narrow.status_code == 403 and "orders:write" in narrow.json()["detail"]
    assert (await client.post("/orders/", json=order)).status_code == 401
    assert (await client.get("/trades/")).status_code == 401
    assert (await client.get("/listings/")).status_code == 401
    developer = await token(p, DEVELOPER)
    assert (await client.get("/trades/", headers=developer)).status_code == 403
    # listing is the operator's, not the exchange's
    body = listing_body("prod-5")
    refused = await client.post("/listings/", json=body, headers=await token(p, EXCHANGE))
    assert refused.status_code == 403


async def test_TRD_1_an_execution_cut_short_between_its_two_writes_is_finished_by_the_retry(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    listing_id = await listed(p, client, "prod-6")
    exchange = await token(p, EXCHANGE)
    order = {"order_id": "o-6", "listing_id": listing_id, "buyer_org_id": "b", "quantity": 2}
    assert (await client.post("/orders/", json=order, headers=exchange)).status_code == 201
    # the process died after marking the order and before writing the trade
    store = p.running["trading_bridge"].store
    for _ in range(20):  # the outbox relay may clear the order's outbox meanwhile: read again
        doc = await store.get("orders", "o-6")
        assert doc is not None
        try:
            await store.replace("orders", {**doc, "trade_id": "t-6"}, doc["_version"])
            break
        except VersionConflict:
            continue
    else:
        raise AssertionError("the order could not be marked")
    other = {"trade_id": "t-6x", "order_id": "o-6", "quantity": 2, "amount_fen": 100_000}
    assert (await client.post("/trades/", json=other, headers=exchange)).status_code == 409
    retry = {"trade_id": "t-6", "order_id": "o-6", "quantity": 2, "amount_fen": 100_000}
    done = await client.post("/trades/", json=retry, headers=exchange)
    assert done.status_code == 201 and done.headers["idempotent-replayed"] == "false"
    events = await events_of(p, 3)
    assert [e.type for e in events] == ["listing.created", "order.received", "trade.executed"]


async def test_TRD_1_every_scoped_route_of_the_published_openapi_refuses_a_token_without_it(
    running: tuple[Platform, Client],
) -> None:
    """Issue 11 item 5: each write-back route in ``contracts/openapi/trading_bridge.json``
    states its scope (``x-pdo-scope``, OAuth2 client credentials); an exchange token
    holding every scope but that one is refused 403 with a problem naming it."""
    import json
    from dataclasses import replace

    from contracts import asyncapi
    from tests.support.trading_bridge import EXCHANGE

    p, client = running
    doc = json.loads((asyncapi.HERE / "openapi" / "trading_bridge.json").read_text("utf-8"))
    bodies = {
        "/orders": {"order_id": "o-9", "listing_id": "l-9", "buyer_org_id": "b", "quantity": 1},
        "/trades": {"trade_id": "t-9", "order_id": "o-9", "quantity": 1, "amount_fen": 100},
        "/settlements": {"settlement_id": "s-9", "trade_id": "t-9", "amount_fen": 100},
    }
    scoped = {
        path: op["x-pdo-scope"]
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if method == "post" and "x-pdo-scope" in op
    }
    assert scoped == {
        "/orders": "orders:write", "/trades": "orders:write", "/settlements": "settlements:write"
    }  # fmt: skip
    for path, scope in scoped.items():
        assert doc["paths"][path]["post"]["security"] == [{"clientCredentials": [scope]}]
        lacking = replace(EXCHANGE, scopes=EXCHANGE.scopes - {scope})
        refused = await client.post(f"{path}/", json=bodies[path], headers=await token(p, lacking))
        assert refused.status_code == 403, (path, refused.text)
        problem = refused.json()
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert scope in problem["detail"], problem
