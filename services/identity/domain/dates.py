"""Calendar arithmetic for terms and deadlines (期限), in China Standard Time.

Agreements run by calendar day in Beijing time (UTC+8, no daylight saving), so "today"
is the local date of the UTC instant the clock gives, not the UTC date.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from contracts.calendar import add_months

__all__ = ["CHINA", "add_months", "add_years", "local_date"]

CHINA = timezone(timedelta(hours=8), "CST")


def local_date(at: datetime) -> date:
    if at.tzinfo is None:
        raise ValueError("a timezone-aware instant is needed")
    return at.astimezone(CHINA).date()


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)
