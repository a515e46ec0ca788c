"""Events of evaluation: annual evaluation (年度评估) and rectification orders (整改)."""

from __future__ import annotations

from datetime import date, datetime

from contracts.events.base import Event


class EvaluationPublished(Event, frozen=True, tag="evaluation.published"):
    evaluation_id: str
    operator_org_id: str
    year: int
    score: str
    conclusion: str


class RectificationOrdered(Event, frozen=True, tag="rectification.ordered"):
    order_id: str
    operator_org_id: str
    finding: str
    due_on: date


class RectificationOverdue(Event, frozen=True, tag="rectification.overdue"):
    order_id: str
    operator_org_id: str
    due_on: date


class AnnualReportFiled(Event, frozen=True, tag="annual_report.filed"):
    """The operator filed its annual report (EVA-1); the content is kept by its hash."""

    report_id: str
    operator_org_id: str
    year: int
    content_hash: str


class RectificationCompleted(Event, frozen=True, tag="rectification.completed"):
    """The bureau accepted the operator's rectification before the deadline (EVA-3)."""

    order_id: str
    operator_org_id: str


class IncidentReported(Event, frozen=True, tag="incident.reported"):
    """A security incident, reported to the bureau at once (SEC-2)."""

    incident_id: str
    reporter_org_id: str
    severity: str
    summary: str
    occurred_at: datetime


class InspectionRecorded(Event, frozen=True, tag="inspection.recorded"):
    """A security inspection and how many of its findings are still open (SEC-6)."""

    inspection_id: str
    subject_org_id: str
    findings: int
    open_findings: int


class EmergencyPlanAdopted(Event, frozen=True, tag="emergency_plan.adopted"):
    """The bureau drew up (or revised) the emergency plan of one authorization with the
    departments concerned (一授权一预案, SEC-2); identity signs no agreement without it."""

    authorization_id: str
    version: int
    bureau_org_id: str
    departments: list[str] = []
    operator_org_id: str = ""
    region: str = ""


class DrillRecorded(Event, frozen=True, tag="emergency_drill.recorded"):
    """A drill of an authorization's emergency plan, organized by the bureau with the
    operator taking part (SEC-2)."""

    authorization_id: str
    held_on: date
    organized_by_org_id: str
    operator_took_part: bool
    participants: int
