"""A data resource (数据资源) in the catalog and its registration acts (CAT-1, CAT-4).

``register`` (首次登记), ``change`` (变更登记) and ``cancel`` (注销登记) are pure: each
validates, and returns the resource after the act with the events to record; the caller
supplies ids, the next registration sequence and the time. The resource document, not
its event stream, is the source of truth, so each decision returns the new state with
its events (a separate ``evolve`` would only repeat it); which act is allowed in which
state is the one table of ``operation_catalog``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from contracts.errors import DomainError, Forbidden
from contracts.events import (
    DataItem,
    Event,
    ResourceChanged,
    ResourceRegistered,
    ResourceWithdrawn,
)
from services.catalog.domain.lifecycle import Action, State, advance
from services.catalog.domain.listing import Listing, NegativeList, grantable_items
from services.catalog.domain.registration import (
    CANCELLATION,
    CHANGE,
    FIRST,
    RegistrationAct,
    evidence_hash,
    registration_code,
)

CATEGORIES: frozenset[str] = frozenset(
    {
        "finance",  # 金融服务
        "digital_economy",  # 数字经济
        "commerce",  # 商贸流通
        "urban_governance",  # 城市治理
        "industry",  # 工业制造
        "medical_insurance",  # 医疗保障
        "civil_affairs",  # 民政
        "public_security",  # 公安
        "ecology_environment",  # 生态环境
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
"""Sensitivity grades 1 (public) … 4 (most sensitive); the grade drives masking (SBX-3).
A resource's own grade is the highest of its items' (就高从严)."""


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
    provider_region: str = ""
    """The provider's GB/T 2260 region (a county's on the city platform, FED-1); empty
    means the platform's own region."""


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
    """The code of the latest registration act."""
    evidence_hash: str
    status: str = State.REGISTERED.value
    provider_region: str = ""
    registrations: tuple[RegistrationAct, ...] = ()
    negative_entries: tuple[Listing, ...] = ()
    rejection_reason: str = ""

    @property
    def home_region(self) -> str:
        """The region whose data this is: the provider's, else the platform's."""
        return self.provider_region or self.region

    @property
    def grade(self) -> int:
        """The resource's grade: the highest grade of its data items (就高从严)."""
        return max((i.grade for i in self.items), default=1)

    @property
    def negative_list(self) -> NegativeList:
        """The negative-list entries on this resource (CAT-2)."""
        return NegativeList(self.negative_entries)

    @property
    def barred(self) -> bool:
        return self.negative_list.bars(self.resource_id)

    @property
    def withheld_items(self) -> tuple[str, ...]:
        """Registered items on the negative list, in declared order."""
        withheld = self.negative_list.withheld_items(self.resource_id)
        return tuple(i.name for i in self.items if i.name in withheld)

    @property
    def grantable_items(self) -> tuple[str, ...]:
        return grantable_items(self, self.negative_list)

    @property
    def first_registration_code(self) -> str:
        return (
            self.registrations[0].registration_code
            if self.registrations
            else (self.registration_code)
        )

    def declaration(self) -> RegisterResource:
        return RegisterResource(
            provider_org_id=self.provider_org_id,
            name=self.name,
            description=self.description,
            category=self.category,
            update_frequency=self.update_frequency,
            source_system=self.source_system,
            items=self.items,
            provider_region=self.provider_region,
        )

    def changed_event(self) -> ResourceChanged:
        """``resource.changed`` with the current metadata, code, hash and withheld items."""
        return ResourceChanged(
            resource_id=self.resource_id,
            provider_org_id=self.provider_org_id,
            name=self.name,
            description=self.description,
            category=self.category,
            update_frequency=self.update_frequency,
            source_system=self.source_system,
            items=_data_items(self.items),
            registration_code=self.registration_code,
            evidence_hash=self.evidence_hash,
            withheld_items=list(self.withheld_items),
        )


