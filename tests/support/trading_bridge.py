"""Helpers of trading-bridge tests: principals (the operator, the exchange's machine
client with its narrow scopes, a second exchange), the facts other services publish
(released and withdrawn products, published prices, registered exchanges) put straight
onto the bus, a client of the bridge's API, and the events on the exchange-facing topic."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from litestar.testing import AsyncTestClient

from contracts.envelope import SYSTEM_ACTOR, Actor, Envelope, Role, decode, encode, new_envelope
from contracts.events import (
    OrgRegistered,
    Payload,
    PriceListed,
    PriceTier,
    ProductReleased,
    ProductWithdrawn,
)
from contracts.topics import topic_for
from libs.auth.principal import Principal
from libs.bus.embedded import EmbeddedBus
from libs.bus.port import Message
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.platform import eventually, token

REGION = "370300"
EXCHANGE_SCOPES = frozenset({"products:read", "orders:write", "settlements:write"})
OPERATOR = Principal(
    user_id="u-op-1", org_id="org-370300-operator", role=Role.OPERATOR, region=REGION
)
BUREAU = Principal(
    user_id="u-bureau-1", org_id="org-370300-bureau", role=Role.BUREAU, region=REGION
)
SUPERVISOR = Principal(
    user_id="u-sup-1", org_id="org-370300-supervisor", role=Role.SUPERVISOR, region=REGION
)
DEVELOPER = Principal(user_id="u-dev-1", org_id="org-dev-1", role=Role.DEVELOPER, region=REGION)
EXCHANGE = Principal(
    user_id="client-sdde-1",
    org_id="org-370300-exchange",
    role=Role.EXCHANGE,
    region=REGION,
    scopes=EXCHANGE_SCOPES,
)
"""The Shandong data exchange's machine client (client-credential token)."""
OTHER_EXCHANGE = Principal(
    user_id="client-other-1",
    org_id="org-370300-exchange-2",
    role=Role.EXCHANGE,
    region=REGION,
    scopes=EXCHANGE_SCOPES,
)
READ_ONLY_EXCHANGE = Principal(
    user_id="client-sdde-2",
    org_id=EXCHANGE.org_id,
    role=Role.EXCHANGE,
    region=REGION,
    scopes=frozenset({"products:read"}),
)
TRADE_TOPIC = topic_for("trade.executed").name(REGION)

Client = AsyncTestClient[Any]


async def publish(
    p: Platform, payload: Payload, *, subject: str, actor: Actor = SYSTEM_ACTOR
) -> Envelope:
    """Put one event on the bus as its producer's relay would; returns the envelope."""
    assert p.bus is not None
    envelope = new_envelope(payload, region=REGION, actor=actor, subject=subject)
    topic = topic_for(envelope.type).name(REGION)
    await p.bus.publish(Message(topic=topic, key=subject, value=encode(envelope)))
    return envelope


def released(product_id: str, **overrides: Any) -> ProductReleased:
    fields: dict[str, Any] = {
        "product_id": product_id,
        "version": 1,
        "name": "企业经营指数",
        "kind": "dataset",
        "developer_org_id": DEVELOPER.org_id,
        "registration_code": "370300P00000000013",
        "certificate_id": f"cert-{product_id}-1",
        "touches": [],
        "permissions": [],
    }
    fields.update(overrides)
    return ProductReleased(**fields)


def price(
    product_id: str,
    unit_price_fen: int = 50_000,
    *,
    unit: str = "per_call",
    tiers: tuple[tuple[int, int], ...] = (),
    price_id: str = "",
) -> PriceListed:
    return PriceListed(
        price_id=price_id or f"price-{product_id}-{unit}-{unit_price_fen}",
        product_id=product_id,
        unit=unit,
        unit_price_fen=unit_price_fen,
        tiers=[PriceTier(from_quantity=q, unit_price_fen=f) for q, f in tiers],
    )


def exchange_org(who: Principal = EXCHANGE, name: str = "山东数据交易有限公司") -> OrgRegistered:
    return OrgRegistered(
        org_id=who.org_id, name=name, role="exchange", region=REGION, credit_code="x" * 18
    )


async def market(
    p: Platform,
    product_id: str,
    *,
    unit_price_fen: int = 50_000,
    tiers: tuple[tuple[int, int], ...] = (),
    **release: Any,
) -> None:
    """A released product with a published price (listed by the operator, as billing
    publishes it), and both exchanges registered."""
    await publish(p, exchange_org(), subject=EXCHANGE.org_id)
    await publish(p, exchange_org(OTHER_EXCHANGE, "另一交易所"), subject=OTHER_EXCHANGE.org_id)
    await publish(p, released(product_id, **release), subject=product_id)
    listed = price(product_id, unit_price_fen, tiers=tiers)
    await publish(p, listed, subject=product_id, actor=OPERATOR.actor())


async def withdraw_product(p: Platform, product_id: str, reason: str = "数据源注销") -> None:
    await publish(p, ProductWithdrawn(product_id=product_id, reason=reason), subject=product_id)


@contextlib.asynccontextmanager
async def bridge_client(p: Platform) -> AsyncIterator[Client]:
    """A client of the gateway whose relative paths go to trading-bridge."""
    async with AsyncTestClient(app=gateway(p)) as client:
        client.base_url = f"{client.base_url}/trading_bridge"
        assert (await client.get("/healthz")).status_code == 200
        yield client


def listing_body(product_id: str, price_fen: int = 50_000, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "product_id": product_id,
        "exchange_org_id": EXCHANGE.org_id,
        "unit": "per_call",
        "price_fen": price_fen,
    }
    body.update(overrides)
    return body


async def list_when_known(
    p: Platform,
    client: Client,
    body: dict[str, Any],
    *,
    expect: int = 201,
    who: Principal = OPERATOR,
) -> Any:
    """POST /listings once the bridge has folded the published facts (they arrive by the
    bus): retried while the answer is a refusal other than the one expected."""
    headers = await token(p, who)

    async def attempt() -> Any:
        response = await client.post("/listings/", json=body, headers=headers)
        if response.status_code == expect:
            return response
        return None

    return await eventually(attempt, timeout=10)


def trade_events(p: Platform) -> list[Envelope]:
    """Every event on the exchange-facing topic so far, in log order."""
    assert isinstance(p.bus, EmbeddedBus)
    return [decode(m.value) for m in p.bus.read_topic(TRADE_TOPIC)]


async def events_of(p: Platform, count: int) -> list[Envelope]:
    """Wait until the relay has published ``count`` events on the trade topic."""

    async def probe() -> list[Envelope] | None:
        found = trade_events(p)
        return found if len(found) >= count else None

    return await eventually(probe)
