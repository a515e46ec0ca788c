"""Helpers for request-review tests: who is who, upstream facts published onto the bus
as identity, catalog and product-release would, and the HTTP steps of a review."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from contracts.envelope import SYSTEM_ACTOR, Envelope, Role, decode, new_envelope, to_builtins
from contracts.events import (
    AgreementExpired,
    AgreementReinstated,
    AgreementSigned,
    AgreementSuspended,
    AgreementTerminated,
    DataItem,
    DeveloperAdmitted,
    DeveloperRemoved,
    ExportRejected,
    Payload,
    ResourceChanged,
    ResourceNegativeListed,
    ResourcePublished,
    ResourceRegistered,
    ResourceWithdrawn,
)
from contracts.topics import topics_produced_by
from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.bus.inbox import Inbox
from libs.bus.port import Message
from libs.clock import FixedClock
from libs.http.gateway import gateway
from libs.outbox import to_message
from libs.runtime import Platform
from tests.support.platform import eventually, keyring, settings

REGION = "370300"
PREFIX = "/request_review"
"""Where the gateway mounts the service (``/<service name>``)."""
BUREAU = Principal(
    user_id="u-bureau-1", org_id="org-370300-bureau", role=Role.BUREAU, region=REGION
)
COUNTY_BUREAU = Principal(
    user_id="u-cb-1", org_id="org-370303-bureau", role=Role.BUREAU, region="370303"
)
OPERATOR = Principal(user_id="u-op-1", org_id="org-operator-1", role=Role.OPERATOR, region=REGION)
OTHER_OPERATOR = Principal(
    user_id="u-op-2", org_id="org-operator-2", role=Role.OPERATOR, region=REGION
)
DEVELOPER = Principal(user_id="u-dev-1", org_id="org-dev-1", role=Role.DEVELOPER, region=REGION)
OTHER_DEVELOPER = Principal(
    user_id="u-dev-2", org_id="org-dev-2", role=Role.DEVELOPER, region=REGION
)
TAX = Principal(user_id="u-tax-1", org_id="org-370300-tax", role=Role.PROVIDER, region=REGION)
MARKET = Principal(user_id="u-mkt-1", org_id="org-370300-market", role=Role.PROVIDER, region=REGION)
HEALTH_AUTHORITY = Principal(
    user_id="u-hw-1", org_id="org-370300-health", role=Role.PROVIDER, region=REGION
)
SUPERVISOR = Principal(
    user_id="u-sup-1", org_id="org-370300-cac", role=Role.SUPERVISOR, region=REGION
)
OTHER_CITY_BUREAU = Principal(
    user_id="u-jn-1", org_id="org-370100-bureau", role=Role.BUREAU, region="370100"
)

AGREEMENT = "agr-whole-1"
DOMAIN_AGREEMENT = "agr-health-1"
TAX_RESOURCE = "res-tax-1"
MARKET_RESOURCE = "res-market-1"
HEALTH_RESOURCE = "res-health-1"
TAX_ITEMS = ["credit_code", "tax_paid_fen", "legal_person_id"]
MARKET_ITEMS = ["credit_code", "registered_capital"]


async def publish(
    p: Platform, payload: Payload, subject: str, *, at: datetime | None = None
) -> Envelope:
    """Put one upstream event on the bus, as its producer's outbox relay would."""
    envelope = new_envelope(
        payload, region=REGION, actor=SYSTEM_ACTOR, subject=subject, occurred_at=at
    )
    assert p.bus is not None
    await p.bus.publish(to_message({"envelope": to_builtins(envelope)}))
    return envelope


async def handled(p: Platform, *envelopes: Envelope) -> None:
    """Wait until request-review's consumer has handled every given event."""
    inbox = Inbox(p.running["request_review"].store, "request_review")
    ids = [str(e.event_id) for e in envelopes]

    async def probe() -> bool:
        return len(await inbox.seen(ids)) == len(ids)

    await eventually(probe)


async def upstream(p: Platform, *events: tuple[Payload, str]) -> list[Envelope]:
    sent = [await publish(p, payload, subject) for payload, subject in events]
    await handled(p, *sent)
    return sent


def admitted(dev: Principal = DEVELOPER) -> tuple[Payload, str]:
    return (
        DeveloperAdmitted(
            developer_org_id=dev.org_id,
            operator_org_id=OPERATOR.org_id,
            development_agreement_id=f"dev-agr-{dev.org_id}",
        ),
        dev.org_id,
    )


