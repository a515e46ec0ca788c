"""Helpers for billing tests: a billing-only platform on a clock the test moves,
principals, tokens signed at that clock, and the facts other services publish (agreements,
scenarios, grants, products, resources, usage, trades) put straight onto the bus."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from contracts.envelope import SYSTEM_ACTOR, Envelope, Role, decode, new_envelope, to_builtins
from contracts.events import (
    AgreementSigned,
    DataItem,
    GrantedResource,
    GrantIssued,
    Payload,
    ProductReleased,
    ResourceRegistered,
    ScenarioFiled,
    TradeExecuted,
    UsageMetered,
)
from contracts.topics import topic_for
from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.bus.embedded import EmbeddedBus
from libs.clock import FixedClock
from libs.outbox import to_message
from libs.runtime import Platform
from tests.support.platform import REGION, eventually, keyring, settings

Client = AsyncTestClient[Any]

OPERATOR_ORG = "org-370300-operator"
BUREAU = Principal(user_id="u-bur-1", org_id="org-370300-bureau", role=Role.BUREAU, region=REGION)
OPERATOR = Principal(user_id="u-op-1", org_id=OPERATOR_ORG, role=Role.OPERATOR, region=REGION)
OTHER_OPERATOR = Principal(
    user_id="u-op-9", org_id="org-370300-other-op", role=Role.OPERATOR, region=REGION
)
SUPERVISOR = Principal(
    user_id="u-sup-1", org_id="org-370300-market-sup", role=Role.SUPERVISOR, region=REGION
)
DEV_A = Principal(user_id="u-dev-a", org_id="org-370300-dev-a", role=Role.DEVELOPER, region=REGION)
DEV_B = Principal(user_id="u-dev-b", org_id="org-370300-dev-b", role=Role.DEVELOPER, region=REGION)
TAX = Principal(user_id="u-tax-1", org_id="org-370300-tax", role=Role.PROVIDER, region=REGION)
PUBLIC = Principal(user_id="u-pub-1", org_id="public", role=Role.PUBLIC, region=REGION)
COUNTY_BUREAU = Principal(
    user_id="u-bur-c", org_id="org-370303-bureau", role=Role.BUREAU, region="370303"
)
OTHER_CITY_BUREAU = Principal(
    user_id="u-bur-9", org_id="org-370100-bureau", role=Role.BUREAU, region="370100"
)

START = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
"""10 March 2026, 10:00 in Zibo: where the test clock starts."""


def billing_platform(tmp: Path, clock: FixedClock) -> Platform:
    """Billing alone, embedded, on ``clock`` (so months can end inside a test)."""
    return Platform(settings(tmp), ("billing",), clock=clock, secrets=keyring(tmp)).build()


def clock_of(p: Platform) -> FixedClock:
    assert isinstance(p.clock, FixedClock)
    return p.clock


async def auth(p: Platform, who: Principal, *, ttl: int = 3600) -> dict[str, str]:
    """A bearer token signed at the platform's clock."""
    assert p.secrets is not None
    issuer = TokenIssuer(p.secrets, p.clock, region=p.settings.region)
    return {"Authorization": f"Bearer {await issuer.issue(who, ttl_seconds=ttl)}"}


def envelope(payload: Payload, *, subject: str, at: datetime | None = None) -> Envelope:
    return new_envelope(payload, region=REGION, actor=SYSTEM_ACTOR, subject=subject, occurred_at=at)


async def publish(p: Platform, env: Envelope) -> Envelope:
    """Put an event on the bus as its producer's relay would (again: a redelivery)."""
    assert p.bus is not None
    await p.bus.publish(to_message({"envelope": to_builtins(env), "headers": {}}))
    return env


def published(p: Platform, event_type: str) -> list[Envelope]:
    assert isinstance(p.bus, EmbeddedBus)
    topic = topic_for(event_type).name(REGION)
    found = (decode(m.value) for m in p.bus.read_topic(topic))
    return [e for e in found if e.type == event_type]


def agreement_signed(starts_on: date = date(2026, 1, 1), operator: str = OPERATOR_ORG) -> Envelope:
    return envelope(
        AgreementSigned(
            agreement_id=f"agr-{operator}",
            operator_org_id=operator,
            mode="whole",
            starts_on=starts_on,
            ends_on=date(starts_on.year + 5, starts_on.month, starts_on.day),
        ),
        subject=f"agr-{operator}",
    )


