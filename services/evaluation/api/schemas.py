"""Request and response bodies of the evaluation API, validated at the edge by msgspec."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

Year = Annotated[int, msgspec.Meta(ge=2000, le=2100)]
OrgId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
LongText = Annotated[str, msgspec.Meta(min_length=1, max_length=20000)]
Short = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Weight = Annotated[int, msgspec.Meta(ge=0, le=100)]
Count = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
Instant = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$",
        max_length=40,
    ),
]
"""An instant as text: a JSON number is never mistaken for one (epoch seconds)."""
Severity = Literal["low", "medium", "high", "critical"]


class AnnualReportBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """EVA-1: the operator's own statements; the figures come from the platform."""

    year: Year
    authorized_storage: LongText
    development_and_use: LongText
    market_operation: LongText
    security_and_compliance: LongText


class AnnualReportView(msgspec.Struct, kw_only=True):
    report_id: str
    operator_org_id: str
    year: int
    figures: dict[str, Any]
    statements: dict[str, str]
    content_hash: str
    filed_at: datetime
    revision: int


class FindingBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    finding: Text
    due_on: date


class EvaluateBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    operator_org_id: OrgId
    year: Year
    findings: Annotated[list[FindingBody], msgspec.Meta(max_length=50)] = []
    remarks: Annotated[str, msgspec.Meta(max_length=4000)] = ""


class IndicatorView(msgspec.Struct, kw_only=True):
    name: str
    value: str
    weight: int
    basis: str


class EvaluationView(msgspec.Struct, kw_only=True):
    evaluation_id: str
    operator_org_id: str
    year: int
    score: str
    conclusion: str
    indicators: list[IndicatorView]
    figures: dict[str, Any]
    remarks: str
    order_ids: list[str]
    evaluated_at: datetime


class OrderBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    operator_org_id: OrgId
    finding: Text
    due_on: date


class ReportBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    report: Text


class ReasonBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Text


class OrderView(msgspec.Struct, kw_only=True):
    order_id: str
    operator_org_id: str
    finding: str
    due_on: date
    state: str
    evaluation_id: str
    ordered_at: datetime
    report: str
    reported_at: datetime | None
    return_reason: str
    overdue_at: datetime | None


class SweepReport(msgspec.Struct, kw_only=True):
    overdue: int
    at: datetime


class IncidentBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    severity: Severity
    summary: Text
    occurred_at: Instant
    """RFC 3339 with its offset, e.g. ``2026-03-01T22:10:00+08:00``."""


class IncidentView(msgspec.Struct, kw_only=True):
    incident_id: str
    reporter_org_id: str
    reporter_role: str
    severity: str
    summary: str
    occurred_at: datetime
    reported_at: datetime


class PlanBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """SEC-2: the bureau's plan, drawn up with the departments concerned (会同有关部门)."""

    title: Short
    content: LongText
    departments: Annotated[list[Short], msgspec.Meta(min_length=1, max_length=50)]


class DrillBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """SEC-2: a drill the bureau organized; the operator is among the organizations."""

    held_on: date
    scenario: Text
    participants: Annotated[int, msgspec.Meta(ge=1, le=100_000)]
    participating_org_ids: Annotated[list[OrgId], msgspec.Meta(min_length=1, max_length=50)]
    lessons: Annotated[str, msgspec.Meta(max_length=4000)] = ""


class PlanVersionView(msgspec.Struct, kw_only=True):
    version: int
    title: str
    content: str
    departments: list[str]
    filed_at: datetime
    drawn_up_by_org_id: str
    superseded_at: datetime | None


class DrillView(msgspec.Struct, kw_only=True):
    held_on: date
    scenario: str
    participants: int
    lessons: str
    organized_by_org_id: str
    participating_org_ids: list[str]
    operator_took_part: bool


class PlanView(msgspec.Struct, kw_only=True):
    """一授权一预案: ``current`` is the one plan in force; ``versions`` its history."""

    authorization_id: str
    bureau_org_id: str
    operator_org_id: str
    current: PlanVersionView
    versions: list[PlanVersionView]
    drills: list[DrillView]


class InspectionBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    subject_org_id: OrgId
    inspected_on: date
    findings: Annotated[list[Text], msgspec.Meta(max_length=100)] = []


class ClosureBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    note: Text


class FindingView(msgspec.Struct, kw_only=True):
    index: int
    text: str
    closed: bool
    closed_at: datetime | None
    closure_note: str


class InspectionView(msgspec.Struct, kw_only=True):
    inspection_id: str
    subject_org_id: str
    inspected_on: date
    findings: list[FindingView]
    open_findings: int


class SupplyView(msgspec.Struct, kw_only=True):
    """EVA-4: a provider's data supply, by catalog quality and objection handling."""

    provider_org_id: str
    year: int | None
    resources_registered: int
    resources_published: int
    objections_raised: int
    objections_resolved_in_time: int
    objections_resolved_late: int
    objections_escalated: int
    objections_open: int
    publication_rate: str
    objection_handling: str
    score: str


class ContributionView(msgspec.Struct, kw_only=True):
    """EVA-6: what one resource contributed."""

    resource_id: str
    provider_org_id: str
    applications_approved: int
    scenarios: int
    products: int
    usage_quantity: int
    contribution_index: int


class TargetBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    year: Year
    scenarios: Count
    products: Count


class WeightsBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    agreement_execution: Weight
    scenarios: Weight
    products: Weight
    usage: Weight
    revenue: Weight
    security: Weight
    rectification: Weight


class SettingsBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    weights: WeightsBody
    targets: Annotated[list[TargetBody], msgspec.Meta(min_length=1, max_length=20)]
    usage_target: Annotated[int, msgspec.Meta(ge=0, le=10**12)]
    revenue_target_fen: Annotated[int, msgspec.Meta(ge=0, le=10**15)]


class SettingsView(msgspec.Struct, kw_only=True):
    region: str
    weights: dict[str, int]
    targets: list[TargetBody]
    usage_target: int
    revenue_target_fen: int
    defined_by: str