def removed(dev: Principal = DEVELOPER) -> tuple[Payload, str]:
    return (
        DeveloperRemoved(
            developer_org_id=dev.org_id, operator_org_id=OPERATOR.org_id, reason="违规"
        ),
        dev.org_id,
    )


def signed(
    agreement_id: str = AGREEMENT,
    *,
    operator: Principal = OPERATOR,
    mode: str = "whole",
    starts_on: date = date(2026, 1, 1),
    ends_on: date = date(2028, 12, 31),
    domain: str = "",
    authority: str = "",
) -> tuple[Payload, str]:
    return (
        AgreementSigned(
            agreement_id=agreement_id,
            operator_org_id=operator.org_id,
            mode=mode,
            starts_on=starts_on,
            ends_on=ends_on,
            domain=domain,
            industry_authority_org_id=authority,
        ),
        agreement_id,
    )


def suspended(agreement_id: str = AGREEMENT) -> tuple[Payload, str]:
    return (
        AgreementSuspended(
            agreement_id=agreement_id,
            operator_org_id=OPERATOR.org_id,
            reason="数据安全问题",
            correction_due=date(2026, 6, 30),
        ),
        agreement_id,
    )


def reinstated(agreement_id: str = AGREEMENT) -> tuple[Payload, str]:
    return (
        AgreementReinstated(agreement_id=agreement_id, operator_org_id=OPERATOR.org_id),
        agreement_id,
    )


def terminated(agreement_id: str = AGREEMENT) -> tuple[Payload, str]:
    return (
        AgreementTerminated(
            agreement_id=agreement_id, operator_org_id=OPERATOR.org_id, reason="未整改"
        ),
        agreement_id,
    )


def expired(agreement_id: str = AGREEMENT) -> tuple[Payload, str]:
    return (
        AgreementExpired(agreement_id=agreement_id, operator_org_id=OPERATOR.org_id),
        agreement_id,
    )


def registered(resource_id: str, provider: Principal, items: list[str]) -> tuple[Payload, str]:
    return (
        ResourceRegistered(
            resource_id=resource_id,
            provider_org_id=provider.org_id,
            name=f"资源 {resource_id}",
            description="",
            category="tax",
            update_frequency="monthly",
            source_system="system",
            items=[DataItem(name=i, type="string", grade=2) for i in items],
            registration_code=f"REG-{resource_id}",
            evidence_hash="0" * 64,
        ),
        resource_id,
    )


def published(resource_id: str, provider: Principal, items: list[str]) -> tuple[Payload, str]:
    return (
        ResourcePublished(
            resource_id=resource_id,
            provider_org_id=provider.org_id,
            registration_code=f"REG-{resource_id}",
            evidence_hash="0" * 64,
            items=items,
        ),
        resource_id,
    )


def withheld(
    resource_id: str, provider: Principal, items: list[str], item: str
) -> tuple[Payload, str]:
    return (
        ResourceChanged(
            resource_id=resource_id,
            provider_org_id=provider.org_id,
            name=f"资源 {resource_id}",
            description="",
            category="tax",
            update_frequency="monthly",
            source_system="system",
            items=[DataItem(name=i, type="string", grade=2) for i in items],
            registration_code=f"REG-{resource_id}",
            evidence_hash="0" * 64,
            withheld_items=[item],
        ),
        resource_id,
    )


def negative_listed(resource_id: str, provider: Principal) -> tuple[Payload, str]:
    return (
        ResourceNegativeListed(
            resource_id=resource_id, provider_org_id=provider.org_id, reason="涉及国家安全"
        ),
        resource_id,
    )


def withdrawn(resource_id: str, provider: Principal) -> tuple[Payload, str]:
    return (
        ResourceWithdrawn(
            resource_id=resource_id,
            provider_org_id=provider.org_id,
            registration_code=f"REG-{resource_id}-X",
            reason="注销",
            cause="cancellation",
        ),
        resource_id,
    )


def export_rejected(export_id: str, grant_id: str) -> tuple[Payload, str]:
    return (
        ExportRejected(
            export_id=export_id, sandbox_id=f"sbx-pro-{grant_id}", reason="最小单元格计数不足"
        ),
        export_id,
    )


async def standard_city(p: Platform) -> None:
    """An active whole authorization, an admitted developer, two published resources."""
    await upstream(
        p,
        signed(),
        admitted(),
        admitted(OTHER_DEVELOPER),
        registered(TAX_RESOURCE, TAX, TAX_ITEMS),
        published(TAX_RESOURCE, TAX, TAX_ITEMS),
        registered(MARKET_RESOURCE, MARKET, MARKET_ITEMS),
        published(MARKET_RESOURCE, MARKET, MARKET_ITEMS),
    )


