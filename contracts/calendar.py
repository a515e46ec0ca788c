"""Calendar arithmetic shared by the services' domains: months added on the calendar,
in China Standard Time (UTC+8, no daylight saving), where terms and periods are counted.

Pure standard library, like the rest of ``contracts``, so every ``domain/`` may use it.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")


def add_months(day: date, months: int) -> date:
    """Same day of month ``months`` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def local_date(at: datetime) -> date:
    """The calendar day in China of a timezone-aware instant."""
    if at.tzinfo is None:
        raise ValueError("a timezone-aware instant is needed")
    return at.astimezone(CHINA).date()


def end_of_months_after(at: datetime, months: int) -> datetime:
    """The end (24:00, China time) of the last day of a period of ``months`` calendar
    months counted from the day of ``at``: the day itself is not counted, the period ends
    on the corresponding day of the last month (its last day when it has none), at 24:00
    (Civil Code art. 201–203). Returned as the instant, in UTC."""
    last_day = add_months(local_date(at), months)
    return datetime.combine(last_day + timedelta(days=1), time(), tzinfo=CHINA).astimezone(UTC)
