"""Which evaluation year a recorded fact belongs to."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from services.evaluation.domain.calendar import fact_year
from services.evaluation.facts import fact_of
from tests.support.billing import usage

BEIJING = timezone(timedelta(hours=8))


def test_EVA_2_a_call_answered_in_one_year_and_staged_in_the_next_counts_in_its_own_year() -> None:
    answered = datetime(2026, 12, 31, 23, 59, 59, tzinfo=BEIJING)
    staged = answered + timedelta(seconds=2)  # the batch went out after midnight
    fact = fact_of(usage("org-dev", 3, at=staged, metered_at=answered))
    assert fact["year"] == 2026


def test_EVA_2_a_use_without_its_own_instant_counts_in_the_year_its_event_occurred() -> None:
    fact = fact_of(usage("org-dev", 3, at=datetime(2027, 1, 1, 0, 0, 1, tzinfo=BEIJING)))
    assert fact["year"] == 2027


def test_EVA_2_an_invoice_counts_in_the_year_its_billing_period_names() -> None:
    issued = datetime(2027, 1, 2, 9, 0, tzinfo=BEIJING)  # December's invoice, issued in January
    assert fact_year("invoice.issued", issued, period="2026-12") == 2026
    assert fact_year("trade.executed", issued, period="2026-12") == 2027  # not a period event