class Desk:
    """HTTP steps against the gateway, with tokens signed on the platform's clock."""

    def __init__(self, p: Platform, client: AsyncTestClient[Any], clock: FixedClock) -> None:
        self.p, self.client, self.clock = p, client, clock

    async def as_(self, who: Principal) -> dict[str, str]:
        assert self.p.secrets is not None
        issuer = TokenIssuer(self.p.secrets, self.clock, region=REGION)
        return {"Authorization": f"Bearer {await issuer.issue(who, ttl_seconds=600)}"}

    async def post(self, path: str, body: Any, who: Principal) -> Any:
        return await self.client.post(f"{PREFIX}{path}", json=body, headers=await self.as_(who))

    async def get(self, path: str, who: Principal) -> Any:
        return await self.client.get(f"{PREFIX}{path}", headers=await self.as_(who))

    async def file_scenario(
        self, *, domain: str = "金融", who: Principal = OPERATOR, **overrides: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": "普惠金融信用评估",
            "domain": domain,
            "purpose": "为小微企业授信提供纳税信用评估",
            "expected_value": "降低小微企业融资成本",
            "scenario_class": "commercial",
        }
        body.update(overrides)
        r = await self.post("/scenarios", body, who)
        assert r.status_code == 201, r.text
        found: dict[str, Any] = r.json()
        return found

    async def apply(
        self,
        scenario_id: str,
        *,
        who: Principal = DEVELOPER,
        resources: list[dict[str, Any]] | None = None,
        expect: int = 201,
        **overrides: Any,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "scenario_id": scenario_id,
            "purpose": "评估企业纳税信用",
            "resources": resources
            if resources is not None
            else [
                request_line(TAX_RESOURCE, "credit_code", "tax_paid_fen"),
                request_line(MARKET_RESOURCE, "credit_code"),
            ],
        }
        body.update(overrides)
        r = await self.post("/applications", body, who)
        assert r.status_code == expect, r.text
        found: dict[str, Any] = r.json()
        return found

    async def review(
        self,
        application_id: str,
        who: Principal,
        decision: str = "approve",
        *,
        expect: int = 200,
        **extra: Any,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "decision": decision,
            "opinion": "同意" if decision == "approve" else "不同意",
        }
        body.update(extra)
        r = await self.post(f"/applications/{application_id}/reviews", body, who)
        assert r.status_code == expect, r.text
        found: dict[str, Any] = r.json()
        return found


def request_line(resource_id: str, *items: str) -> dict[str, Any]:
    return {
        "resource_id": resource_id,
        "items": [{"name": i, "justification": f"评估需要 {i}"} for i in items],
    }


START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
"""09:00 on Monday 2 March 2026 in Zibo."""


class Observer:
    """Collects every envelope request-review publishes (subscribed before start)."""

    def __init__(self, p: Platform) -> None:
        self.seen: list[Envelope] = []
        assert p.bus is not None
        topics = sorted({t.name(REGION) for t in topics_produced_by("request_review")})
        p.bus.subscribe(topics, "test-observer", self._collect)

    async def _collect(self, batch: list[Message]) -> None:
        self.seen.extend(decode(m.value) for m in batch)

    def of(self, event_type: str) -> list[Envelope]:
        return [e for e in self.seen if e.type == event_type]

    async def wait_for(self, event_type: str, count: int = 1) -> list[Envelope]:
        async def probe() -> list[Envelope] | None:
            found = self.of(event_type)
            return found if len(found) >= count else None

        return await eventually(probe)


@asynccontextmanager
async def open_desk(
    tmp: Path,
    services: tuple[str, ...] = ("request_review",),
    *,
    operating_zones: tuple[dict[str, Any], ...] = (),
    parents: tuple[str, ...] = (),
) -> AsyncIterator[tuple[Desk, Observer]]:
    """``operating_zones``: the platform's configured zones (运营专区, FED-3);
    ``parents``: the regions above whose public streams it reads (FED-1, FED-2)."""
    clock = FixedClock(START)
    chosen = dataclasses.replace(settings(tmp), operating_zones=operating_zones, parents=parents)
    p = Platform(chosen, services, clock=clock, secrets=keyring(tmp)).build()
    observer = Observer(p)
    async with AsyncTestClient(app=gateway(p)) as client:
        yield Desk(p, client, clock), observer
