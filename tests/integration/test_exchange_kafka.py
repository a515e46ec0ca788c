"""The exchange test (issue 5, TRD-1, TRD-2): a licensed data exchange, played with nothing
but the ``contracts`` package, plain aiokafka and HTTP, trades through the bridge.

The platform side runs identity and trading-bridge as one distributed process on the
real Kafka broker and the MongoDB-wire server: the bureau registers the exchange in
identity (whose ``org.registered`` reaches the bridge over Kafka) and issues it a machine
client; product-release's ``product.released`` and billing's ``price.listed`` are
produced to Kafka directly, as those services would; the operator lists the product.

The exchange side (``Exchange`` below) signs in with client credentials, consumes the
exchange-facing topic ``pdo.<region>.trading.trades.v1`` and reacts: on its
``listing.created`` it POSTs an order, on ``order.received`` the execution at the listed
price, on ``trade.executed`` the settlement; it retries one POST to see that nothing is
published twice. Finally the platform's state (the trades over HTTP) and the topic's
events must tell the same story.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from litestar.testing import AsyncTestClient

from contracts import envelope as wire
from contracts import events as ev
from contracts.topics import topic_for
from libs.auth.principal import Principal
from libs.http.gateway import gateway
from tests.e2e.test_identity_lifecycle_embedded import EXCHANGE_CODE
from tests.support.platform import distributed, eventually, keyring, token
from tests.support.regions import fresh_region

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

Http = AsyncTestClient[Any]
PRICE_FEN = 8_800
QUANTITY = 12


# -- the exchange: contracts + aiokafka + HTTP, nothing of the platform ---------------------


class Exchange:
    """The data exchange's matching system (撮合系统) as a client of the bridge."""

    def __init__(self, http: Http, bootstrap: str, region: str, org_id: str) -> None:
        self.http = http
        self.bootstrap = bootstrap
        self.topic = topic_for("listing.created").name(region)
        self.org_id = org_id
        self.headers: dict[str, str] = {}
        self.seen: list[wire.Envelope] = []
        self.answers: dict[str, Any] = {}
        self.keys: list[bytes] = []

    async def sign_in(self, client_id: str, client_secret: str) -> str:
        issued = await self.http.post(
            "/identity/tokens",
            json={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
                "scope": "orders:write settlements:write",
            },
        )
        assert issued.status_code == 200, issued.text
        body = issued.json()
        self.headers = {"Authorization": f"Bearer {body['access_token']}"}
        return str(body["scope"])

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(f"/trading_bridge{path}", json=body, headers=self.headers)
        assert response.status_code == 201, (path, response.text)
        answer: dict[str, Any] = response.json()
        return answer

    async def react(self, event: wire.Envelope) -> bool:
        """One step of the exchange's side; True once its trade is settled."""
        payload = event.payload
        if isinstance(payload, ev.ListingCreated) and payload.exchange_org_id == self.org_id:
            self.answers["listing"] = payload
            self.answers["order"] = await self.post(
                "/orders/",
                {
                    "order_id": f"SDDE-O-{uuid.uuid4().hex[:8]}",
                    "listing_id": payload.listing_id,
                    "buyer_org_id": "91370100BUYER0001X",
                    "quantity": QUANTITY,
                },
            )
        elif isinstance(payload, ev.OrderReceived) and "listing" in self.answers:
            listing: ev.ListingCreated = self.answers["listing"]
            self.answers["trade"] = await self.post(
                "/trades/",
                {
                    "trade_id": f"SDDE-T-{uuid.uuid4().hex[:8]}",
                    "order_id": payload.order_id,
                    "quantity": payload.quantity,
                    "amount_fen": listing.price_fen * payload.quantity,
                },
            )
        elif isinstance(payload, ev.TradeExecuted):
            settlement = {
                "settlement_id": f"SDDE-S-{uuid.uuid4().hex[:8]}",
                "trade_id": payload.trade_id,
                "amount_fen": payload.amount_fen,
            }
            self.answers["settlement"] = await self.post("/settlements/", settlement)
            # a retry of the same settlement (a lost answer, say): the first result again
            self.answers["retried"] = await self.post("/settlements/", settlement)
        elif isinstance(payload, ev.TradeSettled):
            return True
        return False

    async def trade(self, timeout: float = 60.0) -> None:
        """Consume the trade topic and react until the trade is settled."""
        reader = AIOKafkaConsumer(
            self.topic,
            bootstrap_servers=self.bootstrap,
            group_id=f"exchange-{uuid.uuid4().hex[:6]}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await reader.start()
        try:
            deadline = time.monotonic() + timeout
            done = False
            while not done and time.monotonic() < deadline:
                for records in (await reader.getmany(timeout_ms=500)).values():
                    for record in records:
                        event = wire.decode(record.value)
                        self.keys.append(record.key or b"")
                        self.seen.append(event)
                        done = await self.react(event) or done
            assert done, [e.type for e in self.seen]
            # anything published late (a second event for the retried settlement) shows here
            for records in (await reader.getmany(timeout_ms=2_000)).values():
                self.seen.extend(wire.decode(r.value) for r in records)
        finally:
            await reader.stop()


# -- the platform side --------------------------------------------------------------------


async def produce(bootstrap: str, region: str, payloads: list[tuple[str, ev.Event]]) -> None:
    """Facts of product-release and billing, produced to Kafka as their relays would."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for subject, payload in payloads:
            envelope = wire.new_envelope(
                payload,  # type: ignore[arg-type]
                region=region,
                actor=wire.SYSTEM_ACTOR,
                subject=subject,
            )
            await producer.send_and_wait(
                topic_for(envelope.type).name(region),
                wire.encode(envelope),
                key=subject.encode(),
            )
    finally:
        await producer.stop()


async def until(probe: Callable[[], Awaitable[Any]]) -> Any:
    return await eventually(probe, timeout=60, interval=0.2)


async def test_TRD_1_TRD_2_the_exchange_trades_through_the_bridge_on_kafka_in_order_per_listing(
    tmp_path: Path, kafka_bootstrap: str, mongo_uri: str
) -> None:
    region = fresh_region()
    secrets = keyring(tmp_path)
    p = distributed(
        tmp_path,
        ("identity", "trading_bridge"),
        kafka=kafka_bootstrap,
        mongo=mongo_uri,
        region=region,
        secrets=secrets,
    )
    bureau = Principal(
        user_id="u-bureau", org_id=f"org-{region}-bureau", role=wire.Role.BUREAU, region=region
    )
    operator = Principal(
        user_id="u-op", org_id=f"org-{region}-operator", role=wire.Role.OPERATOR, region=region
    )
    product_id = f"prod-{uuid.uuid4().hex[:8]}"
    async with AsyncTestClient(app=gateway(p)) as http:
        as_bureau = await token(p, bureau)
        org = await http.post(
            "/identity/organizations",
            json={
                "name": "山东数据交易有限公司",
                "role": "exchange",
                "region": region,
                "credit_code": EXCHANGE_CODE,
            },
            headers=as_bureau,
        )
        assert org.status_code == 201, org.text
        exchange_org = str(org.json()["org_id"])
        client = await http.post(
            f"/identity/organizations/{exchange_org}/clients",
            json={"name": "交易所撮合系统", "scopes": ["orders:write", "settlements:write"]},
            headers=as_bureau,
        )
        assert client.status_code == 201, client.text
        await produce(
            kafka_bootstrap,
            region,
            [
                (
                    product_id,
                    ev.ProductReleased(
                        product_id=product_id,
                        version=1,
                        name="企业信用核验",
                        kind="verification",
                        developer_org_id=f"org-{region}-dev",
                        registration_code=f"{region}P00000000013",
                        certificate_id=f"cert-{product_id}",
                    ),
                ),
                (
                    product_id,
                    ev.PriceListed(
                        price_id=f"price-{product_id}",
                        product_id=product_id,
                        unit="per_call",
                        unit_price_fen=PRICE_FEN,
                    ),
                ),
            ],
        )

        # the operator lists once the bridge has the exchange, the product and the price
        as_operator = await token(p, operator)
        listing_body = {
            "product_id": product_id,
            "exchange_org_id": exchange_org,
            "unit": "per_call",
            "price_fen": PRICE_FEN,
        }

        async def listed() -> Any:
            response = await http.post(
                "/trading_bridge/listings/", json=listing_body, headers=as_operator
            )
            return response.json() if response.status_code == 201 else None

        listing = await until(listed)

        exchange = Exchange(http, kafka_bootstrap, region, exchange_org)
        scope = await exchange.sign_in(client.json()["client_id"], client.json()["client_secret"])
        assert scope == "orders:write settlements:write"
        await exchange.trade()

        # the platform's state, over HTTP, as the exchange and as the operator see it
        trade_id = exchange.answers["trade"]["trade_id"]
        for headers in (exchange.headers, as_operator):
            page = (await http.get("/trading_bridge/trades/", headers=headers)).json()
            assert [t["trade_id"] for t in page["items"]] == [trade_id]
        trade = page["items"][0]
        assert exchange.answers["retried"] == exchange.answers["settlement"]

    # the topic's events match that state, each exactly once and in causal order
    types = [e.type for e in exchange.seen]
    assert types == ["listing.created", "order.received", "trade.executed", "trade.settled"]
    assert len({e.event_id for e in exchange.seen}) == 4
    created, received, executed, settled = (e.payload for e in exchange.seen)
    assert isinstance(created, ev.ListingCreated)
    assert created.listing_id == listing["listing_id"] == trade["listing_id"]
    assert created.price_fen == PRICE_FEN and created.product_id == product_id
    assert isinstance(received, ev.OrderReceived)
    assert received.order_id == trade["order_id"] and received.quantity == QUANTITY
    assert isinstance(executed, ev.TradeExecuted) and executed.trade_id == trade_id
    assert executed.amount_fen == trade["amount_fen"] == PRICE_FEN * QUANTITY
    assert isinstance(settled, ev.TradeSettled) and settled.trade_id == trade_id
    assert trade["state"] == "settled"
    assert settled.settlement_id == trade["settlement"]["settlement_id"]
    assert settled.amount_fen == trade["settlement"]["amount_fen"] == executed.amount_fen
    assert {e.region for e in exchange.seen} == {region}
    assert all(e.schema_version == wire.SCHEMA_VERSION for e in exchange.seen)
    # issue 11 item 6: the whole chain is keyed by the listing id
    assert exchange.keys == [created.listing_id.encode()] * 4
    await causal_order_on_a_fresh_reader(kafka_bootstrap, region, created.listing_id)


async def causal_order_on_a_fresh_reader(bootstrap: str, region: str, listing_id: str) -> None:
    """Issue 11 item 6 (causal order per trade): a reader that joins after the fact and
    reads the multi-partition trading topic from the start sees the listing's chain on
    one partition, listing → order → execution → settlement, in offset order."""
    topic = topic_for("listing.created").name(region)
    reader = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"exchange.test.audit-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await reader.start()
    try:
        partitions = reader.partitions_for_topic(topic) or set()
        assert len(partitions) >= 3, partitions
        chain: list[tuple[int, int, str]] = []
        deadline = time.monotonic() + 30
        while len(chain) < 4 and time.monotonic() < deadline:
            for records in (await reader.getmany(timeout_ms=500)).values():
                for record in records:
                    event = wire.decode(record.value)
                    chain.append((record.partition, record.offset, event.type))
    finally:
        await reader.stop()
    assert [t for _, _, t in chain] == [
        "listing.created", "order.received", "trade.executed", "trade.settled"
    ]  # fmt: skip
    assert len({p for p, _, _ in chain}) == 1, chain
    offsets = [o for _, o, _ in chain]
    assert offsets == sorted(offsets), chain
