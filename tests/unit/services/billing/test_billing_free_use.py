"""Free use: public-interest uses on the bureau's confirmed conditions (BIL-1), the
cultivation period from the plan's publication (BIL-4) and providers' free use of what was
made from data they supplied free (BIL-6)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from contracts.errors import DomainError
from services.billing.domain.free_use import (
    Confirmation,
    FreeUseFacts,
    OperatorTerm,
    Supply,
    add_years,
    check_confirmation,
    cultivation_period,
    free_reason,
)
from services.billing.domain.jurisdiction import check_cultivation_years

CHINA = timezone(timedelta(hours=8))
CONFIRMED_AT = datetime(2026, 4, 1, 9, 0, tzinfo=CHINA)
PLAN_PUBLISHED = date(2025, 7, 1)

FACTS = FreeUseFacts(
    scenario_classes={"sc-pub": "public_interest", "sc-com": "commercial"},
    confirmations={
        "sc-pub": (
            Confirmation(CONFIRMED_AT, True, "仅用于社会救助对象核查，不对外提供", "org-bureau"),
            Confirmation(
                datetime(2026, 9, 1, 9, 0, tzinfo=CHINA), False, "条件不再满足", "org-bureau"
            ),
        )
    },
    product_supply={
        "prod-credit": Supply(frozenset({"org-tax"}), date(2026, 3, 10)),
        "prod-late": Supply(frozenset({"org-tax"}), date(2028, 7, 1)),
    },
    operators=(
        OperatorTerm("org-op", date(2026, 1, 1), date(2028, 12, 31)),
        OperatorTerm("org-op-2", date(2027, 6, 1), date(2030, 5, 31)),
    ),
    cultivation=cultivation_period(PLAN_PUBLISHED, 3),
)


def reason(
    customer: str,
    product: str = "prod-credit",
    scenario: str = "",
    at: datetime = datetime(2026, 5, 1, 10, 0, tzinfo=CHINA),
) -> str | None:
    return free_reason(
        FACTS, customer_org_id=customer, product_id=product, scenario_id=scenario, at=at
    )


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=CHINA)


def test_BIL_1_public_interest_use_is_free_only_on_conditions_the_bureau_confirmed() -> None:
    """潍坊 001 第二十一条（一）：“用于公共治理、公益事业的公共数据资源产品和服务，实行有条件
    无偿使用”；淄博 000 四（七）：“市大数据局指导推动用于公共治理、公益事业的公共数据产品和
    服务有条件无偿使用”。Free only from the bureau's confirmation until it is withdrawn; before
    it, the use is charged."""
    before = CONFIRMED_AT - timedelta(minutes=1)
    assert reason("org-dev", scenario="sc-pub", at=before) is None
    assert reason("org-dev", scenario="sc-pub", at=CONFIRMED_AT) == "public_interest"
    assert reason("org-dev", scenario="sc-pub", at=noon(date(2026, 8, 31))) == "public_interest"
    assert reason("org-dev", scenario="sc-pub", at=noon(date(2026, 9, 1))) is None
    assert reason("org-dev", scenario="sc-com") is None
    assert reason("org-dev", scenario="sc-unknown") is None


def test_BIL_1_only_a_public_interest_scenario_is_confirmed_free_and_on_stated_conditions() -> None:
    """淄博 000 四（七）：“运营机构用于产业发展、行业发展等公共数据经营性产品和服务，以政府
    指导价收取……费用”: a commercial scenario cannot be confirmed free."""
    with pytest.raises(DomainError) as commercial:
        check_confirmation("commercial", "看起来有公益性", True)
    assert (commercial.value.rule, commercial.value.field) == ("BIL-1", "scenario_id")
    with pytest.raises(DomainError) as blank:
        check_confirmation("public_interest", "  ", True)
    assert blank.value.field == "conditions"
    with pytest.raises(DomainError) as unseen:
        check_confirmation(None, "条件", True)
    assert unseen.value.field == "scenario_id"
    check_confirmation("public_interest", "仅用于公共治理", True)
    check_confirmation("commercial", "撤回", False)


def test_BIL_4_the_cultivation_period_runs_from_the_plans_publication_for_every_operator() -> None:
    """淄博 000 四（七）：“自方案发布起3年内为数据要素型企业培育期。培育期内，政府无偿向运营
    机构提供公共数据”. From the plan's publication (not the first agreement), and a later or
    replacement operator authorized inside the period is supplied free too."""
    # Before the first agreement was signed, but inside the period: no operator yet.
    assert reason("org-op", at=noon(date(2025, 12, 31))) is None
    assert reason("org-op", at=noon(date(2026, 1, 1))) == "cultivation_period"
    # A later operator, signed in 2027, is inside the same period...
    assert reason("org-op-2", at=noon(date(2027, 6, 1))) == "cultivation_period"
    assert reason("org-op-2", at=noon(date(2028, 6, 30))) == "cultivation_period"
    # ...which ends three years after the plan's publication, not after any agreement.
    assert reason("org-op-2", at=noon(date(2028, 7, 1))) is None
    assert reason("org-op", at=noon(date(2028, 7, 1))) is None
    assert reason("org-dev", at=noon(date(2027, 1, 1))) is None


def test_BIL_4_no_cultivation_period_without_a_publication_date_and_the_years_are_bounded() -> None:
    """淄博 000 四（七）：“自方案发布起3年内为数据要素型企业培育期”: the start is the plan's
    publication, a jurisdiction date; a jurisdiction whose text has none has no period."""
    assert cultivation_period(None, 3) is None
    assert cultivation_period(PLAN_PUBLISHED, 0) is None
    period = cultivation_period(date(2024, 2, 29), 3)
    assert period is not None
    assert (period.starts_on, period.ends_before) == (date(2024, 2, 29), date(2027, 2, 28))
    assert add_years(date(2026, 7, 1), 0) == date(2026, 7, 1)
    with pytest.raises(DomainError) as caught:
        check_cultivation_years(11)
    assert caught.value.rule == "BIL-4"


def test_BIL_6_a_provider_uses_free_only_results_of_data_it_supplied_free() -> None:
    """淄博 000 四（七）：“运营机构通过无偿使用公共数据所产生的数据治理成果、数据产品和服务，
    其公共数据提供单位有权无偿使用”. The grant behind ``prod-credit`` supplied the data in the
    cultivation period (free); the one behind ``prod-late`` after it (not free)."""
    assert reason("org-tax") == "provider_own_use"
    assert reason("org-tax", product="prod-late", at=noon(date(2028, 8, 1))) is None
    assert reason("org-tax", product="prod-other") is None
    no_period = FreeUseFacts(product_supply=FACTS.product_supply)
    assert (
        free_reason(
            no_period,
            customer_org_id="org-tax",
            product_id="prod-credit",
            scenario_id="",
            at=datetime(2026, 5, 1, tzinfo=UTC),
        )
        is None
    )
