"""Events of request-review: applications (一场景一申请), reviews, grants and appeals (申诉)."""

from __future__ import annotations

from datetime import datetime

import msgspec

from contracts.events.base import Event


class RequestedResource(msgspec.Struct, frozen=True, kw_only=True):
    resource_id: str
    items: list[str]


class GrantedResource(msgspec.Struct, frozen=True, kw_only=True):
    """What one grant allows of one resource: items (最小必要), rows and masking."""

    resource_id: str
    items: list[str]
    row_filter: str = ""
    masking: dict[str, str] = {}


class ApplicationSubmitted(Event, frozen=True, tag="application.submitted"):
    application_id: str
    scenario_id: str
    developer_org_id: str
    resources: list[RequestedResource]


class ReviewRecorded(Event, frozen=True, tag="review.recorded"):
    application_id: str
    reviewer_org_id: str
    reviewer_role: str
    decision: str
    opinion: str = ""


class GrantIssued(Event, frozen=True, tag="grant.issued"):
    grant_id: str
    application_id: str
    scenario_id: str
    developer_org_id: str
    purpose: str
    resources: list[GrantedResource]
    valid_from: datetime
    valid_until: datetime


class GrantRevoked(Event, frozen=True, tag="grant.revoked"):
    grant_id: str
    developer_org_id: str
    reason: str


class AppealFiled(Event, frozen=True, tag="appeal.filed"):
    appeal_id: str
    subject_kind: str
    subject_id: str
    appellant_org_id: str
    grounds: str


class AppealDecided(Event, frozen=True, tag="appeal.decided"):
    appeal_id: str
    decision: str
    reasoning: str
