"""Events of identity: organizations, developer admission (入驻) and operator
authorization agreements (授权运营协议)."""

from __future__ import annotations

from datetime import date, datetime

from contracts.events.base import Event


class OrgRegistered(Event, frozen=True, tag="org.registered"):
    org_id: str
    name: str
    role: str
    region: str
    credit_code: str


class DeveloperAdmitted(Event, frozen=True, tag="developer.admitted"):
    developer_org_id: str
    operator_org_id: str
    development_agreement_id: str


class DeveloperRemoved(Event, frozen=True, tag="developer.removed"):
    developer_org_id: str
    operator_org_id: str
    reason: str


class AgreementSigned(Event, frozen=True, tag="agreement.signed"):
    agreement_id: str
    operator_org_id: str
    mode: str
    starts_on: date
    ends_on: date
    resource_scope: list[str] = []
    domain: str = ""
    """Domain mode (分领域授权, AUTH-10): the domain authorized."""
    industry_authority_org_id: str = ""
    """Domain mode: the industry authority that reviews the domain's applications (REQ-3)."""


class AgreementSuspended(Event, frozen=True, tag="agreement.suspended"):
    agreement_id: str
    operator_org_id: str
    reason: str
    correction_due: date


class AgreementTerminated(Event, frozen=True, tag="agreement.terminated"):
    agreement_id: str
    operator_org_id: str
    reason: str


class AgreementExpired(Event, frozen=True, tag="agreement.expired"):
    agreement_id: str
    operator_org_id: str


class TenderPublished(Event, frozen=True, tag="tender.published"):
    """The bureau opened the competitive selection of an operator (遴选公告, AUTH-2)."""

    authorization_id: str
    title: str
    selection_mode: str
    mode: str
    domain: str = ""
    invited_org_ids: list[str] = []


class SelectionPublicized(Event, frozen=True, tag="selection.publicized"):
    """The selected operator is publicized (结果公示) until ``publicity_ends_at`` (AUTH-2)."""

    authorization_id: str
    operator_org_id: str
    publicity_ends_at: datetime


class SelectionAnnulled(Event, frozen=True, tag="selection.annulled"):
    """An objection was upheld: the publicized result no longer stands (AUTH-2)."""

    authorization_id: str
    operator_org_id: str
    reason: str


class AgreementRenewed(Event, frozen=True, tag="agreement.renewed"):
    """The term was extended to ``ends_on`` on a renewal applied for in time (AUTH-5)."""

    agreement_id: str
    operator_org_id: str
    ends_on: date


class AgreementReinstated(Event, frozen=True, tag="agreement.reinstated"):
    """The correction was accepted; permissions suspended under AUTH-6 may resume."""

    agreement_id: str
    operator_org_id: str
