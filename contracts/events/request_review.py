"""Events of request-review: scenarios (应用场景), applications (一场景一申请), reviews,
risks, grants and appeals (申诉)."""

from __future__ import annotations

from datetime import date, datetime

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
    origin_region: str = ""
    """FED-2: the region whose catalog the resource came from (GB/T 2260), e.g. the
    province's ``370000`` for data granted back (回流) to the city; empty from a
    producer older than the field (then it is the grant's own region)."""


class ScenarioFiled(Event, frozen=True, tag="scenario.filed"):
    """The operator filed a scenario with the bureau (备案, REQ-1, REQ-8).

    ``scenario_class`` is ``public_interest`` (公益) or ``commercial`` (经营性); billing
    decides free or paid use from it (BIL-6)."""

    scenario_id: str
    operator_org_id: str
    name: str
    domain: str
    purpose: str
    expected_value: str
    scenario_class: str
    next_review_on: date


class ScenarioChanged(Event, frozen=True, tag="scenario.changed"):
    """A change to a scenario, filed with the bureau (变更备案, REQ-8)."""

    scenario_id: str
    operator_org_id: str
    name: str
    domain: str
    purpose: str
    expected_value: str
    scenario_class: str
    next_review_on: date


class ScenarioReevaluated(Event, frozen=True, tag="scenario.reevaluated"):
    """The periodic re-evaluation (动态管理, REQ-8): ``continued`` or ``retired``."""

    scenario_id: str
    outcome: str
    note: str
    next_review_on: date | None = None


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


class ApplicationDecided(Event, frozen=True, tag="application.decided"):
    """Every required reviewer approved (``approved``), or one rejected (``rejected``, REQ-3)."""

    application_id: str
    scenario_id: str
    developer_org_id: str
    decision: str
    reason: str = ""


class RiskReported(Event, frozen=True, tag="risk.reported"):
    """A risk found during review, reported to the bureau as its own record (REQ-7)."""

    risk_id: str
    application_id: str
    reporter_org_id: str
    severity: str
    description: str


class GrantIssued(Event, frozen=True, tag="grant.issued"):
    grant_id: str
    application_id: str
    scenario_id: str
    developer_org_id: str
    purpose: str
    resources: list[GrantedResource]
    valid_from: datetime
    valid_until: datetime
    scenario_class: str = ""
    """``public_interest`` or ``commercial``, from the scenario (BIL-6)."""
    operator_org_id: str = ""
    agreement_id: str = ""
    """The operator's authorization agreement the grant was issued under (EXP-1: its
    mode says who reviews exports, 谁授权、谁审核)."""


class GrantRevoked(Event, frozen=True, tag="grant.revoked"):
    grant_id: str
    developer_org_id: str
    reason: str


class GrantSuspended(Event, frozen=True, tag="grant.suspended"):
    """The grant's data-use permission is closed for now (暂时关闭, AUTH-6): the operator's
    agreement was suspended pending correction. Not an end: ``grant.reinstated`` restores
    it as it was."""

    grant_id: str
    developer_org_id: str
    reason: str


class GrantReinstated(Event, frozen=True, tag="grant.reinstated"):
    """The correction was accepted: the suspended grant is in force again, with the scope
    and validity it had (AUTH-6)."""

    grant_id: str
    developer_org_id: str
    reason: str


class GrantNarrowed(Event, frozen=True, tag="grant.narrowed"):
    """A later negative listing or withdrawal from the operation catalog reached an issued
    grant (CAT-2): ``resources`` is what remains of it; ``resource_id`` and
    ``removed_items`` what was taken out (all items: the whole resource), and why. When
    nothing remains the grant is revoked instead (``grant.revoked``)."""

    grant_id: str
    developer_org_id: str
    resource_id: str
    removed_items: list[str]
    resources: list[GrantedResource]
    reason: str


class AppealFiled(Event, frozen=True, tag="appeal.filed"):
    appeal_id: str
    subject_kind: str
    subject_id: str
    appellant_org_id: str
    grounds: str


class AppealDecided(Event, frozen=True, tag="appeal.decided"):
    """The bureau's decision on an appeal (REQ-6): ``upheld`` or ``dismissed``."""

    appeal_id: str
    decision: str
    reasoning: str
    subject_kind: str = ""
    """``admission``, ``application`` or ``export``: which service acts on the decision."""
    subject_id: str = ""
