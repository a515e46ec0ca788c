"""Helpers of evaluation tests: principals, a platform on a clock the test moves, the
facts other services publish put straight onto the bus, and the events evaluation
publishes read back from the embedded log."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from contracts.envelope import SYSTEM_ACTOR, Actor, Envelope, Role, decode, encode, new_envelope
from contracts.events import (
    AgreementSigned,
    ApplicationDecided,
    ApplicationSubmitted,
    InvoiceIssued,
    ObjectionEscalated,
    ObjectionRaised,
    ObjectionResolved,
    Payload,
    ProductReleased,
    RequestedResource,
    ResourcePublished,
    ResourceRegistered,
    ScenarioFiled,
    UsageMetered,
)
from contracts.topics import topic_for
from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.bus.embedded import EmbeddedBus
from libs.bus.port import Message
from libs.clock import FixedClock
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.platform import eventually, keyring, settings

REGION = "370300"
BUREAU = Principal(
    user_id="u-bureau-1", org_id="org-370300-bureau", role=Role.BUREAU, region=REGION
)
OPERATOR = Principal(
    user_id="u-op-1", org_id="org-370300-operator", role=Role.OPERATOR, region=REGION
)
OTHER_OPERATOR = Principal(
    user_id="u-op-9", org_id="org-370300-operator-2", role=Role.OPERATOR, region=REGION
)
SUPERVISOR = Principal(
    user_id="u-sup-1", org_id="org-370300-cac", role=Role.SUPERVISOR, region=REGION
)
DEVELOPER = Principal(user_id="u-dev-1", org_id="org-dev-1", role=Role.DEVELOPER, region=REGION)
TAX = Principal(user_id="u-tax-1", org_id="org-370300-tax", role=Role.PROVIDER, region=REGION)
MARKET = Principal(user_id="u-mkt-1", org_id="org-370300-market", role=Role.PROVIDER, region=REGION)
COUNTY_BUREAU = Principal(
    user_id="u-cb-1", org_id="org-370303-bureau", role=Role.BUREAU, region="370303"
)
OTHER_CITY_BUREAU = Principal(
    user_id="u-jn-1", org_id="org-370100-bureau", role=Role.BUREAU, region="370100"
)
PUBLIC = Principal(user_id="u-pub-1", org_id="public", role=Role.PUBLIC, region=REGION)

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 on 2 March 2026 in Zibo
STATEMENTS = {
    "authorized_storage": "授权数据存储于市政务云专区，分级加密",
    "development_and_use": "全年开发数据产品，服务普惠金融与城市治理",
    "market_operation": "经数据交易所挂牌交易，按指导价收费",
    "security_and_compliance": "未发生重大安全事件，完成两次应急演练",
}


@dataclass
class Desk:
    """The platform on a fixed clock, a client of its gateway, tokens on that clock."""

    p: Platform
    clock: FixedClock
    client: AsyncTestClient[Any]

    async def as_(self, who: Principal) -> dict[str, str]:
        assert self.p.secrets is not None
        issuer = TokenIssuer(self.p.secrets, self.clock, region=REGION)
        return {"Authorization": f"Bearer {await issuer.issue(who, ttl_seconds=600)}"}

    async def call(
        self, method: str, path: str, who: Principal, body: Any = None, *, expect: int = 200
    ) -> Any:
        response = await self.client.request(
            method, f"/evaluation{path}", json=body, headers=await self.as_(who)
        )
        assert response.status_code == expect, response.text
        return response.json()

    async def publish(
        self,
        payload: Payload,
        *,
        subject: str,
        actor: Actor = SYSTEM_ACTOR,
        again: Envelope | None = None,
    ) -> Envelope:
        """Put one event on the bus as its producer's relay would (``again``: redeliver)."""
        return await publish(
            self.p, payload, subject=subject, actor=actor, occurred_at=self.clock.now(), again=again
        )

    async def settled(self) -> None:
        """Wait until evaluation has consumed everything published so far."""
        assert isinstance(self.p.bus, EmbeddedBus)
        bus = self.p.bus

        async def probe() -> bool:
            return bus.lag("evaluation") == 0

        await eventually(probe)


async def publish(
    p: Platform,
    payload: Payload,
    *,
    subject: str,
    actor: Actor = SYSTEM_ACTOR,
    occurred_at: datetime | None = None,
    again: Envelope | None = None,
) -> Envelope:
    assert p.bus is not None
    envelope = again or new_envelope(
        payload, region=REGION, actor=actor, subject=subject, occurred_at=occurred_at
    )
    topic = topic_for(envelope.type).name(REGION)
    await p.bus.publish(Message(topic=topic, key=envelope.subject, value=encode(envelope)))
    return envelope


