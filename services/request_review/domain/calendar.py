"""Calendar days in China (UTC+8): review dates and the end of a validity day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


def local_day(at: datetime) -> date:
    """The calendar day in China at the instant ``at`` (timezone-aware)."""
    return at.astimezone(CHINA_STANDARD_TIME).date()


def end_of_day(day: date) -> datetime:
    """The instant (UTC) a day ends in China: midnight starting the next day."""
    return datetime.combine(day + timedelta(days=1), time(0), CHINA_STANDARD_TIME).astimezone(UTC)
