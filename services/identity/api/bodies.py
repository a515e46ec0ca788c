"""Request bodies of the identity API, validated at the edge by msgspec. Only shape is
checked here; every business rule (credit code, region, AUTH-*, DEV-*) is the domain's,
so its refusal names the rule."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Short = Annotated[str, msgspec.Meta(max_length=64)]
Text = Annotated[str, msgspec.Meta(max_length=4000)]
Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
Ids = Annotated[list[Short], msgspec.Meta(max_length=200)]


class Body(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class RegisterOrganizationBody(Body):
    name: Name
    role: Short
    region: Short
    credit_code: Short
    org_id: Annotated[str, msgspec.Meta(pattern=r"^(org-[0-9A-Za-z-]{3,60})?$")] = ""
    """The bureau may choose the id (the demo city's well-known ids); empty: derived from
    the credit code."""


class CreateUserBody(Body):
    username: Short
    password: Secret
    roles: Annotated[list[Short], msgspec.Meta(max_length=8)] = []


class CreateClientBody(Body):
    name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    scopes: Annotated[list[Short], msgspec.Meta(max_length=16)] = []


class PasswordGrant(
    msgspec.Struct, forbid_unknown_fields=True, kw_only=True, tag_field="grant_type", tag="password"
):
    username: Short
    password: Secret
    role: Short | None = None


class ClientCredentialsGrant(
    msgspec.Struct,
    forbid_unknown_fields=True,
    kw_only=True,
    tag_field="grant_type",
    tag="client_credentials",
):
    client_id: Short
    client_secret: Secret
    scope: Annotated[str, msgspec.Meta(max_length=500)] = ""
    """Space-separated scopes to narrow the token to (RFC 6749 §3.3)."""


class JurisdictionChange(Body):
    max_term_years: int | msgspec.UnsetType = msgspec.UNSET
    renewal_window_months: int | msgspec.UnsetType = msgspec.UNSET
    publicity_days: int | msgspec.UnsetType = msgspec.UNSET
    correction_days: int | msgspec.UnsetType = msgspec.UNSET
    selection_modes: (
        Annotated[
            list[Literal["public_tender", "invited_tender", "competitive_negotiation"]],
            msgspec.Meta(max_length=3),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    """AUTH-2: narrow the allowed selection modes (never beyond the source's)."""
    holidays: Annotated[list[date], msgspec.Meta(max_length=60)] | msgspec.UnsetType = msgspec.UNSET
    """AUTH-12: public holidays that are not working days (the filing deadline skips them)."""


class PublishTenderBody(Body):
    title: Name
    selection_mode: Literal["public_tender", "invited_tender", "competitive_negotiation"]
    mode: Literal["whole", "domain", "individual"] = "whole"
    domain: Annotated[str, msgspec.Meta(max_length=100)] = ""
    industry_authority_org_id: Short = ""
    resources: Ids = []
    invited_org_ids: Ids = []


class ShareholderBody(Body):
    """AUTH-9: one holder of the declared shareholding, with its own holders (股权穿透)."""

    name: Name
    kind: Literal["company", "natural_person", "state_assets"]
    country: Annotated[str, msgspec.Meta(min_length=2, max_length=2)]
    shareholders: Annotated[list[ShareholderBody], msgspec.Meta(max_length=50)] = []


class AttachmentBody(Body):
    """AUTH-9: a document attached to the application, kept by its SHA-256."""

    title: Name
    issued_by: Name
    year: Annotated[int, msgspec.Meta(ge=1990, le=2100)]
    sha256: Short


class ApplicationBody(Body):
    """AUTH-9: the operator's application records and its qualification checklist."""

    credit_code: Short
    legal_representative: Text
    security_officer: Text
    founded_on: date
    contact_name: Text
    contact_phone: Short
    organization_nature: Literal[
        "public_institution",
        "wholly_state_owned",
        "state_controlled",
        "collective",
        "private",
        "joint_stock",
        "other",
    ]
    profile: Text
    strengths: Text
    operation_plan_summary: Text
    expected_results: Text
    qualifications: Annotated[dict[Short, bool], msgspec.Meta(max_length=32)]
    business_term_ends_on: date | None = None
    """营业期限 end; omitted or null for an indefinite term (长期)."""
    contact_address: Text = ""
    """联系地址 (required by AUTH-9; a missing one is refused naming the rule)."""
    shareholders: Annotated[list[ShareholderBody], msgspec.Meta(max_length=50)] = []
    """The shareholding structure down to the ultimate holders (股权穿透, AUTH-9)."""
    actual_controller: Text = ""
    audit_report: AttachmentBody | None = None
    financial_statements: AttachmentBody | None = None
    data_security_commitment: AttachmentBody | None = None
    security_risk_self_assessment: AttachmentBody | None = None


class ScoreBody(Body):
    score: float
    remarks: Text = ""


class ObjectionBody(Body):
    grounds: Text


class ObjectionDecisionBody(Body):
    uphold: bool
    reason: Text


class DraftBody(Body):
    starts_on: date
    ends_on: date
    sections: Annotated[dict[Short, Text], msgspec.Meta(max_length=32)] = {}


class CollectiveDecisionBody(Body):
    """AUTH-11: the bureau's collective decision (三重一大) on the drafted agreement."""

    meeting: Name
    decided_on: date
    approved: bool
    body: Name = "三重一大决策会议"


class FinanceOpinionBody(Body):
    """AUTH-11: the same-level finance department's opinion on revenue sharing."""

    department: Name
    opinion: Text
    given_on: date


class PlanBody(Body):
    """AUTH-12: one version of the implementation plan (实施方案)."""

    modes: Annotated[
        list[Literal["whole", "domain", "individual"]], msgspec.Meta(min_length=1, max_length=3)
    ]
    revenue_sharing: Text
    summary: Text
    resources: Ids = []
    """Resources the plan authorizes; empty: the whole operation catalog."""


class PlanApprovalBody(Body):
    meeting: Name
    decided_on: date


class PlanFilingBody(Body):
    filed_on: date
    reference: Name


class RenewalBody(Body):
    proposed_ends_on: date


class RenewalDecisionBody(Body):
    approve: bool
    reason: Text = ""
    ends_on: date | None = None


class ReasonBody(Body):
    reason: Text


class CorrectionBody(Body):
    report: Text


class TerminationBody(Body):
    ground: Literal[
        "operator_request",
        "targets_missed",
        "penalty",
        "other_violation",
        "not_corrected",
        "correction_rejected",
    ]
    """AUTH-6; ``rectification_overdue`` is evaluation's (EVA-3), never a request's."""
    reason: Text


class TransferBody(Body):
    to_org_id: Short
    kind: Literal["transfer", "subcontract"]


class AdmissionBody(Body):
    """DEV-1: capability statements and declarations of a developer applying."""

    operator_org_id: Short
    data_management_capability: Text
    security_capability: Text
    no_security_incident_3_years: bool
    good_standing: bool


class ReviewBody(Body):
    approve: bool
    reason: Text = ""


class DevelopmentAgreementBody(Body):
    terms: Text


class CooperationFilingBody(Body):
    """DEV-3: the cooperation agreement's reference and a summary of its terms."""

    reference: Name
    summary: Text


class ComplaintBody(Body):
    """DEV-3: a data merchant's complaint of abuse of a dominant position."""

    operator_org_id: Short
    ground: Literal[
        "refused_cooperation", "discriminatory_terms", "exclusive_dealing", "unfair_price", "other"
    ]
    account: Text


class ComplaintAnswerBody(Body):
    answer: Text


class ComplaintFindingBody(Body):
    uphold: bool
    finding: Text


class EndAdmissionBody(Body):
    reason: Text = ""