@contextlib.asynccontextmanager
async def desk(
    tmp: Path, services: Sequence[str] = ("evaluation",), *, at: datetime = START
) -> AsyncIterator[Desk]:
    clock = FixedClock(at)
    p = Platform(settings(tmp), tuple(services), clock=clock, secrets=keyring(tmp)).build()
    async with AsyncTestClient(app=gateway(p)) as client:
        yield Desk(p, clock, client)


def published(p: Platform, event_type: str) -> list[Envelope]:
    """Events of one type evaluation (or identity) published so far, in log order."""
    assert isinstance(p.bus, EmbeddedBus)
    topic = topic_for(event_type).name(REGION)
    return [e for e in (decode(m.value) for m in p.bus.read_topic(topic)) if e.type == event_type]


async def published_eventually(p: Platform, event_type: str, count: int = 1) -> list[Envelope]:
    async def probe() -> list[Envelope] | None:
        found = published(p, event_type)
        return found if len(found) >= count else None

    return await eventually(probe)


# -- facts of other services -----------------------------------------------------------


def agreement(operator: Principal = OPERATOR, agreement_id: str = "agr-1") -> AgreementSigned:
    return AgreementSigned(
        agreement_id=agreement_id,
        operator_org_id=operator.org_id,
        mode="whole",
        starts_on=date(2026, 1, 1),
        ends_on=date(2028, 12, 31),
    )


def scenario(scenario_id: str, operator: Principal = OPERATOR) -> ScenarioFiled:
    return ScenarioFiled(
        scenario_id=scenario_id,
        operator_org_id=operator.org_id,
        name=f"场景 {scenario_id}",
        domain="finance",
        purpose="普惠金融授信",
        expected_value="降低小微企业融资成本",
        scenario_class="commercial",
        next_review_on=date(2027, 3, 1),
    )


def product(product_id: str, scenario_id: str = "") -> ProductReleased:
    return ProductReleased(
        product_id=product_id,
        version=1,
        name=f"产品 {product_id}",
        kind="dataset",
        developer_org_id=DEVELOPER.org_id,
        registration_code="370300P00000000013",
        certificate_id=f"cert-{product_id}",
        scenario_id=scenario_id,
    )


def usage(
    usage_id: str, quantity: int, *, product_id: str = "", scenario_id: str = ""
) -> UsageMetered:
    return UsageMetered(
        usage_id=usage_id,
        customer_org_id=DEVELOPER.org_id,
        unit="per_call",
        quantity=quantity,
        product_id=product_id,
        scenario_id=scenario_id,
    )


def invoice(invoice_id: str, total_fen: int, period: str = "2026-06") -> InvoiceIssued:
    return InvoiceIssued(
        invoice_id=invoice_id,
        customer_org_id=DEVELOPER.org_id,
        period=period,
        total_fen=total_fen,
        line_count=1,
    )


def registered(resource_id: str, provider: Principal = TAX) -> ResourceRegistered:
    return ResourceRegistered(
        resource_id=resource_id,
        provider_org_id=provider.org_id,
        name=f"资源 {resource_id}",
        description="全市企业月度纳税汇总",
        category="tax",
        update_frequency="monthly",
        source_system="金税三期",
        items=[],
        registration_code="370300R00000000011",
        evidence_hash="0" * 64,
    )


def published_resource(resource_id: str, provider: Principal = TAX) -> ResourcePublished:
    return ResourcePublished(
        resource_id=resource_id,
        provider_org_id=provider.org_id,
        registration_code="370300R00000000011",
        evidence_hash="0" * 64,
        items=["credit_code"],
    )


def objection(objection_id: str, resource_id: str, provider: Principal = TAX) -> ObjectionRaised:
    return ObjectionRaised(
        objection_id=objection_id,
        resource_id=resource_id,
        raised_by_org_id=DEVELOPER.org_id,
        description="数据与实际不符",
        due_on=date(2026, 3, 17),
        provider_org_id=provider.org_id,
    )


def resolved(objection_id: str, resource_id: str) -> ObjectionResolved:
    return ObjectionResolved(
        objection_id=objection_id, resource_id=resource_id, resolution="已更正"
    )


def escalated(objection_id: str, resource_id: str, provider: Principal = TAX) -> ObjectionEscalated:
    return ObjectionEscalated(
        objection_id=objection_id,
        resource_id=resource_id,
        provider_org_id=provider.org_id,
        due_on=date(2026, 3, 17),
    )


def application(application_id: str, scenario_id: str, *resource_ids: str) -> ApplicationSubmitted:
    return ApplicationSubmitted(
        application_id=application_id,
        scenario_id=scenario_id,
        developer_org_id=DEVELOPER.org_id,
        resources=[RequestedResource(resource_id=r, items=["credit_code"]) for r in resource_ids],
    )


def decided(
    application_id: str, scenario_id: str, decision: str = "approved"
) -> ApplicationDecided:
    return ApplicationDecided(
        application_id=application_id,
        scenario_id=scenario_id,
        developer_org_id=DEVELOPER.org_id,
        decision=decision,
    )
