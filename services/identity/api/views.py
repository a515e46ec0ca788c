"""Response bodies of the identity API. Views carry the domain objects' own field names,
so ``libs.http.views.converted`` fills them from the domain object; secrets and hashes have
no view field."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from libs.http.paging import Page


class OrganizationView(msgspec.Struct, kw_only=True):
    org_id: str
    name: str
    role: str
    region: str
    credit_code: str
    registered_at: datetime


OrganizationPage = Page[OrganizationView]


class UserView(msgspec.Struct, kw_only=True):
    username: str
    org_id: str
    region: str
    roles: list[str]
    created_at: datetime


class ClientView(msgspec.Struct, kw_only=True):
    client_id: str
    org_id: str
    name: str
    scopes: list[str]
    created_at: datetime
    client_secret: str = ""
    """Shown once, in the answer to the creation; only its hash is kept."""


class TokenView(msgspec.Struct, kw_only=True):
    """RFC 6749 §5.1 access token response, plus who the token speaks for."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the RFC 6749 token type, not a secret
    expires_in: int
    org_id: str
    role: str
    region: str
    scope: str = ""


class JurisdictionView(msgspec.Struct, kw_only=True):
    """The settings in force; ``fixed_term``: ``max_term_years`` is the exact term (AUTH-3)."""

    region: str
    max_term_years: int
    fixed_term: bool
    renewal_window_months: int
    publicity_days: int
    correction_days: int
    selection_modes: list[str]
    counties_may_authorize: bool
    plan_filing_working_days: int
    holidays: list[date]


class ScopeView(msgspec.Struct, kw_only=True):
    mode: str
    domain: str
    industry_authority_org_id: str
    resources: list[str]


class ShareholderView(msgspec.Struct, kw_only=True):
    name: str
    kind: str
    country: str
    shareholders: list[ShareholderView] = []


class AttachmentView(msgspec.Struct, kw_only=True):
    title: str
    issued_by: str
    year: int
    sha256: str


class ApplicationRecordView(msgspec.Struct, kw_only=True):
    credit_code: str
    legal_representative: str
    security_officer: str
    founded_on: date
    business_term_ends_on: date | None
    contact_name: str
    contact_phone: str
    organization_nature: str
    profile: str
    strengths: str
    operation_plan_summary: str
    expected_results: str
    qualifications: dict[str, bool]
    contact_address: str = ""
    shareholders: list[ShareholderView] = []
    actual_controller: str = ""
    audit_report: AttachmentView | None = None
    financial_statements: AttachmentView | None = None
    data_security_commitment: AttachmentView | None = None
    security_risk_self_assessment: AttachmentView | None = None


class ApplicationView(msgspec.Struct, kw_only=True):
    application_id: str
    org_id: str
    submitted_at: datetime
    record: ApplicationRecordView
    score: float | None
    score_remarks: str


class ObjectionView(msgspec.Struct, kw_only=True):
    objection_id: str
    filed_by_org_id: str
    grounds: str
    filed_at: datetime
    status: str
    decision_reason: str
    decided_at: datetime | None


class AgreementView(msgspec.Struct, kw_only=True):
    agreement_id: str
    operator_org_id: str
    starts_on: date
    ends_on: date
    sections: dict[str, str]
    signed_at: datetime | None
    signed_by: str


class RenewalView(msgspec.Struct, kw_only=True):
    applied_at: datetime
    proposed_ends_on: date
    decision: str
    decision_reason: str


class SuspensionView(msgspec.Struct, kw_only=True):
    reason: str
    suspended_at: datetime
    correction_due: date
    correction_report: str
    reported_at: datetime | None


class CollectiveDecisionView(msgspec.Struct, kw_only=True):
    body: str
    meeting: str
    decided_on: date
    approved: bool
    recorded_at: datetime
    recorded_by: str


class FinanceOpinionView(msgspec.Struct, kw_only=True):
    department: str
    opinion: str
    given_on: date
    recorded_at: datetime


class AuthorizationView(msgspec.Struct, kw_only=True):
    authorization_id: str
    region: str
    bureau_org_id: str
    title: str
    selection_mode: str
    scope: ScopeView
    published_at: datetime
    invited_org_ids: list[str]
    state: str
    next_steps: list[str]
    """Events the state machine allows from here (its transition table)."""
    applications: list[ApplicationView]
    winner_application_id: str
    operator_org_id: str
    publicity_ends_at: datetime | None
    objections: list[ObjectionView]
    agreement: AgreementView | None
    missing_sections: list[str]
    """AUTH-4 sections the draft still lacks; signing is refused until this is empty."""
    collective_decision: CollectiveDecisionView | None = None
    """AUTH-11: the bureau's collective decision (三重一大) on the current draft."""
    finance_opinion: FinanceOpinionView | None = None
    """AUTH-11: the finance department's opinion on the revenue-sharing clauses."""
    emergency_plan_version: int = 0
    """SEC-2: the version of the bureau's emergency plan identity knows of; 0: none yet."""
    renewals: list[RenewalView]
    suspension: SuspensionView | None
    ended_at: datetime | None
    end_reason: str


AuthorizationPage = Page[AuthorizationView]


class SweepView(msgspec.Struct, kw_only=True):
    publicity_closed: int
    agreement_expired: int


class AdmissionRequestView(msgspec.Struct, kw_only=True):
    data_management_capability: str
    security_capability: str
    no_security_incident_3_years: bool
    good_standing: bool


class AdmissionView(msgspec.Struct, kw_only=True):
    admission_id: str
    region: str
    developer_org_id: str
    operator_org_id: str
    request: AdmissionRequestView
    applied_at: datetime
    state: str
    reviewed_at: datetime | None
    review_reason: str
    development_agreement_id: str
    agreement_terms: str
    admitted_at: datetime | None
    ended_at: datetime | None
    end_reason: str
    cooperation_filing: CooperationFilingView | None = None
    """DEV-3: the cooperation agreement as filed with the bureau (备案)."""
    cooperation_complete: bool = False
    """DEV-3: admitted and the cooperation agreement filed; not complete without the filing."""


class CooperationFilingView(msgspec.Struct, kw_only=True):
    reference: str
    summary: str
    filed_at: datetime
    filed_by: str


class ComplaintView(msgspec.Struct, kw_only=True):
    """DEV-3: a data merchant's complaint of abuse of a dominant position, the operator's
    answer and the bureau's finding."""

    complaint_id: str
    region: str
    complainant_org_id: str
    operator_org_id: str
    ground: str
    account: str
    filed_at: datetime
    state: str
    operator_answer: str
    answered_at: datetime | None
    finding: str
    decided_at: datetime | None
    decided_by: str


class AdmissionReport(msgspec.Struct, kw_only=True):
    """DEV-1: admissions granted or ended in a period, reported to the bureau (报备)."""

    first: date
    last: date
    admitted: list[AdmissionView]
    ended: list[AdmissionView]


class PlanVersionView(msgspec.Struct, kw_only=True):
    version: int
    modes: list[str]
    resources: list[str]
    revenue_sharing: str
    summary: str
    drafted_at: datetime
    needs_approval: bool
    approved_on: date | None
    approval_meeting: str
    filed_on: date | None
    filing_reference: str


class ImplementationPlanView(msgspec.Struct, kw_only=True):
    """AUTH-12: the versions, which one governs authorizations, whether a change awaits
    approval, and the provincial filing deadline of the version in force."""

    region: str
    versions: list[PlanVersionView]
    approved_version: int | None
    pending_approval: bool
    filing_due_on: date | None
    filing_overdue: bool
