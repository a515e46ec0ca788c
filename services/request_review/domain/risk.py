"""Risks found during review (风险报告), reported to the bureau as records of their own
(REQ-7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from contracts.errors import DomainError
from contracts.events import RiskReported

SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True, slots=True)
class Risk:
    risk_id: str
    application_id: str
    reporter_org_id: str
    reporter_user_id: str
    severity: str
    description: str
    reported_at: datetime


def report(
    *,
    risk_id: str,
    application_id: str,
    reporter_org_id: str,
    reporter_user_id: str,
    severity: str,
    description: str,
    now: datetime,
) -> tuple[Risk, RiskReported]:
    """REQ-7: a required reviewer's risk finding (the caller checks who reviews)."""
    if severity not in SEVERITIES:
        raise DomainError(
            "severity is one of " + ", ".join(SEVERITIES), rule="REQ-7", field="severity"
        )
    if not description.strip():
        raise DomainError("describe the risk", rule="REQ-7", field="description")
    risk = Risk(
        risk_id=risk_id,
        application_id=application_id,
        reporter_org_id=reporter_org_id,
        reporter_user_id=reporter_user_id,
        severity=severity,
        description=description,
        reported_at=now,
    )
    return risk, RiskReported(
        risk_id=risk_id,
        application_id=application_id,
        reporter_org_id=reporter_org_id,
        severity=severity,
        description=description,
    )
