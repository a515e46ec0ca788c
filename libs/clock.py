"""An injectable clock, so deadline rules are tested by moving time, never by sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the current time in UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at = self._at + delta

    def set(self, at: datetime) -> None:
        self._at = at


class DemoClock:
    """Wall time plus an offset that only the demo loader moves (演示时钟).

    Embedded demo mode runs the platform on this clock so the demo city's previous year
    happens at its own dates: the loader sets it to each month of that year in turn, never
    backwards, then hands over to wall time (offset zero) once the year is loaded. It is
    never used in distributed mode (``libs.config`` refuses ``PDO_DEMO_CLOCK`` there).
    """

    def __init__(self, at: datetime | None = None) -> None:
        """Starts at ``at`` (the first day of the demo year), or at wall time."""
        self._offset = timedelta(0) if at is None else at - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def set(self, at: datetime) -> None:
        """Move to ``at`` (the loader only moves forward once it has begun)."""
        if at.tzinfo is None:
            raise ValueError("DemoClock needs a timezone-aware datetime")
        self._offset = at - datetime.now(UTC)

    def hand_over(self) -> None:
        """From now on, wall time."""
        self._offset = timedelta(0)
