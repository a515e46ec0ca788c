"""Free use: public-interest scenarios (BIL-1), providers' own use (BIL-6) and the
cultivation period (BIL-4)."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.errors import DomainError
from services.billing.domain.free_use import (
    FreeUseFacts,
    add_years,
    check_cultivation_years,
    cultivation_period,
    free_reason,
)

FACTS = FreeUseFacts(
    scenario_classes={"sc-pub": "public_interest", "sc-com": "commercial"},
    product_providers={"prod-credit": frozenset({"org-tax"})},
    cultivation=cultivation_period("org-op", date(2026, 1, 1), 3),
)


def reason(
    customer: str, product: str = "prod-credit", scenario: str = "", on: date = date(2026, 5, 1)
) -> str | None:
    return free_reason(
        FACTS, customer_org_id=customer, product_id=product, scenario_id=scenario, on=on
    )


def test_BIL_1_public_interest_use_is_free_and_commercial_use_is_not() -> None:
    assert reason("org-dev", scenario="sc-pub") == "public_interest"
    assert reason("org-dev", scenario="sc-com") is None
    assert reason("org-dev", scenario="sc-unknown") is None


def test_BIL_6_a_provider_uses_results_from_its_own_data_free() -> None:
    assert reason("org-tax") == "provider_own_use"
    assert reason("org-tax", product="prod-other") is None


def test_BIL_4_the_operator_is_supplied_free_inside_the_cultivation_period_only() -> None:
    assert reason("org-op", on=date(2028, 12, 31)) == "cultivation_period"
    assert reason("org-op", on=date(2029, 1, 1)) is None
    assert reason("org-op", on=date(2025, 12, 31)) is None
    assert reason("org-dev", on=date(2027, 1, 1)) is None


def test_BIL_4_the_cultivation_period_defaults_to_three_years_and_is_bounded() -> None:
    period = cultivation_period("org-op", date(2024, 2, 29), 3)
    assert (period.starts_on, period.ends_before) == (date(2024, 2, 29), date(2027, 2, 28))
    assert add_years(date(2026, 7, 1), 0) == date(2026, 7, 1)
    with pytest.raises(DomainError) as caught:
        check_cultivation_years(11)
    assert caught.value.rule == "BIL-4"
