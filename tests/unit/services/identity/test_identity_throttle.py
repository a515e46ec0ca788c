"""Login throttling: five failures in fifteen minutes block until the oldest ages out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.identity.domain.login_throttle import DEFAULT_POLICY, record_failure, retry_after

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def test_five_failures_block_and_the_block_lifts_when_the_first_ages_out() -> None:
    failures: list[datetime] = []
    for minute in range(5):
        assert retry_after(failures, T0 + timedelta(minutes=minute), DEFAULT_POLICY) is None
        failures = record_failure(failures, T0 + timedelta(minutes=minute), DEFAULT_POLICY)
    now = T0 + timedelta(minutes=5)
    assert retry_after(failures, now, DEFAULT_POLICY) == 600  # first failure frees at 15:00
    assert retry_after(failures, T0 + timedelta(minutes=15), DEFAULT_POLICY) is None


def test_old_failures_are_forgotten() -> None:
    failures = [T0 - timedelta(hours=1)] * 10
    assert retry_after(failures, T0, DEFAULT_POLICY) is None
    assert record_failure(failures, T0, DEFAULT_POLICY) == [T0]


@given(st.lists(st.integers(0, 30 * 60), max_size=20), st.integers(0, 30 * 60))
def test_blocked_exactly_when_five_failures_are_inside_the_window(
    offsets: list[int], at: int
) -> None:
    now = T0 + timedelta(seconds=at)
    failures = [T0 + timedelta(seconds=o) for o in offsets if o <= at]
    inside = [f for f in failures if now - f < DEFAULT_POLICY.window]
    wait = retry_after(failures, now, DEFAULT_POLICY)
    assert (wait is not None) == (len(inside) >= 5)
    if wait is not None:
        assert 1 <= wait <= DEFAULT_POLICY.window.total_seconds()
        later = now + timedelta(seconds=wait)
        assert retry_after(failures, later, DEFAULT_POLICY) is None
