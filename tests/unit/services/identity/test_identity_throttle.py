"""Login throttling: five free failures per (username, address) and twenty per address,
then waits that double from one second up to fifteen minutes, counted from the latest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.identity.domain.login_throttle import (
    ADDRESS_POLICY,
    PAIR_POLICY,
    delay,
    record_failure,
    retry_after,
)

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def test_five_failures_are_free_then_the_wait_doubles_from_the_latest_failure() -> None:
    failures: list[datetime] = []
    for second in range(5):
        assert retry_after(failures, T0 + timedelta(seconds=second), PAIR_POLICY) is None
        failures = record_failure(failures, T0 + timedelta(seconds=second), PAIR_POLICY)
    latest = T0 + timedelta(seconds=4)
    assert retry_after(failures, latest, PAIR_POLICY) == 1
    assert retry_after(failures, latest + timedelta(seconds=1), PAIR_POLICY) is None
    waits = []
    for n in range(6):
        now = latest + timedelta(minutes=n + 1)
        failures = record_failure(failures, now, PAIR_POLICY)
        waits.append(retry_after(failures, now, PAIR_POLICY))
    assert waits == [2, 4, 8, 16, 32, 64]


def test_the_wait_never_exceeds_fifteen_minutes() -> None:
    assert delay(200, PAIR_POLICY) == timedelta(minutes=15)
    failures = [T0 + timedelta(seconds=s) for s in range(60)]
    assert retry_after(failures, failures[-1], PAIR_POLICY) == 900


def test_an_address_gets_twenty_free_failures_across_usernames() -> None:
    failures = [T0 + timedelta(seconds=s) for s in range(20)]
    assert retry_after(failures[:19], failures[18], ADDRESS_POLICY) is None
    assert retry_after(failures, failures[-1], ADDRESS_POLICY) == 1


def test_old_failures_are_forgotten() -> None:
    failures = [T0 - timedelta(hours=1)] * 10
    assert retry_after(failures, T0, PAIR_POLICY) is None
    assert record_failure(failures, T0, PAIR_POLICY) == [T0]


@given(st.lists(st.integers(0, 30 * 60), max_size=20), st.integers(0, 30 * 60))
def test_blocked_only_past_the_free_failures_and_never_longer_than_the_cap(
    offsets: list[int], at: int
) -> None:
    now = T0 + timedelta(seconds=at)
    failures = [T0 + timedelta(seconds=o) for o in offsets if o <= at]
    inside = [f for f in failures if now - f < PAIR_POLICY.window]
    wait = retry_after(failures, now, PAIR_POLICY)
    if len(inside) < 5:
        assert wait is None
    if wait is not None:
        assert 1 <= wait <= PAIR_POLICY.max_delay.total_seconds()
        later = now + timedelta(seconds=wait)
        assert retry_after(failures, later, PAIR_POLICY) is None
