"""An objection's deadline as the provider's console shows it (整改期限, CAT-5): the last
day is ``due_on``, a calendar day in China; the day after it the answer is refused on the
provider's page and the objection is the bureau's to follow up (督办)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")
RULE = "CAT-5"
AWAITING_PROVIDER = frozenset({"open", "escalated"})


@dataclass(frozen=True, slots=True)
class Deadline:
    due_on: date
    days_left: int
    """0 on the last day; negative once it has passed."""

    @property
    def passed(self) -> bool:
        return self.days_left < 0

    @property
    def refusal(self) -> str:
        """What the provider reads when it answers too late (rule CAT-5)."""
        return (
            f"已超过整改期限（{self.due_on.isoformat()}），不能在此答复，"
            f"异议已转实施机构督办（规则 {RULE}：数据异议须在期限内整改）"
        )


def deadline(due_on: str, now: datetime) -> Deadline:
    """CAT-5: days left until the end of ``due_on`` in China at ``now`` (timezone-aware)."""
    day = date.fromisoformat(due_on)
    return Deadline(day, (day - now.astimezone(CHINA).date()).days)
