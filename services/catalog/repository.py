"""Resource documents in the catalog's own database, and back."""

from __future__ import annotations

from typing import Any

from libs.store.port import Document
from services.catalog.domain.resource import ItemDeclaration, Resource

RESOURCES = "resources"


def to_doc(resource: Resource) -> Document:
    return {
        "_id": resource.resource_id,
        "region": resource.region,
        "provider_org_id": resource.provider_org_id,
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
    }


def from_doc(doc: Document) -> Resource:
    items: list[dict[str, Any]] = doc["items"]
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
    )
