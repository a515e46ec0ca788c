"""A data resource (数据资源) in the catalog and the rules of registering one (CAT-1, CAT-4).

``register`` is pure: it validates the provider's declaration, and returns the new
resource and the ``resource.registered`` payload; the caller supplies id, region, the
next registration sequence and the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contracts.errors import DomainError
from contracts.events import DataItem, ResourceRegistered
from services.catalog.domain.registration import evidence_hash, registration_code

CATEGORIES: frozenset[str] = frozenset(
    {
        "credit",  # 信用
        "healthcare",  # 医疗健康
        "transport",  # 交通运输
        "culture_tourism",  # 文化旅游
        "housing_provident_fund",  # 住房公积金
        "social_security",  # 社会保障
        "market_regulation",  # 市场监管
        "meteorology",  # 气象
        "tax",  # 税务
        "natural_resources",  # 自然资源
        "agriculture",  # 农业农村
        "education",  # 教育
        "employment",  # 就业
        "enterprise",  # 企业登记
        "public_utilities",  # 水电气
        "emergency",  # 应急管理
    }
)
FREQUENCIES: frozenset[str] = frozenset(
    {"realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular"}
)
GRADES = range(1, 5)
"""Sensitivity grades 1 (public) … 4 (most sensitive); the grade drives masking (SBX-3)."""


@dataclass(frozen=True, slots=True)
class ItemDeclaration:
    name: str
    type: str
    grade: int
    description: str = ""


@dataclass(frozen=True, slots=True)
class RegisterResource:
    """The provider's declaration of a resource (CAT-1)."""

    provider_org_id: str
    name: str
    description: str
    category: str
    update_frequency: str
    source_system: str
    items: tuple[ItemDeclaration, ...]


@dataclass(frozen=True, slots=True)
class Resource:
    resource_id: str
    region: str
    provider_org_id: str
    name: str
    description: str
    category: str
    update_frequency: str
    source_system: str
    items: tuple[ItemDeclaration, ...]
    registration_code: str
    evidence_hash: str
    status: str = "registered"


def registered_metadata(resource_id: str, region: str, cmd: RegisterResource) -> dict[str, Any]:
    """The canonical metadata an evidence hash covers (CAT-4)."""
    return {
        "resource_id": resource_id,
        "region": region,
        "provider_org_id": cmd.provider_org_id,
        "name": cmd.name,
        "description": cmd.description,
        "category": cmd.category,
        "update_frequency": cmd.update_frequency,
        "source_system": cmd.source_system,
        "items": [
            {"name": i.name, "type": i.type, "grade": i.grade, "description": i.description}
            for i in cmd.items
        ],
    }


def validate(cmd: RegisterResource) -> None:
    """CAT-1: a complete declaration, and one authoritative definition per data item."""
    if not cmd.name.strip():
        raise DomainError("a resource needs a name", rule="CAT-1", field="name")
    if cmd.category not in CATEGORIES:
        raise DomainError(
            f"unknown category {cmd.category!r}; one of: {', '.join(sorted(CATEGORIES))}",
            rule="CAT-1",
            field="category",
        )
    if cmd.update_frequency not in FREQUENCIES:
        raise DomainError(
            f"unknown update frequency {cmd.update_frequency!r}; one of: "
            + ", ".join(sorted(FREQUENCIES)),
            rule="CAT-1",
            field="update_frequency",
        )
    if not cmd.source_system.strip():
        raise DomainError("the source system must be named", rule="CAT-1", field="source_system")
    if not cmd.items:
        raise DomainError("a resource declares at least one data item", rule="CAT-1", field="items")
    seen: set[str] = set()
    for index, item in enumerate(cmd.items):
        if item.grade not in GRADES:
            raise DomainError(
                f"data item {item.name!r}: grade must be 1 to 4",
                rule="CAT-1",
                field=f"items[{index}].grade",
            )
        if item.name in seen:
            raise DomainError(
                f"data item {item.name!r} is declared twice; each item has one source (一数一源)",
                rule="CAT-1",
                field=f"items[{index}].name",
            )
        seen.add(item.name)


def register(
    cmd: RegisterResource, *, resource_id: str, region: str, sequence: int
) -> tuple[Resource, ResourceRegistered]:
    """First registration (首次登记): a code and an evidence hash (CAT-1, CAT-4)."""
    validate(cmd)
    code = registration_code(region, "resource", sequence)
    digest = evidence_hash(registered_metadata(resource_id, region, cmd))
    resource = Resource(
        resource_id=resource_id,
        region=region,
        provider_org_id=cmd.provider_org_id,
        name=cmd.name,
        description=cmd.description,
        category=cmd.category,
        update_frequency=cmd.update_frequency,
        source_system=cmd.source_system,
        items=cmd.items,
        registration_code=code,
        evidence_hash=digest,
    )
    event = ResourceRegistered(
        resource_id=resource_id,
        provider_org_id=cmd.provider_org_id,
        name=cmd.name,
        description=cmd.description,
        category=cmd.category,
        update_frequency=cmd.update_frequency,
        source_system=cmd.source_system,
        items=[
            DataItem(name=i.name, type=i.type, grade=i.grade, description=i.description)
            for i in cmd.items
        ],
        registration_code=code,
        evidence_hash=digest,
    )
    return resource, event
