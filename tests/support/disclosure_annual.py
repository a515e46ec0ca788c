"""Helpers for the annual disclosure report (DIS-2) and the public pages: one city's year
of events as their producers would publish them, their facts, and a disclosure platform
running the annual controllers and fact handlers next to what bootstrap already wires
(its own consumer group and a gateway mounting only the new routes under /disclosure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from litestar import Litestar

from contracts.envelope import Actor, Envelope, Role, new_envelope, to_builtins
from contracts.events import (
    AgreementSigned,
    AgreementSuspended,
    ApplicationDecided,
    DataItem,
    MaxRevenueSet,
    OrgRegistered,
    Payload,
    PriceCapSet,
    PriceListed,
    PriceTier,
    ProductReleased,
    ResourcePublished,
    ResourceRegistered,
    ScenarioFiled,
)
from libs.clock import Clock, SystemClock
from libs.http.gateway import gateway
from libs.outbox import to_message
from libs.runtime import Platform
from services.disclosure.domain.annual_report import Fact, fact_from
from tests.support.platform import REGION, keyring, settings

BUREAU_ORG = "org-370300-bureau"
OPERATOR_ORG = "org-370300-operator"
PROVIDER_ORG = "org-370300-tax"
DEVELOPER_ORG = "org-dev-1"

BUREAU = Actor(org_id=BUREAU_ORG, user_id="u-bureau-1", role=Role.BUREAU)
OPERATOR = Actor(org_id=OPERATOR_ORG, user_id="u-op-1", role=Role.OPERATOR)
PROVIDER = Actor(org_id=PROVIDER_ORG, user_id="u-tax-1", role=Role.PROVIDER)
DEVELOPER = Actor(org_id=DEVELOPER_ORG, user_id="u-dev-1", role=Role.DEVELOPER)


@dataclass(frozen=True)
class Happened:
    """One event of the story: what, about which aggregate, when and by whom."""

    payload: Payload
    subject: str
    at: datetime
    actor: Actor


def at(y: int, m: int, d: int, hour: int = 2) -> datetime:
    """A UTC moment (02:00 UTC is 10:00 in China: the same calendar day)."""
    return datetime(y, m, d, hour, tzinfo=UTC)


def org(org_id: str, name: str, role: str, credit_code: str, when: datetime) -> Happened:
    payload = OrgRegistered(
        org_id=org_id, name=name, role=role, region=REGION, credit_code=credit_code
    )
    return Happened(payload, org_id, when, BUREAU)


def product(
    product_id: str, name: str, code: str, when: datetime, *, scenario_id: str = "scn-1"
) -> Happened:
    payload = ProductReleased(
        product_id=product_id,
        version=1,
        name=name,
        kind="table",
        developer_org_id=DEVELOPER_ORG,
        registration_code=code,
        certificate_id=f"cert-{product_id}",
        scenario_id=scenario_id,
    )
    return Happened(payload, product_id, when, OPERATOR)


def price(product_id: str, fen: int, when: datetime, *, unit: str = "call") -> Happened:
    payload = PriceListed(
        price_id=f"price-{product_id}-{unit}-{fen}",
        product_id=product_id,
        unit=unit,
        unit_price_fen=fen,
        tiers=[PriceTier(from_quantity=1000, unit_price_fen=fen // 2)],
    )
    return Happened(payload, product_id, when, OPERATOR)


def cap(product_id: str, fen: int, when: datetime, *, unit: str = "call") -> Happened:
    return Happened(
        PriceCapSet(product_id=product_id, unit=unit, cap_fen=fen), product_id, when, BUREAU
    )


def city_year(product_name: str = "企业信用评分") -> list[Happened]:
    """A city's 2026: the parties, one whole authorization, one resource in the operation
    catalog, one approved scenario, one released product with its cap and price."""
    return [
        org(BUREAU_ORG, "淄博市大数据局", "bureau", "11370300MB2853210X", at(2025, 12, 1)),
        org(
            OPERATOR_ORG, "淄博数据运营有限公司", "operator", "91370300MA3C4U8X1Y", at(2025, 12, 2)
        ),
        org(PROVIDER_ORG, "淄博市税务局", "provider", "11370300004381234Q", at(2025, 12, 3)),
        Happened(
            ResourceRegistered(
                resource_id="res-tax",
                provider_org_id=PROVIDER_ORG,
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
            at(2026, 1, 5),
            PROVIDER,
        ),
        Happened(
            ResourcePublished(
                resource_id="res-tax",
                provider_org_id=PROVIDER_ORG,
                registration_code="370300R000001",
                evidence_hash="ab" * 32,
                items=["credit_code"],
            ),
            "res-tax",
            at(2026, 1, 10),
            BUREAU,
        ),
        Happened(
            AgreementSigned(
                agreement_id="agr-1",
                operator_org_id=OPERATOR_ORG,
                mode="whole",
                starts_on=date(2026, 1, 15),
                ends_on=date(2029, 1, 14),
            ),
            "agr-1",
            at(2026, 1, 15),
            BUREAU,
        ),
        Happened(
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
            at(2026, 2, 1),
            OPERATOR,
        ),
        Happened(
            ApplicationDecided(
                application_id="app-1",
                scenario_id="scn-1",
                developer_org_id=DEVELOPER_ORG,
                decision="approved",
            ),
            "app-1",
            at(2026, 2, 20),
            BUREAU,
        ),
        Happened(
            MaxRevenueSet(operator_org_id=OPERATOR_ORG, year=2026, max_revenue_fen=500_000_000),
            OPERATOR_ORG,
            at(2026, 1, 20),
            BUREAU,
        ),
        product("prod-1", product_name, "370300P000001", at(2026, 5, 1)),
        cap("prod-1", 80, at(2026, 5, 2)),
        price("prod-1", 50, at(2026, 5, 3)),
    ]


def suspended(when: datetime) -> Happened:
    payload = AgreementSuspended(
        agreement_id="agr-1",
        operator_org_id=OPERATOR_ORG,
        reason="未按期整改",
        correction_due=date(2026, 12, 31),
    )
    return Happened(payload, "agr-1", when, BUREAU)


def envelope_of(event: Happened) -> Envelope:
    return new_envelope(
        event.payload, region=REGION, actor=event.actor, subject=event.subject, occurred_at=event.at
    )


def facts_of(events: Sequence[Happened]) -> list[Fact]:
    found = [fact_from(envelope_of(e)) for e in events]
    return [f for f in found if f is not None]


def annual_platform(tmp: Path, clock: Clock | None = None) -> Platform:
    """Disclosure alone, as the runtime builds it (the annual facts are among its handlers)."""
    return Platform(
        settings(tmp), ("disclosure",), clock=clock or SystemClock(), secrets=keyring(tmp)
    ).build()


def annual_gateway(p: Platform) -> Litestar:
    """The platform's gateway: disclosure mounted under ``/disclosure``."""
    return gateway(p)


async def publish(p: Platform, event: Happened, *, again: Envelope | None = None) -> Envelope:
    """Put the event on the bus as its producer's relay would (``again``: redeliver)."""
    envelope = again or envelope_of(event)
    assert p.bus is not None
    await p.bus.publish(to_message({"envelope": to_builtins(envelope), "headers": {}}))
    return envelope


def without_generation(report: dict[str, Any]) -> dict[str, Any]:
    """The report's content: what ``content_hash`` covers."""
    skipped = {"content_hash", "generated_at", "late", "provisional"}
    return {k: v for k, v in report.items() if k not in skipped}
