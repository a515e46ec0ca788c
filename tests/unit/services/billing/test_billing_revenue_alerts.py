"""Alerts at 90 % and 100 % of the max allowed revenue, once per threshold (BIL-8)."""

from __future__ import annotations

from services.billing.domain.revenue import alerts_due, reached


def test_BIL_8_alerts_at_90_and_again_at_100_percent_once_each() -> None:
    assert alerts_due(8_999, 10_000, []) == []
    assert alerts_due(9_000, 10_000, []) == [90]
    assert alerts_due(9_999, 10_000, [90]) == []
    assert alerts_due(10_000, 10_000, [90]) == [100]
    assert alerts_due(12_000, 10_000, [90, 100]) == []
    assert alerts_due(12_000, 10_000, []) == [90, 100]


def test_BIL_8_no_alert_without_a_max() -> None:
    assert reached(10**9, 0) == ()
