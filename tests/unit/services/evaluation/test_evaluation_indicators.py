"""The weighted evaluation (EVA-2) against jurisdiction targets (EVA-5), pure."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from contracts.errors import DomainError
from services.evaluation.domain import settings as st
from services.evaluation.domain.indicators import YearFigures, assess, conclusion_of
from services.evaluation.domain.settings import EvaluationSettings, Target

ZIBO = EvaluationSettings(region="370300")


def figures(**overrides: object) -> YearFigures:
    base = YearFigures(
        year=2026,
        agreement_signed=True,
        scenarios_total=6,
        products_total=200,
        usage_quantity=10_000,
        revenue_fen=1_000_000,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def test_EVA_5_zibo_targets_are_the_defaults_by_year() -> None:
    assert ZIBO.target_for(2025) == Target(year=2025, scenarios=3, products=50)
    assert ZIBO.target_for(2026) == Target(year=2026, scenarios=6, products=200)
    assert ZIBO.target_for(2027).year == 2026  # the latest target stands
    assert ZIBO.target_for(2024).year == 2025  # before any target: the first one


def test_EVA_2_meeting_every_target_scores_a_hundred() -> None:
    result = assess(figures(), ZIBO)
    assert result.score == Decimal("100.00") and result.conclusion == "excellent"
    assert [i.name for i in result.indicators] == list(st.INDICATORS)


def test_EVA_2_the_score_is_the_weighted_mean_rounded_half_up() -> None:
    result = assess(
        figures(scenarios_total=3, products_total=2, usage_quantity=5000, revenue_fen=500_000), ZIBO
    )
    assert str(result.score) == "67.65" and result.conclusion == "pass"


def test_EVA_5_the_same_year_against_2025_targets_meets_them() -> None:
    met = assess(figures(year=2025, scenarios_total=3, products_total=50), ZIBO)
    missed = assess(figures(year=2026, scenarios_total=3, products_total=50), ZIBO)
    assert met.score == Decimal("100.00") and missed.score < met.score


def test_EVA_2_incidents_suspensions_and_overdue_orders_cost_points() -> None:
    values = {
        i.name: i.value
        for i in assess(
            figures(
                incidents={"high": 1, "low": 2}, suspensions=1, orders_overdue=1, orders_open=1
            ),
            ZIBO,
        ).indicators
    }
    assert values["security"] == Decimal("65.00")
    assert values["agreement_execution"] == Decimal("50.00")
    assert values["rectification"] == Decimal("50.00")


def test_EVA_2_without_an_agreement_or_after_termination_execution_is_zero() -> None:
    for f in (figures(agreement_signed=False), figures(agreement_terminated=True)):
        execution = next(i for i in assess(f, ZIBO).indicators if i.name == "agreement_execution")
        assert execution.value == Decimal(0)


def test_EVA_2_weights_are_settings() -> None:
    only_security = {name: 0 for name in st.INDICATORS} | {"security": 1}
    custom = replace(ZIBO, weights=only_security)
    assert assess(figures(products_total=0, incidents={"critical": 1}), custom).score == Decimal(
        "50.00"
    )


@pytest.mark.parametrize(
    ("score", "conclusion"),
    [("90", "excellent"), ("89.99", "good"), ("75", "good"), ("60", "pass"), ("59.99", "fail")],
)
def test_EVA_2_conclusions_by_threshold(score: str, conclusion: str) -> None:
    assert conclusion_of(Decimal(score)) == conclusion


def test_EVA_5_settings_are_checked() -> None:
    with pytest.raises(DomainError) as missing:
        st.check(replace(ZIBO, weights={"security": 1}))
    assert missing.value.rule == "EVA-2"
    with pytest.raises(DomainError):
        st.check(replace(ZIBO, weights=dict.fromkeys(st.INDICATORS, 0)))
    with pytest.raises(DomainError) as twice:
        st.check(replace(ZIBO, targets=(Target(2026, 1, 1), Target(2026, 2, 2))))
    assert twice.value.rule == "EVA-5"
    assert st.check(ZIBO) is ZIBO


def test_EVA_5_a_county_inherits_the_citys_settings() -> None:
    city = replace(ZIBO, targets=(Target(2026, 1, 1),), defined_by="370300")
    found = st.effective("370303", {"370300": city})
    assert found.targets == city.targets and found.defined_by == "370300"
    assert st.effective("370303", {}).defined_by == ""
    assert st.lineage("370303") == ("370303", "370300", "370000")
