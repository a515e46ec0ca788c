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


class ResourceWithdrawn(Event, frozen=True, tag="resource.withdrawn"):
    resource_id: str
    provider_org_id: str
    registration_code: str
    reason: str


class ObjectionRaised(Event, frozen=True, tag="objection.raised"):
    objection_id: str
    resource_id: str
    raised_by_org_id: str
    description: str
    due_on: date


class ObjectionResolved(Event, frozen=True, tag="objection.resolved"):
    objection_id: str
    resource_id: str
    resolution: str
