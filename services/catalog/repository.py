"""Catalog documents in the catalog's own database, and back: resources, objections, the
negative list's entries and the jurisdiction settings."""

from __future__ import annotations

from datetime import date
from typing import Any

from libs.responsibility import Declaration, Responsible
from libs.store.port import Document
from services.catalog.domain.jurisdiction import CatalogSettings
from services.catalog.domain.listing import Listing
from services.catalog.domain.objection import Objection
from services.catalog.domain.registration import RegistrationAct
from services.catalog.domain.resource import ItemDeclaration, Resource

RESOURCES = "resources"
OBJECTIONS = "objections"
SETTINGS = "settings"
NEGATIVE_LIST = "negative_list"
"""One document per negative-list entry (负面清单条目, CAT-2), kept from the resources' own
entries (append-only) so that the list pages in the store, in registration order."""


def to_doc(resource: Resource) -> Document:
    return {
        "_id": resource.resource_id,
        "region": resource.region,
        "provider_org_id": resource.provider_org_id,
        "provider_region": resource.provider_region,
        "name": resource.name,
        "description": resource.description,
        "category": resource.category,
        "update_frequency": resource.update_frequency,
        "source_system": resource.source_system,
        "items": [
            {"name": i.name, "type": i.type, "grade": i.grade, "description": i.description}
            for i in resource.items
        ],
        "registration_code": resource.registration_code,
        "evidence_hash": resource.evidence_hash,
        "status": resource.status,
        "registrations": [
            {
                "kind": a.kind,
                "registration_code": a.registration_code,
                "evidence_hash": a.evidence_hash,
                "at": a.at,
            }
            for a in resource.registrations
        ],
        "negative_list": [
            {
                "reason": e.reason,
                "item_name": e.item_name,
                "listed_at": e.listed_at,
                "listed_by_org_id": e.listed_by_org_id,
            }
            for e in resource.negative_entries
        ],
        # A top-level flag, so the negative list is one equality query (CAT-2).
        "negative_listed": bool(resource.negative_entries),
        "rejection_reason": resource.rejection_reason,
    }


def from_doc(doc: Document) -> Resource:
    items: list[dict[str, Any]] = doc["items"]
    acts: list[dict[str, Any]] = doc.get("registrations", [])
    listed: list[dict[str, Any]] = doc.get("negative_list", [])
    return Resource(
        resource_id=doc["_id"],
        region=doc["region"],
        provider_org_id=doc["provider_org_id"],
        name=doc["name"],
        description=doc["description"],
        category=doc["category"],
        update_frequency=doc["update_frequency"],
        source_system=doc["source_system"],
        items=tuple(ItemDeclaration(**i) for i in items),
        registration_code=doc["registration_code"],
        evidence_hash=doc["evidence_hash"],
        status=doc.get("status", "registered"),
        provider_region=doc.get("provider_region", ""),
        registrations=tuple(RegistrationAct(**a) for a in acts),
        negative_entries=tuple(Listing(resource_id=doc["_id"], **e) for e in listed),
        rejection_reason=doc.get("rejection_reason", ""),
    )


def negative_entry_docs(resource: Resource) -> list[Document]:
    """The resource's negative-list entries as documents of ``NEGATIVE_LIST``; ``order``
    sorts them by the resource's first registration code, then as listed."""
    return [
        {
            "_id": f"{resource.resource_id}#{n:04d}",
            "order": f"{resource.first_registration_code}#{resource.resource_id}#{n:04d}",
            "resource_id": resource.resource_id,
            "provider_org_id": resource.provider_org_id,
            "reason": entry.reason,
            "item_name": entry.item_name,
            "listed_at": entry.listed_at,
            "listed_by_org_id": entry.listed_by_org_id,
        }
        for n, entry in enumerate(resource.negative_entries)
    ]


def negative_entry_from_doc(doc: Document) -> Listing:
    return Listing(
        resource_id=doc["resource_id"],
        reason=doc["reason"],
        item_name=doc.get("item_name"),
        listed_at=doc.get("listed_at", ""),
        listed_by_org_id=doc.get("listed_by_org_id", ""),
    )


def objection_to_doc(objection: Objection) -> Document:
    return {
        "_id": objection.objection_id,
        "resource_id": objection.resource_id,
        "provider_org_id": objection.provider_org_id,
        "raised_by_org_id": objection.raised_by_org_id,
        "raised_by_user_id": objection.raised_by_user_id,
        "raised_by_role": objection.raised_by_role,
        "description": objection.description,
        "item_name": objection.item_name,
        "raised_at": objection.raised_at,
        "due_on": objection.due_on.isoformat(),
        "status": objection.status,
        "resolution": objection.resolution,
        "resolved_at": objection.resolved_at,
        "escalated_at": objection.escalated_at,
        "corrected_at": objection.corrected_at,
        "home_region": objection.home_region,
        "verified_by_org_id": objection.verified_by_org_id,
        "verification": objection.verification,
        "objector_notice": objection.objector_notice,
    }


def objection_from_doc(doc: Document) -> Objection:
    return Objection(
        objection_id=doc["_id"],
        resource_id=doc["resource_id"],
        provider_org_id=doc["provider_org_id"],
        raised_by_org_id=doc["raised_by_org_id"],
        raised_by_user_id=doc["raised_by_user_id"],
        raised_by_role=doc["raised_by_role"],
        description=doc["description"],
        item_name=doc.get("item_name"),
        raised_at=doc["raised_at"],
        due_on=date.fromisoformat(doc["due_on"]),
        status=doc["status"],
        resolution=doc.get("resolution", ""),
        resolved_at=doc.get("resolved_at", ""),
        escalated_at=doc.get("escalated_at", ""),
        corrected_at=doc.get("corrected_at", ""),
        home_region=doc.get("home_region", ""),
        verified_by_org_id=doc.get("verified_by_org_id", ""),
        verification=doc.get("verification", ""),
        objector_notice=doc.get("objector_notice", ""),
    )


def settings_to_doc(settings: CatalogSettings, *, set_by_org_id: str = "") -> Document:
    """``set_by_org_id``: the bureau that set them (SEC-3)."""
    return {
        "_id": settings.region,
        "objection_deadline_days": settings.objection_deadline_days,
        "set_by_org_id": set_by_org_id,
    }


def settings_from_doc(doc: Document) -> CatalogSettings:
    return CatalogSettings(
        region=doc["_id"],
        objection_deadline_days=int(doc["objection_deadline_days"]),
        defined_by=doc["_id"],
    )


RESPONSIBLE_ORGANIZATION: dict[str, Declaration] = {
    RESOURCES: Responsible("provider_org_id"),
    OBJECTIONS: Responsible("provider_org_id"),
    SETTINGS: Responsible("set_by_org_id"),
    NEGATIVE_LIST: Responsible("provider_org_id"),
    "federated_resources": Responsible("provider_org_id"),
}
"""SEC-3 (谁采集/持有/使用/运营谁负责): per collection this service stores, the field naming
the organization responsible for each record, or why it holds none (``libs.responsibility``;
the shared runtime's collections are declared there)."""
