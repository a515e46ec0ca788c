"""The operator's annual report (年度报告, EVA-1): the year's figures from the platform's
events plus the operator's own statements on the four required aspects, kept by the
hash of its canonical content."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from contracts.canonical import sha256_hex
from contracts.errors import DomainError
from services.evaluation.domain.calendar import year_of

STATEMENTS: tuple[str, ...] = (
    "authorized_storage",  # 授权数据存储
    "development_and_use",  # 开发利用
    "market_operation",  # 市场运营
    "security_and_compliance",  # 安全合规
)
"""EVA-1: what the operator must state in its own words."""


@dataclass(frozen=True, slots=True)
class AnnualReport:
    report_id: str
    region: str
    operator_org_id: str
    year: int
    figures: Mapping[str, object]
    statements: Mapping[str, str]
    content_hash: str
    filed_at: datetime
    filed_by_user_id: str
    revision: int = 1


def content(
    operator_org_id: str, year: int, figures: Mapping[str, object], statements: Mapping[str, str]
) -> dict[str, object]:
    return {
        "operator_org_id": operator_org_id,
        "year": year,
        "figures": dict(figures),
        "statements": {k: statements[k] for k in STATEMENTS},
    }


def file(
    *,
    report_id: str,
    region: str,
    operator_org_id: str,
    year: int,
    figures: Mapping[str, object],
    statements: Mapping[str, str],
    now: datetime,
    user_id: str,
    previous: AnnualReport | None,
) -> AnnualReport:
    """EVA-1: every aspect stated; a report of a year not yet begun is refused; filing
    again for the same year revises the report (a new hash, the revision counted)."""
    missing = [k for k in STATEMENTS if not statements.get(k, "").strip()]
    if missing:
        raise DomainError(
            "the annual report states: " + ", ".join(missing), rule="EVA-1", field=missing[0]
        )
    if year > year_of(now):
        raise DomainError(f"the year {year} has not begun", rule="EVA-1", field="year")
    stated = {k: statements[k].strip() for k in STATEMENTS}
    return AnnualReport(
        report_id=report_id,
        region=region,
        operator_org_id=operator_org_id,
        year=year,
        figures=dict(figures),
        statements=stated,
        content_hash=sha256_hex(content(operator_org_id, year, figures, stated)),
        filed_at=now,
        filed_by_user_id=user_id,
        revision=previous.revision + 1 if previous else 1,
    )
