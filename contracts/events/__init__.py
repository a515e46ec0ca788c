"""Every typed event payload, and ``Payload``: the tagged union the envelope carries."""

from __future__ import annotations

from typing import Union, get_args

from contracts.events.base import Event
from contracts.events.billing import InvoiceIssued, RevenueDistributed
from contracts.events.catalog import (
    DataItem,
    ObjectionRaised,
    ObjectionResolved,
    ResourceChanged,
    ResourceRegistered,
    ResourceWithdrawn,
)
from contracts.events.disclosure import DisclosurePublished, TreeHeadSigned
from contracts.events.evaluation import (
    EvaluationPublished,
    RectificationOrdered,
    RectificationOverdue,
)
from contracts.events.identity import (
    AgreementExpired,
    AgreementSigned,
    AgreementSuspended,
    AgreementTerminated,
    DeveloperAdmitted,
    DeveloperRemoved,
    OrgRegistered,
)
from contracts.events.product_release import (
    ExportApproved,
    ExportRejected,
    ProductReleased,
    ProductWithdrawn,
)
from contracts.events.request_review import (
    AppealDecided,
    AppealFiled,
    ApplicationSubmitted,
    GrantedResource,
    GrantIssued,
    GrantRevoked,
    RequestedResource,
    ReviewRecorded,
)
from contracts.events.sandbox_broker import (
    DataDeleted,
    JobFinished,
    SandboxClosed,
    SandboxReady,
    UsageMetered,
)
from contracts.events.trading_bridge import (
    ListingCreated,
    ListingWithdrawn,
    TradeExecuted,
    TradeSettled,
)

Payload = Union[  # noqa: UP007 - msgspec needs a runtime Union of the tagged structs
    OrgRegistered,
    DeveloperAdmitted,
    DeveloperRemoved,
    AgreementSigned,
    AgreementSuspended,
    AgreementTerminated,
    AgreementExpired,
    ResourceRegistered,
    ResourceChanged,
    ResourceWithdrawn,
    ObjectionRaised,
    ObjectionResolved,
    ApplicationSubmitted,
    ReviewRecorded,
    GrantIssued,
    GrantRevoked,
    AppealFiled,
    AppealDecided,
    SandboxReady,
    SandboxClosed,
    JobFinished,
    UsageMetered,
    DataDeleted,
    ExportApproved,
    ExportRejected,
    ProductReleased,
    ProductWithdrawn,
    ListingCreated,
    ListingWithdrawn,
    TradeExecuted,
    TradeSettled,
    InvoiceIssued,
    RevenueDistributed,
    EvaluationPublished,
    RectificationOrdered,
    RectificationOverdue,
    DisclosurePublished,
    TreeHeadSigned,
]

ALL_EVENTS: tuple[type[Event], ...] = get_args(Payload)
"""Every event type, in the order of ``Payload``; add a new event there, once."""

__all__ = [
    "ALL_EVENTS",
    "AgreementExpired",
    "AgreementSigned",
    "AgreementSuspended",
    "AgreementTerminated",
    "AppealDecided",
    "AppealFiled",
    "ApplicationSubmitted",
    "DataDeleted",
    "DataItem",
    "DeveloperAdmitted",
    "DeveloperRemoved",
    "DisclosurePublished",
    "EvaluationPublished",
    "Event",
    "ExportApproved",
    "ExportRejected",
    "GrantIssued",
    "GrantRevoked",
    "GrantedResource",
    "InvoiceIssued",
    "JobFinished",
    "ListingCreated",
    "ListingWithdrawn",
    "ObjectionRaised",
    "ObjectionResolved",
    "OrgRegistered",
    "Payload",
    "ProductReleased",
    "ProductWithdrawn",
    "RectificationOrdered",
    "RectificationOverdue",
    "RequestedResource",
    "ResourceChanged",
    "ResourceRegistered",
    "ResourceWithdrawn",
    "RevenueDistributed",
    "ReviewRecorded",
    "SandboxClosed",
    "SandboxReady",
    "TradeExecuted",
    "TradeSettled",
    "TreeHeadSigned",
    "UsageMetered",
]
