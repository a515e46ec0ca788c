"""The bureau's annual evaluation of the operator (年度评估, EVA-2): the assessment of a
year that has ended, its findings, and the rectification orders they become (EVA-3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from contracts.errors import DomainError
from services.evaluation.domain import rectification
from services.evaluation.domain.calendar import year_of
from services.evaluation.domain.indicators import Assessment, Indicator, YearFigures


@dataclass(frozen=True, slots=True)
class FindingDue:
    """A finding the bureau wants rectified by ``due_on``."""

    finding: str
    due_on: date


@dataclass(frozen=True, slots=True)
class Evaluation:
    evaluation_id: str
    region: str
    operator_org_id: str
    year: int
    figures: YearFigures
    indicators: tuple[Indicator, ...]
    score: Decimal
    conclusion: str
    remarks: str
    order_ids: tuple[str, ...]
    evaluated_at: datetime
    evaluated_by_org_id: str


def evaluation_id_of(operator_org_id: str, year: int) -> str:
    """One evaluation per operator and year: the id says which."""
    return f"eval-{operator_org_id}-{year}"


def evaluate(
    *,
    region: str,
    operator_org_id: str,
    year: int,
    figures: YearFigures,
    assessment: Assessment,
    findings: tuple[FindingDue, ...],
    remarks: str,
    now: datetime,
    bureau_org_id: str,
) -> tuple[Evaluation, tuple[rectification.RectificationOrder, ...]]:
    """EVA-2: a year is evaluated once it has ended; EVA-3: each finding becomes an
    order with its deadline."""
    if year >= year_of(now):
        raise DomainError(f"the year {year} has not ended", rule="EVA-2", field="year")
    if not figures.agreement_signed:
        raise DomainError(
            f"{operator_org_id} held no authorization agreement by the end of {year}",
            rule="EVA-2",
            field="operator_org_id",
        )
    evaluation_id = evaluation_id_of(operator_org_id, year)
    orders = tuple(
        rectification.order(
            order_id=f"rect-{evaluation_id}-{index + 1}",
            region=region,
            operator_org_id=operator_org_id,
            finding=f.finding,
            due_on=f.due_on,
            now=now,
            ordered_by_org_id=bureau_org_id,
            evaluation_id=evaluation_id,
        )
        for index, f in enumerate(findings)
    )
    evaluation = Evaluation(
        evaluation_id=evaluation_id,
        region=region,
        operator_org_id=operator_org_id,
        year=year,
        figures=figures,
        indicators=assessment.indicators,
        score=assessment.score,
        conclusion=assessment.conclusion,
        remarks=remarks.strip(),
        order_ids=tuple(o.order_id for o in orders),
        evaluated_at=now,
        evaluated_by_org_id=bureau_org_id,
    )
    return evaluation, orders
