"""Request and response bodies of the catalog API, validated at the edge by msgspec."""

from __future__ import annotations

from typing import Annotated

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Text = Annotated[str, msgspec.Meta(max_length=4000)]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
Grade = Annotated[int, msgspec.Meta(ge=1, le=4)]


class DataItemBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    type: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    grade: Grade
    description: Text = ""


class RegisterResourceBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A provider's declaration of a data resource (CAT-1)."""

    name: Name
    description: Text
    category: Code
    update_frequency: Code
    source_system: Name
    items: Annotated[list[DataItemBody], msgspec.Meta(min_length=1, max_length=500)]


class DataItemView(msgspec.Struct, kw_only=True):
    name: str
    type: str
    grade: int
    description: str


class ResourceView(msgspec.Struct, kw_only=True):
    resource_id: str
    region: str
    provider_org_id: str
    name: str
    description: str
    category: str
    update_frequency: str
    source_system: str
    items: list[DataItemView]
    registration_code: str
    evidence_hash: str
    status: str


class ResourcePage(msgspec.Struct, kw_only=True):
    items: list[ResourceView]
    total: int
    offset: int
    limit: int
