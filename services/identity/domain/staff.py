"""Staff records (从业人员管理, SEC-4): a person's security training (安全培训) and
confidentiality agreement (保密协议), each with its validity dates.

Pure: ``check_record`` validates a new record; ``confidentiality_until`` says until when
a person's agreement runs on a given day (the latest current one), or ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from contracts.errors import DomainError

RULE = "SEC-4"
KINDS = frozenset({"training", "confidentiality"})


@dataclass(frozen=True, slots=True)
class StaffRecord:
    record_id: str
    username: str
    org_id: str
    """The person's organization: the one responsible for the record (SEC-3)."""
    kind: str
    valid_from: date
    valid_until: date
    reference: str
    recorded_by: str
    recorded_at: datetime


def check_record(kind: str, valid_from: date, valid_until: date, reference: str) -> None:
    """SEC-4: a known kind, a validity of at least one day, a reference to the document."""
    if kind not in KINDS:
        raise DomainError(
            f"unknown kind {kind!r}; one of: {', '.join(sorted(KINDS))}", field="kind", rule=RULE
        )
    if valid_until < valid_from:
        raise DomainError(
            "a record is valid until a day on or after the day it starts",
            field="valid_until",
            rule=RULE,
        )
    if not reference.strip():
        raise DomainError(
            "name the training certificate or the signed agreement", field="reference", rule=RULE
        )


def confidentiality_until(records: list[StaffRecord], today: date) -> date | None:
    """The last day of the person's current confidentiality agreement on ``today``."""
    current = [
        r.valid_until
        for r in records
        if r.kind == "confidentiality" and r.valid_from <= today <= r.valid_until
    ]
    return max(current) if current else None
