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


PERIOD_EVENTS = frozenset({"invoice.issued", "revenue.distributed"})
"""Events of a billing period, which names its own year (``2026-03``)."""


def fact_year(
    kind: str, occurred_at: datetime, *, period: str = "", used_at: datetime | None = None
) -> int:
    """EVA-2: the evaluation year an event counts in. A billing period counts in the year
    it names; a use in the year it happened (``used_at``: a verification call staged with
    its batch after midnight of 31 December is still the old year's); else the year the
    event occurred."""
    if kind in PERIOD_EVENTS and period[:4].isdigit():
        return int(period[:4])
    return year_of(used_at or occurred_at)
