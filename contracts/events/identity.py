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


class DeveloperAdmissionRejected(Event, frozen=True, tag="developer.admission_rejected"):
    """DEV-1: the operator refused an admission, with its reason; the developer may appeal
    it to the bureau (REQ-6), and request-review knows the admission from this event."""

    admission_id: str
    developer_org_id: str
    operator_org_id: str
    reason: str


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
    authorization_id: str = ""
    """The authorization (tender to agreement) this agreement concludes; the emergency plan
    (一授权一预案, SEC-2) is kept under it."""


class AgreementSuspended(Event, frozen=True, tag="agreement.suspended"):
    """AUTH-6: data-use permissions closed temporarily (暂时关闭) until the correction is
    accepted (``agreement.reinstated``) or the agreement ends."""

    agreement_id: str
    operator_org_id: str
    reason: str
    correction_due: date
    suspended_at: datetime | None = None
    """When the permissions were closed; ``agreement.reinstated`` names the same instant."""


class AgreementTerminated(Event, frozen=True, tag="agreement.terminated"):
    agreement_id: str
    operator_org_id: str
    reason: str
    ground: str = ""
    """The AUTH-6 ground (operator_request, penalty, other_violation, rectification_overdue,
    not_corrected, correction_rejected, targets_missed)."""


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
    region: str = ""
    """The region of the bureau that authorizes (a county's under FED-1 where allowed)."""


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
    """The correction was accepted; the permissions closed temporarily by the suspension
    are restored as they were (AUTH-6: 暂时关闭, then 恢复). ``suspended_at`` names the
    suspension that ended (the ``suspended_at`` of its ``agreement.suspended``): what was
    closed because of it — grants, sandboxes — reopens, unless it expired meanwhile
    (``ends_on``) or was closed for another reason."""

    agreement_id: str
    operator_org_id: str
    suspended_at: datetime | None = None
    suspension_reason: str = ""
    ends_on: date | None = None
    """The agreement's last day: nothing restored outlives it (REQ-5)."""
