"""Login throttling (登录限流): too many failed sign-ins for one username or from one
address within a window block further attempts until the oldest failure ages out.

Pure: the caller keeps the failure times per key and passes the clock's ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)


DEFAULT_POLICY = ThrottlePolicy()


def recent(failures: list[datetime], now: datetime, policy: ThrottlePolicy) -> list[datetime]:
    """Failures still inside the window, oldest first."""
    return sorted(t for t in failures if now - t < policy.window)


def retry_after(failures: list[datetime], now: datetime, policy: ThrottlePolicy) -> int | None:
    """Whole seconds until an attempt is allowed again, or ``None`` if allowed now."""
    inside = recent(failures, now, policy)
    if len(inside) < policy.max_failures:
        return None
    frees_at = inside[-policy.max_failures] + policy.window
    return max(1, int((frees_at - now).total_seconds() + 0.999))


def record_failure(
    failures: list[datetime], now: datetime, policy: ThrottlePolicy
) -> list[datetime]:
    return [*recent(failures, now, policy), now]
