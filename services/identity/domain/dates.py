"""Calendar arithmetic for terms and deadlines (期限), in China Standard Time.

Agreements run by calendar day in Beijing time (UTC+8, no daylight saving), so "today"
is the local date of the UTC instant the clock gives, not the UTC date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from contracts.calendar import add_months

__all__ = [
    "CHINA",
    "add_months",
    "add_working_days",
    "add_years",
    "end_of_period_in_days",
    "is_working_day",
    "local_date",
]

CHINA = timezone(timedelta(hours=8), "CST")


def local_date(at: datetime) -> date:
    if at.tzinfo is None:
        raise ValueError("a timezone-aware instant is needed")
    return at.astimezone(CHINA).date()


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def end_of_period_in_days(published_at: datetime, days: int) -> datetime:
    """The instant a period of ``days`` days starting with ``published_at`` ends: counting
    starts on the next day (Civil Code art. 201: 开始的当日不计入，自下一日开始计算) and the
    last day ends at 24:00 (art. 203: 期间的最后一日的截止时间为二十四时), in local time.
    Published on 2 March at 09:00 in Beijing, a 7-day period ends at 24:00 on 9 March, which
    is 00:00 on 10 March (Beijing) or 16:00 on 9 March UTC."""
    last_day = local_date(published_at) + timedelta(days=days)
    next_midnight = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), CHINA)
    return next_midnight.astimezone(UTC)


def is_working_day(day: date, holidays: tuple[date, ...] = ()) -> bool:
    """Monday to Friday and not a listed public holiday (法定节假日)."""
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: tuple[date, ...] = ()) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted)."""
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            counted += 1
    return day
