"""Security oversight (安全管理, SEC-2, SEC-6): incident reports (事件报告) that reach the
bureau at once, one emergency plan per authorization (一授权一预案) drawn up by the bureau
with the departments concerned, its drills organized by the bureau with the operator
taking part, and inspections (安全检查) whose findings are tracked to closure."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from contracts.errors import Conflict, DomainError, Forbidden

SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
REPORTING_ROLES: frozenset[str] = frozenset({"operator", "developer", "provider", "supervisor"})


@dataclass(frozen=True, slots=True)
class Incident:
    incident_id: str
    region: str
    reporter_org_id: str
    reporter_role: str
    reporter_user_id: str
    severity: str
    summary: str
    occurred_at: datetime
    reported_at: datetime


def report_incident(
    *,
    incident_id: str,
    region: str,
    reporter_org_id: str,
    reporter_role: str,
    reporter_user_id: str,
    severity: str,
    summary: str,
    occurred_at: datetime,
    now: datetime,
) -> Incident:
    """SEC-2: whoever runs, develops on or supplies the platform reports to the bureau."""
    if reporter_role not in REPORTING_ROLES:
        raise Forbidden(f"a {reporter_role} does not report incidents here", rule="SEC-2")
    if severity not in SEVERITIES:
        raise DomainError(f"severity is one of {', '.join(SEVERITIES)}", rule="SEC-2")
    if not summary.strip():
        raise DomainError("say what happened", rule="SEC-2", field="summary")
    if occurred_at.tzinfo is None or occurred_at > now:
        raise DomainError(
            "an incident is reported after it occurred, with a time zone",
            rule="SEC-2",
            field="occurred_at",
        )
    return Incident(
        incident_id=incident_id,
        region=region,
        reporter_org_id=reporter_org_id,
        reporter_role=reporter_role,
        reporter_user_id=reporter_user_id,
        severity=severity,
        summary=summary.strip(),
        occurred_at=occurred_at,
        reported_at=now,
    )


@dataclass(frozen=True, slots=True)
class PlanVersion:
    version: int
    title: str
    content: str
    departments: tuple[str, ...]
    """The departments concerned the bureau drew the plan up with (会同有关部门)."""
    filed_at: datetime
    drawn_up_by_org_id: str = ""
    superseded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Drill:
    held_on: date
    scenario: str
    participants: int
    lessons: str
    recorded_at: datetime
    organized_by_org_id: str = ""
    participating_org_ids: tuple[str, ...] = ()
    operator_took_part: bool = False


@dataclass(frozen=True, slots=True)
class EmergencyPlan:
    """The one plan of one authorization (一授权一预案, SEC-2), drawn up by the bureau with
    the departments concerned before the agreement is signed: revising it versions it;
    only the latest version is in force. ``operator_org_id`` is the selected operator once
    known (it takes part in the drills)."""

    authorization_id: str
    region: str
    bureau_org_id: str
    versions: tuple[PlanVersion, ...]
    operator_org_id: str = ""
    drills: tuple[Drill, ...] = ()

    @property
    def current(self) -> PlanVersion:
        return self.versions[-1]


def draw_up_plan(
    existing: EmergencyPlan | None,
    *,
    authorization_id: str,
    region: str,
    actor_role: str,
    actor_org_id: str,
    actor_within_region: bool,
    operator_org_id: str,
    title: str,
    content: str,
    departments: tuple[str, ...],
    now: datetime,
) -> EmergencyPlan:
    """SEC-2: the bureau (实施单位) draws up the plan with the departments concerned — 001
    art.32: 实施单位应会同有关部门制定安全事件应急预案; 003 §4(三): 按照“一授权一预案”要求 —
    not the operator. A second drawing-up supersedes the first (never two in force)."""
    if actor_role != "bureau" or not actor_within_region:
        raise Forbidden(
            "the bureau with jurisdiction over the authorization draws up its emergency plan "
            "(实施单位应会同有关部门制定安全事件应急预案); the operator takes part in drills",
            rule="SEC-2",
        )
    if not title.strip() or not content.strip():
        raise DomainError("a plan has a title and content", rule="SEC-2", field="content")
    concerned = tuple(dict.fromkeys(d.strip() for d in departments if d.strip()))
    if not concerned:
        raise DomainError(
            "name the departments concerned the plan was drawn up with (会同有关部门)",
            rule="SEC-2",
            field="departments",
        )
    number = existing.current.version + 1 if existing else 1
    version = PlanVersion(
        version=number,
        title=title.strip(),
        content=content.strip(),
        departments=concerned,
        filed_at=now,
        drawn_up_by_org_id=actor_org_id,
    )
    if existing is None:
        return EmergencyPlan(
            authorization_id=authorization_id,
            region=region,
            bureau_org_id=actor_org_id,
            versions=(version,),
            operator_org_id=operator_org_id,
        )
    superseded = replace(existing.current, superseded_at=now)
    return replace(
        existing,
        versions=(*existing.versions[:-1], superseded, version),
        operator_org_id=operator_org_id or existing.operator_org_id,
    )


def record_drill(
    plan: EmergencyPlan,
    *,
    actor_role: str,
    actor_org_id: str,
    actor_within_region: bool,
    operator_org_id: str,
    held_on: date,
    scenario: str,
    participants: int,
    participating_org_ids: tuple[str, ...],
    lessons: str,
    today: date,
    now: datetime,
) -> EmergencyPlan:
    """SEC-2: the bureau organizes drills of the plan and the operator takes part (001
    art.32: 并组织运营单位开展应急演练); each is recorded once held, naming who took part."""
    if actor_role != "bureau" or not actor_within_region:
        raise Forbidden(
            "the bureau organizes the drills of the plan (组织运营单位开展应急演练)",
            rule="SEC-2",
        )
    operator = operator_org_id or plan.operator_org_id
    if not operator:
        raise DomainError(
            f"no operator is selected for authorization {plan.authorization_id} yet; a drill "
            "is held with the operator taking part",
            rule="SEC-2",
            field="participating_org_ids",
        )
    taking_part = tuple(dict.fromkeys(o.strip() for o in participating_org_ids if o.strip()))
    if operator not in taking_part:
        raise DomainError(
            f"the operator {operator} takes part in the drill (组织运营单位开展应急演练)",
            rule="SEC-2",
            field="participating_org_ids",
        )
    if held_on > today:
        raise DomainError("record a drill once it was held", rule="SEC-2", field="held_on")
    if not scenario.strip() or participants < 1:
        raise DomainError("a drill names its scenario and participants", rule="SEC-2")
    drill = Drill(
        held_on=held_on,
        scenario=scenario.strip(),
        participants=participants,
        lessons=lessons.strip(),
        recorded_at=now,
        organized_by_org_id=actor_org_id,
        participating_org_ids=taking_part,
        operator_took_part=True,
    )
    return replace(plan, operator_org_id=operator, drills=(*plan.drills, drill))


@dataclass(frozen=True, slots=True)
class Finding:
    text: str
    closed_at: datetime | None = None
    closure_note: str = ""


@dataclass(frozen=True, slots=True)
class Inspection:
    """A security inspection (安全检查, SEC-6) of one organization and its findings."""

    inspection_id: str
    region: str
    subject_org_id: str
    inspected_on: date
    inspector_org_id: str
    findings: tuple[Finding, ...]
    recorded_at: datetime

    @property
    def open_findings(self) -> int:
        return sum(1 for f in self.findings if f.closed_at is None)


def inspect(
    *,
    inspection_id: str,
    region: str,
    subject_org_id: str,
    inspected_on: date,
    inspector_org_id: str,
    findings: tuple[str, ...],
    today: date,
    now: datetime,
) -> Inspection:
    if inspected_on > today:
        raise DomainError("record an inspection once held", rule="SEC-6", field="inspected_on")
    if any(not f.strip() for f in findings):
        raise DomainError("a finding is stated in words", rule="SEC-6", field="findings")
    return Inspection(
        inspection_id=inspection_id,
        region=region,
        subject_org_id=subject_org_id,
        inspected_on=inspected_on,
        inspector_org_id=inspector_org_id,
        findings=tuple(Finding(text=f.strip()) for f in findings),
        recorded_at=now,
    )


def close_finding(inspection: Inspection, index: int, *, note: str, now: datetime) -> Inspection:
    """SEC-6: a finding is closed once, with a note of how."""
    if not 0 <= index < len(inspection.findings):
        raise DomainError(f"inspection has no finding {index}", rule="SEC-6", field="index")
    finding = inspection.findings[index]
    if finding.closed_at is not None:
        raise Conflict(f"finding {index} was closed already", rule="SEC-6")
    if not note.strip():
        raise DomainError("say how the finding was closed", rule="SEC-6", field="note")
    closed = replace(finding, closed_at=now, closure_note=note.strip())
    findings = (*inspection.findings[:index], closed, *inspection.findings[index + 1 :])
    return replace(inspection, findings=findings)
