"""Factories of catalog domain objects for unit tests: ``*_factory(**overrides)``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from services.catalog.domain.resource import (
    ItemDeclaration,
    RegisterResource,
    Resource,
    register,
)

PROVIDER = "org-370300-tax"
OTHER_PROVIDER = "org-370300-market"


def declaration_factory(**overrides: Any) -> RegisterResource:
    base = RegisterResource(
        provider_org_id=PROVIDER,
        name="企业纳税信息",
        description="月度纳税汇总",
        category="tax",
        update_frequency="monthly",
        source_system="金税三期",
        items=(
            ItemDeclaration("credit_code", "string", 2, "统一社会信用代码"),
            ItemDeclaration("tax_paid", "integer", 3, "实缴税额"),
            ItemDeclaration("legal_rep_id", "string", 4, "法定代表人身份证号"),
        ),
    )
    return replace(base, **overrides)


def resource_factory(*, sequence: int = 1, **overrides: Any) -> Resource:
    """A freshly registered resource; ``overrides`` replace fields of the result."""
    resource, _ = register(
        declaration_factory(),
        resource_id=f"r-{sequence}",
        region="370300",
        sequence=sequence,
        at="2026-03-01T08:00:00+00:00",
    )
    return replace(resource, **overrides)