def scenario_filed(scenario_id: str, scenario_class: str) -> Envelope:
    return envelope(
        ScenarioFiled(
            scenario_id=scenario_id,
            operator_org_id=OPERATOR_ORG,
            name=scenario_id,
            domain="finance",
            purpose="普惠金融",
            expected_value="",
            scenario_class=scenario_class,
            next_review_on=date(2027, 1, 1),
        ),
        subject=scenario_id,
    )


def resource_registered(resource_id: str, provider_org_id: str) -> Envelope:
    return envelope(
        ResourceRegistered(
            resource_id=resource_id,
            provider_org_id=provider_org_id,
            name="企业纳税信息",
            description="",
            category="tax",
            update_frequency="monthly",
            source_system="金税三期",
            items=[DataItem(name="credit_code", type="string", grade=2)],
            registration_code=f"reg-{resource_id}",
            evidence_hash="0" * 64,
        ),
        subject=resource_id,
    )


def grant_issued(
    grant_id: str, developer: str, resource_ids: list[str], scenario_id: str
) -> Envelope:
    return envelope(
        GrantIssued(
            grant_id=grant_id,
            application_id=f"app-{grant_id}",
            scenario_id=scenario_id,
            developer_org_id=developer,
            purpose="credit",
            resources=[GrantedResource(resource_id=r, items=["credit_code"]) for r in resource_ids],
            valid_from=START,
            valid_until=START + timedelta(days=365),
            scenario_class="commercial",
            operator_org_id=OPERATOR_ORG,
        ),
        subject=grant_id,
    )


def product_released(product_id: str, developer: str, grant_id: str) -> Envelope:
    return envelope(
        ProductReleased(
            product_id=product_id,
            version=1,
            name=product_id,
            kind="api",
            developer_org_id=developer,
            registration_code=f"reg-{product_id}",
            certificate_id=f"cert-{product_id}",
            grant_id=grant_id,
        ),
        subject=product_id,
    )


def usage(
    customer: str,
    quantity: int,
    *,
    at: datetime,
    product_id: str = "prod-credit",
    unit: str = "call",
    scenario_id: str = "",
    metered_at: datetime | None = None,
) -> Envelope:
    """A ``usage.metered`` event occurring ``at``; ``metered_at``: the use happened then
    (a verification call staged with its batch later)."""
    usage_id = f"use-{uuid.uuid4().hex[:12]}"
    return envelope(
        UsageMetered(
            usage_id=usage_id,
            customer_org_id=customer,
            unit=unit,
            quantity=quantity,
            product_id=product_id,
            scenario_id=scenario_id,
            metered_at=metered_at,
        ),
        subject=usage_id,
        at=at,
    )


def trade_executed(
    buyer: str, product_id: str, quantity: int, amount_fen: int, *, at: datetime
) -> Envelope:
    trade_id = f"trade-{uuid.uuid4().hex[:12]}"
    return envelope(
        TradeExecuted(
            trade_id=trade_id,
            listing_id=f"lst-{product_id}",
            product_id=product_id,
            buyer_org_id=buyer,
            quantity=quantity,
            amount_fen=amount_fen,
        ),
        subject=trade_id,
        at=at,
    )


async def metered(p: Platform) -> int:
    """How many uses billing has stored."""
    return await p.running["billing"].store.count("metered_uses")


def problem_of(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    return body


async def _count(p: Platform, collection: str) -> int:
    return await p.running["billing"].store.count(collection)


async def market(p: Platform, client: Client) -> None:
    """Operator, scenarios, a resource of the tax bureau, DEV_B's grant and product, a cap
    and a price of 20 fen per call."""
    for env_ in (
        agreement_signed(date(2026, 1, 1)),
        scenario_filed("sc-public", "public_interest"),
        scenario_filed("sc-key", "commercial"),
        scenario_filed("sc-plain", "commercial"),
        resource_registered("res-tax", TAX.org_id),
        grant_issued("g-1", DEV_B.org_id, ["res-tax"], "sc-plain"),
        product_released("prod-credit", DEV_B.org_id, "g-1"),
    ):
        await publish(p, env_)

    async def projected() -> bool:
        return (await _count(p, "products"), await _count(p, "agreements")) == (1, 1)

    await eventually(projected)
    bureau = await auth(p, BUREAU)
    assert (
        await client.put("/billing/caps/prod-credit/call", json={"cap_fen": 30}, headers=bureau)
    ).status_code == 200
    r = await client.post(
        "/billing/prices",
        json={"product_id": "prod-credit", "unit": "call", "unit_price_fen": 20},
        headers=await auth(p, OPERATOR),
    )
    assert r.status_code == 201
