"""From a grant (授权) to what its sandbox holds: the mount plan (SBX-1, SBX-2, SBX-3).

Each grant gets two sandboxes (授权运营空间), one per environment: development holds
synthetic data generated from the catalog schema, production the real data; both have
the same tables, columns, types and masking, so a job written on the first runs
unchanged on the second (DESIGN §8). A plan names, per granted resource, only the
granted items (最小必要, REQ-2), each with its masking method (SBX-3), and the grant's
row filter. Nothing outside the plan is ever materialized.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contracts.canonical import sha256_hex
from contracts.errors import DomainError, NotFound
from contracts.events import DataItem, GrantedResource, GrantIssued
from services.sandbox_broker.domain.items import ValueKind, kind_of, sql_type
from services.sandbox_broker.domain.masking import Method, masked_type, rule_for


class Environment(StrEnum):
    DEVELOPMENT = "development"  # 开发环境: synthetic data
    PRODUCTION = "production"  # 生产环境: real data, masked


GRANT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")
TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True, slots=True)
class ResourceSchema:
    """What the broker knows of one catalog resource: the table its data lives in and
    its items as registered; ``withheld`` items are on the negative list (CAT-2)."""

    resource_id: str
    table: str
    items: tuple[DataItem, ...]
    withheld: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class MountedColumn:
    name: str
    source_type: str
    """The catalog type as a column type; the source value is cast to it first."""
    kind: ValueKind
    method: Method
    column_type: str
    """The type inside the sandbox, after masking."""
    grade: int


@dataclass(frozen=True, slots=True)
class Mount:
    """One granted resource as a table in the sandbox."""

    resource_id: str
    table: str
    columns: tuple[MountedColumn, ...]
    row_filter: str
    schema: tuple[DataItem, ...]
    """Every registered item of the resource, which a row filter may test and synthetic
    data is generated for; only ``columns`` reach the sandbox."""
    origin_region: str = ""
    """FED-2: the region whose catalog the resource came from, as the grant records it
    (the province's for data granted back, 回流)."""


@dataclass(frozen=True, slots=True)
class SandboxPlan:
    sandbox_id: str
    grant_id: str
    developer_org_id: str
    environment: Environment
    mounts: tuple[Mount, ...]
    valid_from: datetime
    valid_until: datetime

    def digest(self) -> str:
        """Evidence of exactly what was mounted, recomputable from the plan."""
        return sha256_hex(
            {
                "sandbox_id": self.sandbox_id,
                "grant_id": self.grant_id,
                "developer_org_id": self.developer_org_id,
                "environment": self.environment.value,
                "valid_from": self.valid_from.isoformat(),
                "valid_until": self.valid_until.isoformat(),
                "mounts": [
                    {
                        "resource_id": m.resource_id,
                        "table": m.table,
                        "row_filter": m.row_filter,
                        "columns": [
                            [c.name, c.source_type, c.kind.value, c.method.value, c.column_type]
                            for c in m.columns
                        ],
                    }
                    for m in self.mounts
                ],
            }
        )


def sandbox_id_for(grant_id: str, environment: Environment) -> str:
    """One sandbox per grant and environment (SBX-2); the id is also a directory name."""
    if not GRANT_ID.match(grant_id):
        raise DomainError(
            f"grant id {grant_id!r} is not a plain identifier", rule="SBX-2", field="grant_id"
        )
    return f"sbx-{environment.value[:3]}-{grant_id}"


def plan_sandbox(
    grant: GrantIssued, schemas: Mapping[str, ResourceSchema], environment: Environment
) -> SandboxPlan:
    """The sandbox of ``grant`` in ``environment``: granted items only, masked by grade."""
    if not grant.resources:
        raise DomainError("a grant names at least one resource", rule="REQ-5", field="resources")
    mounts: list[Mount] = []
    tables: set[str] = set()
    for index, granted in enumerate(grant.resources):
        where = f"resources[{index}]"
        schema = schemas.get(granted.resource_id)
        if schema is None:
            raise NotFound(
                f"resource {granted.resource_id} is not known to the sandbox broker",
                rule="REQ-5",
                field=where,
            )
        if not TABLE_NAME.match(schema.table) or schema.table.startswith("output_"):
            raise DomainError(
                f"table name {schema.table!r} is not a plain lower-case name "
                "(output_ names are reserved for job outputs)",
                rule="SBX-1",
                field=where,
            )
        if schema.table in tables:
            raise DomainError(
                f"resource {granted.resource_id} is granted twice", rule="REQ-5", field=where
            )
        tables.add(schema.table)
        mounts.append(_mount(granted, schema, where))
    return SandboxPlan(
        sandbox_id=sandbox_id_for(grant.grant_id, environment),
        grant_id=grant.grant_id,
        developer_org_id=grant.developer_org_id,
        environment=environment,
        mounts=tuple(mounts),
        valid_from=grant.valid_from,
        valid_until=grant.valid_until,
    )


def _mount(granted: GrantedResource, schema: ResourceSchema, where: str) -> Mount:
    resource_id, items, masking = granted.resource_id, granted.items, granted.masking
    if not items:
        raise DomainError("a granted resource names its data items", rule="REQ-2", field=where)
    registered = {item.name: item for item in schema.items}
    for name in masking:
        if name not in items:
            raise DomainError(
                f"masking names {name!r}, which is not a granted item", rule="SBX-3", field=where
            )
    columns: list[MountedColumn] = []
    for name in items:
        item = registered.get(name)
        if item is None:
            raise DomainError(
                f"data item {name!r} is not registered for resource {resource_id}",
                rule="REQ-2",
                field=where,
            )
        if name in schema.withheld:
            raise DomainError(
                f"data item {name!r} is on the negative list and never enters a sandbox",
                rule="CAT-2",
                field=where,
            )
        if any(c.name == name for c in columns):
            raise DomainError(f"data item {name!r} is granted twice", rule="REQ-2", field=where)
        method = rule_for(item, masking.get(name))
        columns.append(
            MountedColumn(
                name=name,
                source_type=sql_type(item),
                kind=kind_of(item),
                method=method,
                column_type=masked_type(item, method),
                grade=item.grade,
            )
        )
    return Mount(
        resource_id=resource_id,
        table=schema.table,
        columns=tuple(columns),
        row_filter=granted.row_filter.strip(),
        schema=schema.items,
        origin_region=granted.origin_region,
    )


def source_key(provider_org_id: str, name: str) -> str:
    """What a provider and the bureau know a resource by (源数据映射的键):
    ``"<provider_org_id>/<resource name>"``."""
    return f"{provider_org_id}/{name}"