def _data_items(items: tuple[ItemDeclaration, ...]) -> list[DataItem]:
    return [
        DataItem(name=i.name, type=i.type, grade=i.grade, description=i.description) for i in items
    ]


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
        if not item.name.strip() or not item.type.strip():
            raise DomainError(
                "every data item has a name and a type",
                rule="CAT-1",
                field=f"items[{index}].name" if not item.name.strip() else f"items[{index}].type",
            )
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
    cmd: RegisterResource, *, resource_id: str, region: str, sequence: int, at: str = ""
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
        provider_region=cmd.provider_region,
        registrations=(RegistrationAct(FIRST, code, digest, at),),
    )
    event = ResourceRegistered(
        resource_id=resource_id,
        provider_org_id=cmd.provider_org_id,
        name=cmd.name,
        description=cmd.description,
        category=cmd.category,
        update_frequency=cmd.update_frequency,
        source_system=cmd.source_system,
        items=_data_items(cmd.items),
        registration_code=code,
        evidence_hash=digest,
    )
    return resource, event


def _own(resource: Resource, actor_org_id: str) -> None:
    """CAT-4: a provider registers changes to, and cancels, only its own resources."""
    if resource.provider_org_id != actor_org_id:
        raise Forbidden(
            f"resource {resource.resource_id} belongs to {resource.provider_org_id}; "
            f"only its provider may change or cancel its registration",
            rule="CAT-4",
        )


def change(
    resource: Resource, cmd: RegisterResource, *, actor_org_id: str, sequence: int, at: str
) -> tuple[Resource, list[Event]]:
    """Change registration (变更登记): the full new declaration gets a new code and an
    evidence hash (CAT-1, CAT-4). Declaring what is already registered changes nothing
    and records nothing, so a retried request is harmless."""
    _own(resource, actor_org_id)
    state = advance(resource.status, Action.CHANGE)
    declared = replace(cmd, provider_org_id=resource.provider_org_id)
    validate(declared)
    metadata = registered_metadata(resource.resource_id, resource.region, declared)
    if metadata == registered_metadata(
        resource.resource_id, resource.region, resource.declaration()
    ):
        return resource, []
    code = registration_code(resource.region, "resource", sequence)
    digest = evidence_hash(metadata)
    after = replace(
        resource,
        name=declared.name,
        description=declared.description,
        category=declared.category,
        update_frequency=declared.update_frequency,
        source_system=declared.source_system,
        items=declared.items,
        registration_code=code,
        evidence_hash=digest,
        status=state.value,
        registrations=(*resource.registrations, RegistrationAct(CHANGE, code, digest, at)),
    )
    return after, [after.changed_event()]


def cancellation_metadata(resource: Resource, reason: str) -> dict[str, Any]:
    """What a cancellation registration attests: the metadata it ends and why (CAT-4)."""
    return {
        "act": CANCELLATION,
        "registered": registered_metadata(
            resource.resource_id, resource.region, resource.declaration()
        ),
        "previous_registration_code": resource.registration_code,
        "reason": reason,
    }


def cancel(
    resource: Resource, *, actor_org_id: str, reason: str, sequence: int, at: str
) -> tuple[Resource, list[Event]]:
    """Cancellation registration (注销登记): the entry ends for good (CAT-4)."""
    _own(resource, actor_org_id)
    if not reason.strip():
        raise DomainError("a cancellation states its reason", rule="CAT-4", field="reason")
    state = advance(resource.status, Action.CANCEL)
    code = registration_code(resource.region, "resource", sequence)
    digest = evidence_hash(cancellation_metadata(resource, reason))
    after = replace(
        resource,
        registration_code=code,
        evidence_hash=digest,
        status=state.value,
        registrations=(*resource.registrations, RegistrationAct(CANCELLATION, code, digest, at)),
    )
    event = ResourceWithdrawn(
        resource_id=resource.resource_id,
        provider_org_id=resource.provider_org_id,
        registration_code=code,
        reason=reason,
        cause=CANCELLATION,
    )
    return after, [event]
