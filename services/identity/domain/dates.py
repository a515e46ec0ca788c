"""Calendar arithmetic for terms and deadlines (期限), in China Standard Time.

Agreements run by calendar day in Beijing time (UTC+8, no daylight saving), so "today"
is the local date of the UTC instant the clock gives, not the UTC date.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")


def local_date(at: datetime) -> date:
    if at.tzinfo is None:
        raise ValueError("a timezone-aware instant is needed")
    return at.astimezone(CHINA).date()


def add_months(day: date, months: int) -> date:
    """Same day of month ``months`` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)
