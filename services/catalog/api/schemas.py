"""Request and response bodies of the catalog API, validated at the edge by msgspec."""

from __future__ import annotations

from typing import Annotated

import msgspec

from libs.http.paging import Page

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


class RegistrationView(msgspec.Struct, kw_only=True):
    """One registration act (登记): first, change or cancellation (CAT-4)."""

    kind: str
    registration_code: str
    evidence_hash: str
    at: str


class NegativeEntryView(msgspec.Struct, kw_only=True):
    item_name: str | None
    reason: str
    listed_at: str


class ResourceView(msgspec.Struct, kw_only=True):
    """A resource with its grade (the highest of its items'), registration history,
    negative-list entries and its place in the operation catalog (运营目录)."""

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
    provider_region: str
    grade: int
    in_operation_catalog: bool
    grantable_items: list[str]
    registrations: list[RegistrationView]
    negative_list: list[NegativeEntryView]
    rejection_reason: str


ResourcePage = Page[ResourceView]


Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
ResourceId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
ItemName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class ReasonBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Reason


class NegativeListBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The bureau lists a whole resource, or one data item of it (CAT-2)."""

    resource_id: ResourceId
    reason: Reason
    item_name: ItemName | None = None


class NegativeListEntryView(msgspec.Struct, kw_only=True):
    resource_id: str
    resource_name: str
    provider_org_id: str
    registration_code: str
    resource_status: str
    item_name: str | None
    reason: str
    listed_at: str
    listed_by_org_id: str


NegativeListPage = Page[NegativeListEntryView]


class RaiseObjectionBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What is wrong with a resource's data (CAT-5)."""

    resource_id: ResourceId
    description: Reason
    item_name: ItemName | None = None


class ResolutionBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The provider's report of what it corrected (CAT-5)."""

    resolution: Reason


class VerificationBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The bureau's verification of a reported correction (核实, 校核确认, CAT-5)."""

    verified: bool
    finding: Reason


class ObjectionView(msgspec.Struct, kw_only=True):
    objection_id: str
    resource_id: str
    item_name: str | None
    provider_org_id: str
    raised_by_org_id: str
    description: str
    raised_at: str
    due_on: str
    status: str
    resolution: str
    """What the provider reports it corrected."""
    corrected_at: str
    resolved_at: str
    """When the bureau verified the correction and the objection closed."""
    escalated_at: str
    verified_by_org_id: str
    verification: str
    objector_notice: str
    """What the objector is told when the objection closes (告知)."""


ObjectionPage = Page[ObjectionView]


class SweepReport(msgspec.Struct, kw_only=True):
    escalated: int
    at: str


class SettingsBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    objection_deadline_days: Annotated[int, msgspec.Meta(ge=1, le=365)]


class SettingsView(msgspec.Struct, kw_only=True):
    """Jurisdiction settings in force in a region, and the region that defined them
    (empty: the defaults)."""

    region: str
    objection_deadline_days: int
    defined_by: str
