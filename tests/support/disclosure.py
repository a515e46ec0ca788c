"""Helpers for disclosure end-to-end tests: the public events other services would publish
(put straight onto the bus), reading what disclosure published, and downloading the
transparency log's files the way a citizen would (for ``pdo verify``)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from contracts.envelope import SYSTEM_ACTOR, Envelope, decode, new_envelope, to_builtins
from contracts.events import (
    AgreementSigned,
    AgreementSuspended,
    ApplicationDecided,
    DataItem,
    GrantedResource,
    GrantIssued,
    Payload,
    PriceListed,
    ProductReleased,
    ResourcePublished,
    ResourceRegistered,
    ResourceWithdrawn,
    ScenarioFiled,
    VerificationSpec,
)
from contracts.topics import topic_for
from libs.bus.embedded import EmbeddedBus
from libs.outbox import to_message
from libs.runtime import Platform
from tests.support.platform import REGION, eventually

OPERATOR_ORG = "org-370300-operator"
DEVELOPER_ORG = "org-dev-1"


async def publish(
    p: Platform, payload: Payload, *, subject: str, again: Envelope | None = None
) -> Envelope:
    """Put an event on the bus as its producer's relay would (``again``: redeliver it)."""
    envelope = again or new_envelope(payload, region=REGION, actor=SYSTEM_ACTOR, subject=subject)
    assert p.bus is not None
    await p.bus.publish(to_message({"envelope": to_builtins(envelope), "headers": {}}))
    return envelope


def published(p: Platform, event_type: str) -> list[Envelope]:
    """Every event of ``event_type`` on its topic, in order."""
    assert isinstance(p.bus, EmbeddedBus)
    topic = topic_for(event_type).name(REGION)
    found = (decode(m.value) for m in p.bus.read_topic(topic))
    return [e for e in found if e.type == event_type]


def resource_registered() -> tuple[Payload, str]:
    """The registration the withdrawal in ``public_events`` follows (a listing, no record)."""
    return (
        ResourceRegistered(
            resource_id="res-tax",
            provider_org_id="org-370300-tax",
            name="企业纳税信息",
            description="全市企业月度纳税汇总",
            category="tax",
            update_frequency="monthly",
            source_system="金税三期",
            items=[DataItem(name="credit_code", type="string", grade=2)],
            registration_code="370300R000001",
            evidence_hash="ab" * 32,
        ),
        "res-tax",
    )


async def publish_all(p: Platform, events: list[tuple[Payload, str]]) -> list[Envelope]:
    """Publish events in order; the resource's registration goes first, as in life."""
    payload, subject = resource_registered()
    await publish(p, payload, subject=subject)
    return [await publish(p, payload, subject=s) for payload, s in events]


def public_events() -> list[tuple[Payload, str]]:
    """One event of each disclosed kind, with its subject, in a plausible order."""
    now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    return [
        (
            AgreementSigned(
                agreement_id="agr-1",
                operator_org_id=OPERATOR_ORG,
                mode="whole",
                starts_on=date(2026, 1, 1),
                ends_on=date(2028, 12, 31),
                resource_scope=["res-tax"],
            ),
            "agr-1",
        ),
        (
            ResourcePublished(
                resource_id="res-tax",
                provider_org_id="org-370300-tax",
                registration_code="370300R000001",
                evidence_hash="ab" * 32,
                items=["credit_code", "tax_paid_fen"],
            ),
            "res-tax",
        ),
        (
            ScenarioFiled(
                scenario_id="scn-1",
                operator_org_id=OPERATOR_ORG,
                name="普惠金融信用评估",
                domain="finance",
                purpose="小微企业信用评估",
                expected_value="降低融资成本",
                scenario_class="commercial",
                next_review_on=date(2027, 3, 1),
            ),
            "scn-1",
        ),
        (
            ApplicationDecided(
                application_id="app-1",
                scenario_id="scn-1",
                developer_org_id=DEVELOPER_ORG,
                decision="approved",
            ),
            "app-1",
        ),
        (
            GrantIssued(
                grant_id="grant-1",
                application_id="app-1",
                scenario_id="scn-1",
                developer_org_id=DEVELOPER_ORG,
                purpose="小微企业信用评估",
                resources=[
                    GrantedResource(
                        resource_id="res-tax",
                        items=["credit_code", "tax_paid_fen"],
                        row_filter="region = '370303'",
                        masking={"credit_code": "tokenize"},
                    )
                ],
                valid_from=now,
                valid_until=now + timedelta(days=365),
                scenario_class="commercial",
                operator_org_id=OPERATOR_ORG,
            ),
            "grant-1",
        ),
        (
            ProductReleased(
                product_id="prod-1",
                version=1,
                name="企业信用评分",
                kind="verification",
                developer_org_id=DEVELOPER_ORG,
                registration_code="370300P000001",
                certificate_id="cert-1",
                verification=VerificationSpec(
                    sandbox_id="sbx-1",
                    output_name="scores",
                    key_column="credit_code",
                    answer_column="score",
                    answers=["A", "B"],
                ),
                scenario_id="scn-1",
            ),
            "prod-1",
        ),
        (
            PriceListed(price_id="price-1", product_id="prod-1", unit="call", unit_price_fen=50),
            "prod-1",
        ),
        (
            AgreementSuspended(
                agreement_id="agr-1",
                operator_org_id=OPERATOR_ORG,
                reason="整改",
                correction_due=date(2026, 6, 30),
            ),
            "agr-1",
        ),
        (
            ResourceWithdrawn(
                resource_id="res-tax",
                provider_org_id="org-370300-tax",
                registration_code="370300R000009",
                reason="注销",
                cause="cancellation",
            ),
            "res-tax",
        ),
    ]


async def signed_size(client: AsyncTestClient[Any], size: int) -> dict[str, Any]:
    """Wait until the latest signed tree head covers ``size`` entries; return it."""

    async def probe() -> dict[str, Any] | None:
        r = await client.get("/disclosure/log/tree-head")
        body: dict[str, Any] = r.json()
        return body if r.status_code == 200 and body["tree_size"] >= size else None

    return await eventually(probe)


async def fetch(client: AsyncTestClient[Any], url: str) -> dict[str, Any]:
    """GET ``url`` and return the JSON body (a citizen then saves it: ``write_json``)."""
    response = await client.get(url)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def read_json(path: Path) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return value


def write_json(path: Path, value: dict[str, Any]) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
