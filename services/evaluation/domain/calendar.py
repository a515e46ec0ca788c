"""Calendar of evaluation (评估年度, 整改期限): years and deadlines run by the local date in
China Standard Time (UTC+8), not by the UTC date."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")


def local_date(at: datetime) -> date:
    if at.tzinfo is None:
        raise ValueError("a timezone-aware instant is needed")
    return at.astimezone(CHINA).date()


def year_of(at: datetime) -> int:
    """The evaluation year an instant belongs to."""
    return local_date(at).year
