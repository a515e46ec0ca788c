"""Log retention (AUTH-7), pure: six calendar months from the authorization's exit, and
no purge before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contracts.calendar import CHINA
from contracts.errors import Conflict
from services.sandbox_broker.domain import retention


def test_AUTH_7_logs_are_kept_six_calendar_months_from_the_exit_not_183_days() -> None:
    """001 art.24: "及时删除所有授权的相关公共数据,并按照规定留存相关网络日志不少于6个月"。
    Six calendar months, counted from the exit day (not counted), ending at 24:00 China time
    of the corresponding day, or of the month's last day when it has none."""
    exit_at = datetime(2026, 8, 31, 10, 0, tzinfo=CHINA)
    until = retention.retained_until(exit_at)
    assert until == datetime(2027, 3, 1, 0, 0, tzinfo=CHINA)  # 28 Feb 2027 is the last day
    assert until != exit_at + timedelta(days=183)
    spring = retention.retained_until(datetime(2027, 1, 15, 23, 30, tzinfo=CHINA))
    assert spring == datetime(2027, 7, 16, 0, 0, tzinfo=CHINA)
    # an exit late in the evening UTC is the next day in China
    late = retention.retained_until(datetime(2026, 3, 31, 17, 0, tzinfo=UTC))
    assert late == datetime(2026, 10, 2, 0, 0, tzinfo=CHINA)
    with pytest.raises(ValueError):
        retention.retained_until(exit_at, months=5)


def test_AUTH_7_a_purge_before_the_retention_or_while_the_authorization_lives_is_refused() -> None:
    """001 art.24: "留存相关网络日志不少于6个月"; 000 §3.3: "留存相关工作日志"。"""
    until = datetime(2027, 3, 1, tzinfo=CHINA)
    with pytest.raises(Conflict) as alive:
        retention.check_purgeable("sandbox s", retain_until=None, now=until + timedelta(days=999))
    assert alive.value.rule == "AUTH-7"
    with pytest.raises(Conflict) as early:
        retention.check_purgeable("sandbox s", retain_until=until, now=until - timedelta(seconds=1))
    assert early.value.rule == "AUTH-7"
    retention.check_purgeable("sandbox s", retain_until=until, now=until)
