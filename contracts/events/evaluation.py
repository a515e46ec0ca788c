"""Events of evaluation: annual evaluation (年度评估) and rectification orders (整改)."""

from __future__ import annotations

from datetime import date

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
