"""The operator's revenue of the year against its max allowed revenue (最高准许收入):
alerts at 90 % and again at 100 %, once per threshold per year (BIL-8)."""

from __future__ import annotations

from collections.abc import Iterable

THRESHOLDS = (90, 100)


def reached(revenue_fen: int, max_revenue_fen: int) -> tuple[int, ...]:
    """The thresholds (percent) the revenue has reached; none without a max."""
    if max_revenue_fen <= 0:
        return ()
    return tuple(t for t in THRESHOLDS if revenue_fen * 100 >= max_revenue_fen * t)


def alerts_due(revenue_fen: int, max_revenue_fen: int, alerted: Iterable[int]) -> list[int]:
    """BIL-8: thresholds reached and not alerted before in this year."""
    done = set(alerted)
    return [t for t in reached(revenue_fen, max_revenue_fen) if t not in done]
