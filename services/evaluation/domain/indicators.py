"""The annual evaluation of the operator (年度评估, EVA-2, EVA-5): the year's figures,
one indicator per aspect scored 0–100, and the weighted score as a ``Decimal``.

Theory of operation: the service gathers ``YearFigures`` from its projections of the
other services' events and its own records (incidents, rectification orders); this
module turns them into indicators without any I/O. Scores are ``Decimal`` rounded half
up to two places and travel as strings, so the published score never drifts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from services.evaluation.domain.settings import INDICATORS, EvaluationSettings

HUNDRED = Decimal(100)
CENT = Decimal("0.01")

SEVERITY_PENALTY: Mapping[str, int] = {"low": 5, "medium": 10, "high": 25, "critical": 50}
"""Points the security indicator loses per incident of the year, by severity (SEC-2)."""

OVERDUE_PENALTY = 40
OPEN_PENALTY = 10
SUSPENSION_PENALTY = 50

CONCLUSIONS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(90), "excellent"),  # 优秀
    (Decimal(75), "good"),  # 良好
    (Decimal(60), "pass"),  # 合格
)
FAIL = "fail"  # 不合格: no renewal without rectification (EVA-2 feeds AUTH-5/AUTH-6)


@dataclass(frozen=True, slots=True)
class YearFigures:
    """What happened in one year for one operator, as the platform saw it."""

    year: int
    agreement_signed: bool = False
    agreement_terminated: bool = False
    suspensions: int = 0
    scenarios_total: int = 0
    """Scenarios filed and not retired by the end of the year (cumulative, EVA-5)."""
    scenarios_in_year: int = 0
    products_total: int = 0
    """Distinct products released and not withdrawn by the end of the year (EVA-5)."""
    products_in_year: int = 0
    applications_approved: int = 0
    usage_quantity: int = 0
    jobs_finished: int = 0
    revenue_fen: int = 0
    trades: int = 0
    incidents: dict[str, int] = field(default_factory=dict)
    """Incidents of the year by severity."""
    orders_issued: int = 0
    orders_overdue: int = 0
    orders_open: int = 0
    orders_completed: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "year": self.year,
            "agreement_signed": self.agreement_signed,
            "agreement_terminated": self.agreement_terminated,
            "suspensions": self.suspensions,
            "scenarios_total": self.scenarios_total,
            "scenarios_in_year": self.scenarios_in_year,
            "products_total": self.products_total,
            "products_in_year": self.products_in_year,
            "applications_approved": self.applications_approved,
            "usage_quantity": self.usage_quantity,
            "jobs_finished": self.jobs_finished,
            "revenue_fen": self.revenue_fen,
            "trades": self.trades,
            "incidents": dict(sorted(self.incidents.items())),
            "orders_issued": self.orders_issued,
            "orders_overdue": self.orders_overdue,
            "orders_open": self.orders_open,
            "orders_completed": self.orders_completed,
        }


@dataclass(frozen=True, slots=True)
class Indicator:
    name: str
    value: Decimal
    """0–100."""
    weight: int
    basis: str
    """How the value came about, in words an official can check."""


@dataclass(frozen=True, slots=True)
class Assessment:
    indicators: tuple[Indicator, ...]
    score: Decimal
    conclusion: str


def _ratio(achieved: int, target: int) -> Decimal:
    """Share of a target reached, capped at 100; a zero target is met by anything."""
    if target <= 0:
        return HUNDRED
    return min(HUNDRED, Decimal(achieved) * HUNDRED / Decimal(target))


def _floor(points: int) -> Decimal:
    return Decimal(max(0, 100 - points))


def _agreement(f: YearFigures) -> tuple[Decimal, str]:
    if not f.agreement_signed:
        return Decimal(0), "no authorization agreement in force"
    if f.agreement_terminated:
        return Decimal(0), "agreement terminated"
    return _floor(SUSPENSION_PENALTY * f.suspensions), f"{f.suspensions} suspension(s)"


def indicator_values(f: YearFigures, s: EvaluationSettings) -> dict[str, tuple[Decimal, str]]:
    """Each indicator's value and basis (EVA-2; scenarios and products against EVA-5)."""
    target = s.target_for(f.year)
    incidents = sum(f.incidents.values())
    security_points = sum(SEVERITY_PENALTY.get(k, 10) * n for k, n in f.incidents.items())
    return {
        "agreement_execution": _agreement(f),
        "scenarios": (
            _ratio(f.scenarios_total, target.scenarios),
            f"{f.scenarios_total} of {target.scenarios} scenarios (target of {target.year})",
        ),
        "products": (
            _ratio(f.products_total, target.products),
            f"{f.products_total} of {target.products} products (target of {target.year})",
        ),
        "usage": (
            _ratio(f.usage_quantity, s.usage_target),
            f"{f.usage_quantity} of {s.usage_target} metered units",
        ),
        "revenue": (
            _ratio(f.revenue_fen, s.revenue_target_fen),
            f"{f.revenue_fen} of {s.revenue_target_fen} fen invoiced",
        ),
        "security": (_floor(security_points), f"{incidents} incident(s)"),
        "rectification": (
            _floor(OVERDUE_PENALTY * f.orders_overdue + OPEN_PENALTY * f.orders_open),
            f"{f.orders_overdue} overdue, {f.orders_open} open, "
            f"{f.orders_completed} completed of {f.orders_issued} order(s)",
        ),
    }


def conclusion_of(score: Decimal) -> str:
    for threshold, name in CONCLUSIONS:
        if score >= threshold:
            return name
    return FAIL


def assess(f: YearFigures, s: EvaluationSettings) -> Assessment:
    """EVA-2: the weighted score of the indicators, with the settings' weights."""
    values = indicator_values(f, s)
    indicators = tuple(
        Indicator(
            name=name,
            value=values[name][0].quantize(CENT, ROUND_HALF_UP),
            weight=s.weights[name],
            basis=values[name][1],
        )
        for name in INDICATORS
    )
    total_weight = sum(i.weight for i in indicators)
    weighted = sum((i.value * i.weight for i in indicators), Decimal(0))
    score = (weighted / Decimal(total_weight)).quantize(CENT, ROUND_HALF_UP)
    return Assessment(indicators=indicators, score=score, conclusion=conclusion_of(score))
