"""The agreement's required sections (AUTH-4), its term (AUTH-3), the renewal window
(AUTH-5), and the jurisdiction settings that hold these limits. Pure."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import DomainError, Forbidden
from services.identity.domain.agreement import (
    REQUIRED_SECTIONS,
    check_renewal_window,
    check_sections_complete,
    check_term,
    latest_end,
    missing_sections,
    renewal_window_opens,
)
from services.identity.domain.dates import add_months, add_years
from services.identity.domain.jurisdiction import JurisdictionSettings, change, defaults_for
from tests.unit.services.identity.factories import SECTIONS, settings_factory


def test_AUTH_4_the_eleven_required_sections() -> None:
    assert list(REQUIRED_SECTIONS) == [
        "resource_scope",
        "products_and_services",
        "technical_platform",
        "asset_ownership",
        "disclosure_duties",
        "cost_and_revenue",
        "security",
        "evaluation_renewal_exit",
        "liability",
        "dispute_resolution",
        "change_and_termination",
    ]
    assert "不得对已交付产品再开发" in REQUIRED_SECTIONS["disclosure_duties"]
    check_sections_complete(SECTIONS)
    assert missing_sections(SECTIONS) == []


def test_AUTH_4_blank_sections_count_as_missing() -> None:
    with pytest.raises(DomainError) as refused:
        check_sections_complete({**SECTIONS, "liability": "   ", "security": ""})
    assert refused.value.rule == "AUTH-4" and refused.value.field == "sections"
    assert "liability" in refused.value.detail and "security" in refused.value.detail
    assert missing_sections({}) == list(REQUIRED_SECTIONS)


def test_AUTH_3_default_maximum_is_three_years_and_weifang_five() -> None:
    assert defaults_for("370300").max_term_years == 3
    assert defaults_for("370303").max_term_years == 3
    assert defaults_for("370700").max_term_years == 5
    assert defaults_for("370702").max_term_years == 5  # a Weifang district follows its city
    start = date(2026, 4, 1)
    check_term(start, date(2029, 4, 1), settings_factory())
    with pytest.raises(DomainError) as refused:
        check_term(start, date(2029, 4, 2), settings_factory())
    assert refused.value.rule == "AUTH-3" and "3-year maximum" in refused.value.detail
    check_term(start, date(2031, 4, 1), defaults_for("370700"))
    with pytest.raises(DomainError, match="end after it starts"):
        check_term(start, start, settings_factory())


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)),
    st.integers(1, 5),
    st.integers(-400, 400),
)
def test_AUTH_3_a_term_is_accepted_exactly_up_to_the_maximum(
    start: date, years: int, offset: int
) -> None:
    settings = settings_factory(max_term_years=years)
    limit = latest_end(start, settings)
    end = date.fromordinal(limit.toordinal() + offset)
    if end <= start or end > limit:
        with pytest.raises(DomainError):
            check_term(start, end, settings)
    else:
        check_term(start, end, settings)


def test_AUTH_5_the_window_is_the_last_three_months_by_default() -> None:
    end = date(2029, 3, 31)
    assert renewal_window_opens(end, settings_factory()) == date(2028, 12, 31)
    check_renewal_window(date(2028, 12, 31), end, settings_factory())
    check_renewal_window(end, end, settings_factory())
    for outside in (date(2028, 12, 30), date(2029, 4, 1)):
        with pytest.raises(DomainError) as refused:
            check_renewal_window(outside, end, settings_factory())
        assert refused.value.rule == "AUTH-5"
    six = settings_factory(renewal_window_months=6)
    check_renewal_window(date(2028, 10, 1), end, six)


def test_calendar_arithmetic_clamps_to_the_end_of_the_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_AUTH_3_only_the_bureau_of_the_region_changes_its_settings_within_bounds() -> None:
    """AUTH-3: a bureau cannot raise its own jurisdiction's term beyond its source. 000 §3.2
    (淄博): “授权运营协议有效期为3年”; 001 art.12(四) (潍坊): “运营期限原则上最长不超过5年”."""
    zibo = defaults_for("370300")
    with pytest.raises(DomainError) as fixed:
        change(zibo, {"max_term_years": 5}, actor_role="bureau", actor_region="370300")
    assert fixed.value.rule == "AUTH-3" and fixed.value.field == "max_term_years"
    assert "fixed at 3 years" in fixed.value.detail
    weifang = defaults_for("370700")
    narrowed = change(weifang, {"max_term_years": 4}, actor_role="bureau", actor_region="370700")
    assert narrowed.max_term_years == 4 and narrowed.publicity_days == weifang.publicity_days
    current = JurisdictionSettings(region="370300")
    with pytest.raises(Forbidden):
        change(current, {"max_term_years": 3}, actor_role="bureau", actor_region="370303")
    with pytest.raises(Forbidden):
        change(current, {"max_term_years": 3}, actor_role="provider", actor_region="370300")
    for name, value, rule in (
        ("max_term_years", 6, "AUTH-3"),
        ("renewal_window_months", 0, "AUTH-5"),
        ("publicity_days", 1, "AUTH-2"),
        ("correction_days", 0, "AUTH-6"),
    ):
        with pytest.raises(DomainError) as refused:
            change(current, {name: value}, actor_role="bureau", actor_region="370300")
        assert refused.value.rule == rule and refused.value.field == name
