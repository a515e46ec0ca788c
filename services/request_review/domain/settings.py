"""Jurisdiction settings of request-review (辖区设置): how often scenarios are
re-evaluated (REQ-8) and how long a grant lasts when the developer wishes no date (REQ-5)."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.errors import DomainError

DEFAULT_REEVALUATION_INTERVAL_DAYS = 365
DEFAULT_GRANT_VALIDITY_DAYS = 365
MAX_DAYS = 3650


@dataclass(frozen=True, slots=True)
class ReviewSettings:
    reevaluation_interval_days: int = DEFAULT_REEVALUATION_INTERVAL_DAYS
    """REQ-8: days between a scenario's filing (or last re-evaluation) and the next."""
    default_grant_validity_days: int = DEFAULT_GRANT_VALIDITY_DAYS
    """REQ-5: a grant's validity when none is wished, before the agreement's end caps it."""


def define(*, reevaluation_interval_days: int, default_grant_validity_days: int) -> ReviewSettings:
    for name, value in (
        ("reevaluation_interval_days", reevaluation_interval_days),
        ("default_grant_validity_days", default_grant_validity_days),
    ):
        if not 1 <= value <= MAX_DAYS:
            raise DomainError(f"{name} must be between 1 and {MAX_DAYS}", rule="REQ-8", field=name)
    return ReviewSettings(
        reevaluation_interval_days=reevaluation_interval_days,
        default_grant_validity_days=default_grant_validity_days,
    )
