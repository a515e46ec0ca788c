"""The topic registry: every topic, its events, its producer and its consumers.

Topic names follow ``pdo.<region>.<service>.<stream>.v<major>`` (DESIGN §5). A county
instance reads the city's topics by prefix and writes only under its own region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from contracts import events as ev

REGION_PATTERN = re.compile(r"^[1-9]\d{5}$")
"""GB/T 2260 administrative division code: six digits."""

SERVICES: tuple[str, ...] = (
    "identity",
    "catalog",
    "request_review",
    "sandbox_broker",
    "product_release",
    "trading_bridge",
    "billing",
    "evaluation",
    "disclosure",
)

Audience = Literal["internal", "public", "exchange"]


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """One stream of one service, at one major schema version."""

    segment: str
    stream: str
    major: int
    producer: str
    consumers: tuple[str, ...]
    events: tuple[type[ev.Event], ...]
    audience: Audience
    description: str
    key_field: str = ""
    """The payload field whose value is the Kafka key of every event on the topic, so that
    one chain of aggregates (e.g. one listing's orders, trades and settlements) shares a
    partition and is read in causal order; empty: the key is the envelope's subject."""

    def name(self, region: str) -> str:
        if not REGION_PATTERN.match(region):
            raise ValueError(f"region {region!r} is not a six-digit GB/T 2260 code")
        return f"pdo.{region}.{self.segment}.{self.stream}.v{self.major}"

    @property
    def address(self) -> str:
        """The AsyncAPI channel address with the region as a parameter."""
        return f"pdo.{{region}}.{self.segment}.{self.stream}.v{self.major}"

    @property
    def key(self) -> str:
        return f"{self.segment}.{self.stream}.v{self.major}"


TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(
        "identity",
        "organizations",
        1,
        "identity",
        (
            "request_review",
            "trading_bridge",
            "disclosure",
        ),
        (
            ev.OrgRegistered,
            ev.DeveloperAdmitted,
            ev.DeveloperAdmissionRejected,
            ev.DeveloperRemoved,
        ),
        "internal",
        "Organizations registered and developers admitted or removed (入驻).",
    ),
    TopicSpec(
        "identity",
        "agreements",
        1,
        "identity",
        (
            "request_review",
            "sandbox_broker",
            "product_release",
            "trading_bridge",
            "billing",
            "evaluation",
            "disclosure",
        ),
        (
            ev.AgreementSigned,
            ev.AgreementSuspended,
            ev.AgreementTerminated,
            ev.AgreementExpired,
            ev.AgreementRenewed,
            ev.AgreementReinstated,
            ev.TenderPublished,
            ev.SelectionPublicized,
            ev.SelectionAnnulled,
        ),
        "public",
        "Operator selection (遴选, publicity 公示) and authorization agreements (授权运营协议): "
        "signing, renewal, suspension, reinstatement and their ends.",
    ),
    TopicSpec(
        "catalog",
        "resources",
        1,
        "catalog",
        ("request_review", "sandbox_broker", "billing", "evaluation", "disclosure"),
        (
            ev.ResourceRegistered,
            ev.ResourceChanged,
            ev.ResourceWithdrawn,
            ev.ResourceProposed,
            ev.ResourcePublished,
            ev.ResourceRejected,
            ev.ResourceNegativeListed,
        ),
        "public",
        "Resources registered (登记), changed, withdrawn, proposed for and published in the "
        "operation catalog (运营目录), and put on the negative list (负面清单).",
    ),
    TopicSpec(
        "catalog",
        "objections",
        1,
        "catalog",
        ("evaluation",),
        (
            ev.ObjectionRaised,
            ev.ObjectionResolved,
            ev.ObjectionEscalated,
            ev.ObjectionCorrected,
            ev.ObjectionReturned,
        ),
        "internal",
        "Data-quality objections (异议): raised, the provider's correction, the bureau's "
        "verification (closed and the objector told, or returned) and escalation when overdue.",
    ),
    TopicSpec(
        "request",
        "scenarios",
        1,
        "request_review",
        ("billing", "evaluation", "disclosure"),
        (ev.ScenarioFiled, ev.ScenarioChanged, ev.ScenarioReevaluated),
        "internal",
        "Application scenarios (应用场景) filed with the bureau, changed and re-evaluated.",
    ),
    TopicSpec(
        "request",
        "applications",
        1,
        "request_review",
        ("product_release", "evaluation", "disclosure"),
        (
            ev.ApplicationSubmitted,
            ev.ReviewRecorded,
            ev.ApplicationDecided,
            ev.RiskReported,
            ev.AppealFiled,
            ev.AppealDecided,
        ),
        "internal",
        "Scenario applications (一场景一申请), reviews, decisions, risks found and appeals.",
    ),
    TopicSpec(
        "request",
        "grants",
        1,
        "request_review",
        ("sandbox_broker", "product_release", "billing", "disclosure"),
        (
            ev.GrantIssued,
            ev.GrantRevoked,
            ev.GrantSuspended,
            ev.GrantReinstated,
            ev.GrantNarrowed,
        ),
        "internal",
        "Grants of data use, usable only inside a sandbox: issued, narrowed (CAT-2), "
        "suspended and reinstated (AUTH-6), revoked.",
    ),
    TopicSpec(
        "sandbox",
        "sandboxes",
        1,
        "sandbox_broker",
        ("product_release", "evaluation"),
        (
            ev.SandboxReady,
            ev.SandboxClosed,
            ev.SandboxSuspended,
            ev.SandboxReinstated,
            ev.SandboxNarrowed,
            ev.JobFinished,
            ev.DataDeleted,
            ev.ImportRequested,
            ev.ImportDecided,
        ),
        "internal",
        "Sandboxes (授权运营空间), jobs, imports of own data and recorded deletions.",
    ),
    TopicSpec(
        "sandbox",
        "staged-exports",
        1,
        "sandbox_broker",
        ("product_release",),
        (ev.ExportStaged, ev.ExportUnavailable),
        "internal",
        "Outputs read inside a sandbox for the disclosure checks of an export request.",
    ),
    TopicSpec(
        "sandbox",
        "usage",
        1,
        "sandbox_broker",
        ("billing", "evaluation"),
        (ev.UsageMetered,),
        "internal",
        "Metered usage: calls, rows and compute seconds.",
    ),
    TopicSpec(
        "product",
        "exports",
        1,
        "product_release",
        ("request_review", "sandbox_broker"),
        (ev.ExportRequested, ev.ExportChecked, ev.ExportApproved, ev.ExportRejected),
        "internal",
        "Export requests (出域申请), their automated checks and review decisions (出域审核).",
    ),
    TopicSpec(
        "product",
        "products",
        1,
        "product_release",
        ("sandbox_broker", "trading_bridge", "billing", "evaluation", "disclosure"),
        (
            ev.ProductDrafted,
            ev.ProductCertified,
            ev.ProductFiled,
            ev.ProductFilingReturned,
            ev.ProductReleased,
            ev.ProductWithdrawn,
        ),
        "public",
        "Products and services: drafted, certified (流通凭证), filed (备案), released to the "
        "published list (产品和服务清单) and withdrawn.",
    ),
    TopicSpec(
        "trading",
        "trades",
        1,
        "trading_bridge",
        ("billing", "evaluation"),
        (
            ev.ListingCreated,
            ev.ListingWithdrawn,
            ev.OrderReceived,
            ev.TradeExecuted,
            ev.TradeSettled,
        ),
        "exchange",
        "Listings, trades and settlements; the topic the data exchange consumes. Every "
        "event of one listing's trading chain (listing, order, trade, settlement) is keyed "
        "by the listing id, so it is on one partition and read in causal order.",
        key_field="listing_id",
    ),
    TopicSpec(
        "billing",
        "prices",
        1,
        "billing",
        ("trading_bridge", "disclosure"),
        (ev.MaxRevenueSet, ev.PriceCapSet, ev.PriceListed, ev.RevenueAlert),
        "public",
        "Max allowed revenue, price caps and the published price list (明码标价); revenue alerts.",
    ),
    TopicSpec(
        "billing",
        "invoices",
        1,
        "billing",
        ("evaluation",),
        (ev.InvoiceIssued, ev.RevenueDistributed),
        "internal",
        "Invoices and revenue distribution (收益分配).",
    ),
    TopicSpec(
        "evaluation",
        "evaluations",
        1,
        "evaluation",
        ("identity",),
        (
            ev.AnnualReportFiled,
            ev.EvaluationPublished,
            ev.RectificationOrdered,
            ev.RectificationOverdue,
            ev.RectificationCompleted,
        ),
        "internal",
        "Annual reports, evaluations and rectification orders (整改).",
    ),
    TopicSpec(
        "evaluation",
        "security",
        1,
        "evaluation",
        ("identity",),
        (ev.IncidentReported, ev.InspectionRecorded, ev.EmergencyPlanAdopted, ev.DrillRecorded),
        "internal",
        "Security incidents reported to the bureau, inspections (SEC-2, SEC-6), and the "
        "emergency plan of each authorization with its drills (一授权一预案, SEC-2).",
    ),
    TopicSpec(
        "disclosure",
        "records",
        1,
        "disclosure",
        (),
        (ev.DisclosurePublished,),
        "public",
        "Records published to the public (公开).",
    ),
    TopicSpec(
        "disclosure",
        "tree-heads",
        1,
        "disclosure",
        (),
        (ev.TreeHeadSigned,),
        "public",
        "Signed tree heads of the transparency log.",
    ),
)

_BY_EVENT: dict[str, TopicSpec] = {
    t.events[i].__struct_config__.tag: t  # type: ignore[misc]
    for t in TOPICS
    for i in range(len(t.events))
}


def topic_for(event_type: str) -> TopicSpec:
    """The one topic an event type is published on."""
    try:
        return _BY_EVENT[event_type]
    except KeyError:
        raise KeyError(f"no topic carries event type {event_type!r}") from None


def partition_key(event_type: str, subject: str, payload: object) -> str:
    """The Kafka key of one event: the topic's ``key_field`` of the payload when the topic
    names one (causal order per chain, e.g. per listing on the trading topic), else the
    subject (order per aggregate). A payload without that field keeps its subject."""
    field = topic_for(event_type).key_field
    if field:
        value = getattr(payload, field, "")
        if isinstance(value, str) and value:
            return value
    return subject


def topics_consumed_by(service: str) -> tuple[TopicSpec, ...]:
    return tuple(t for t in TOPICS if service in t.consumers)


def topics_produced_by(service: str) -> tuple[TopicSpec, ...]:
    return tuple(t for t in TOPICS if t.producer == service)


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"
