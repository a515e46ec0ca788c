"""Events of catalog: resources (资源目录), registration (登记) and objections (异议)."""

from __future__ import annotations

from datetime import date

import msgspec

from contracts.events.base import Event


class DataItem(msgspec.Struct, frozen=True, kw_only=True):
    """One field of a resource with its sensitivity grade (1 lowest … 4 highest)."""

    name: str
    type: str
    grade: int
    description: str = ""


class ResourceRegistered(Event, frozen=True, tag="resource.registered"):
    resource_id: str
    provider_org_id: str
    name: str
    description: str
    category: str
    update_frequency: str
    source_system: str
    items: list[DataItem]
    registration_code: str
    evidence_hash: str


class ResourceChanged(Event, frozen=True, tag="resource.changed"):
    resource_id: str
    provider_org_id: str
    name: str
    description: str
    category: str
    update_frequency: str
    source_system: str
    items: list[DataItem]
    registration_code: str
    evidence_hash: str
    withheld_items: list[str] = msgspec.field(default_factory=list)
    """Items on the negative list (负面清单): registered, but never in a grant (CAT-2).
    A change registration (变更登记) carries a new registration code; a change that only
    withholds an item of a published resource keeps the current code and hash."""


class ResourceWithdrawn(Event, frozen=True, tag="resource.withdrawn"):
    resource_id: str
    provider_org_id: str
    registration_code: str
    reason: str
    cause: str = ""
    """``cancellation`` (注销登记, CAT-4; the code is the cancellation's own) or
    ``negative_list`` (负面清单, CAT-2: out of the operation catalog for good)."""


class ResourceProposed(Event, frozen=True, tag="resource.proposed"):
    """The provider proposed its resource for the operation catalog (运营目录, CAT-3)."""

    resource_id: str
    provider_org_id: str
    registration_code: str


class ResourcePublished(Event, frozen=True, tag="resource.published"):
    """The bureau approved and published the resource in the operation catalog (CAT-3).

    ``items`` are the data items that entered it: those not on the negative list (CAT-2)."""

    resource_id: str
    provider_org_id: str
    registration_code: str
    evidence_hash: str
    items: list[str]


class ResourceRejected(Event, frozen=True, tag="resource.rejected"):
    """The bureau rejected the proposal, with its reason; the provider may propose again."""

    resource_id: str
    provider_org_id: str
    reason: str


class ResourceNegativeListed(Event, frozen=True, tag="resource.negative_listed"):
    """The bureau put a whole resource (``item_name`` null) or one of its data items on
    the negative list (负面清单, CAT-2): it never enters the operation catalog or a grant."""

    resource_id: str
    provider_org_id: str
    reason: str
    item_name: str | None = None


class ObjectionRaised(Event, frozen=True, tag="objection.raised"):
    objection_id: str
    resource_id: str
    raised_by_org_id: str
    description: str
    due_on: date
    provider_org_id: str = ""
    """The providing organization the objection is assigned to (CAT-5)."""
    item_name: str | None = None


class ObjectionCorrected(Event, frozen=True, tag="objection.corrected"):
    """The provider reports its correction (整改); the bureau verifies it before the
    objection closes (CAT-5)."""

    objection_id: str
    resource_id: str
    provider_org_id: str
    correction: str
    due_on: date


class ObjectionReturned(Event, frozen=True, tag="objection.returned"):
    """The bureau found the reported correction wanting: back to the provider, whose
    deadline still runs (CAT-5)."""

    objection_id: str
    resource_id: str
    provider_org_id: str
    reason: str
    verified_by_org_id: str


class ObjectionResolved(Event, frozen=True, tag="objection.resolved"):
    """The objection is closed: the bureau verified the provider's correction (核实,
    校核确认) and the objector is told (CAT-5)."""

    objection_id: str
    resource_id: str
    resolution: str
    """What the provider corrected."""
    verified_by_org_id: str = ""
    """The bureau that verified the correction."""
    verification: str = ""
    """The bureau's finding."""
    raised_by_org_id: str = ""
    """The objector told of the outcome."""
    provider_org_id: str = ""


class ObjectionEscalated(Event, frozen=True, tag="objection.escalated"):
    """The provider let the deadline pass; the objection goes to the bureau (CAT-5)."""

    objection_id: str
    resource_id: str
    provider_org_id: str
    due_on: date
