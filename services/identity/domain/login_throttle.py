"""Login throttling (登录限流): failed sign-ins slow down further attempts with growing
delays, counted per (username, address) pair and per address — never per username alone,
so failures from elsewhere can never lock a person out of their own account.

Theory of operation: each key keeps the times of its recent failures (inside ``window``).
The first ``free_failures`` cost nothing; each one after that doubles the wait counted
from the latest failure (``first_delay``, 2×, 4×, … up to ``max_delay``). A success
clears the pair's failures. The per-address key allows more failures (a shared office
address serves many people) and stops one address guessing across many usernames.

Pure: the caller keeps the failure times per key and passes the clock's ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    free_failures: int = 5
    first_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(minutes=15)
    window: timedelta = timedelta(minutes=15)


PAIR_POLICY = ThrottlePolicy(free_failures=5)
"""One username from one address: five free failures, then 1 s, 2 s, 4 s, … up to 15 min."""

ADDRESS_POLICY = ThrottlePolicy(free_failures=20)
"""One address across all usernames: twenty free failures, then growing delays."""

DEFAULT_POLICY = PAIR_POLICY


def recent(failures: list[datetime], now: datetime, policy: ThrottlePolicy) -> list[datetime]:
    """Failures still inside the window, oldest first."""
    return sorted(t for t in failures if now - t < policy.window)


def delay(count: int, policy: ThrottlePolicy) -> timedelta:
    """The wait after ``count`` failures inside the window: none while they are free, then
    doubling from ``first_delay``, capped at ``max_delay``."""
    over = count - policy.free_failures
    if over < 0:
        return timedelta(0)
    return min(policy.max_delay, policy.first_delay * (1 << min(over, 30)))


def retry_after(failures: list[datetime], now: datetime, policy: ThrottlePolicy) -> int | None:
    """Whole seconds until an attempt is allowed again, or ``None`` if allowed now."""
    inside = recent(failures, now, policy)
    wait = delay(len(inside), policy)
    if not inside or wait <= timedelta(0):
        return None
    frees_at = inside[-1] + wait
    if frees_at <= now:
        return None
    return max(1, int((frees_at - now).total_seconds() + 0.999))


def record_failure(
    failures: list[datetime], now: datetime, policy: ThrottlePolicy
) -> list[datetime]:
    return [*recent(failures, now, policy), now]
