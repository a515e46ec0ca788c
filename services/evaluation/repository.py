"""Evaluation's documents in its own database, and back.

Aggregates are frozen dataclasses; a document is their JSON form plus ``_id`` and the
top-level fields queries filter on (the store filters top-level fields only).
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from libs.responsibility import Declaration, Responsible
from libs.store.port import Document

FACTS = "facts"
"""One document per consumed event, keyed by its event id (``facts``)."""
REPORTS = "annual_reports"
EVALUATIONS = "evaluations"
ORDERS = "rectification_orders"
INCIDENTS = "incidents"
PLANS = "emergency_plans"
INSPECTIONS = "inspections"
SETTINGS = "settings"
OUTBOX_COLLECTIONS = (REPORTS, EVALUATIONS, ORDERS, INCIDENTS, INSPECTIONS, PLANS)

T = TypeVar("T")


def to_doc(obj: Any, doc_id: str, **top_level: Any) -> Document:
    doc: Document = msgspec.json.decode(msgspec.json.encode(obj))
    doc.update(top_level)
    doc["_id"] = doc_id
    return doc


def from_doc(doc: Document, cls: type[T]) -> T:
    return msgspec.convert({k: v for k, v in doc.items() if not k.startswith("_")}, cls)


RESPONSIBLE_ORGANIZATION: dict[str, Declaration] = {
    FACTS: Responsible("responsible_org_id"),
    REPORTS: Responsible("operator_org_id"),
    EVALUATIONS: Responsible("operator_org_id"),
    ORDERS: Responsible("operator_org_id"),
    INCIDENTS: Responsible("reporter_org_id"),
    PLANS: Responsible("bureau_org_id"),
    INSPECTIONS: Responsible("subject_org_id"),
    SETTINGS: Responsible("set_by_org_id"),
}
"""SEC-3 (谁采集/持有/使用/运营谁负责): per collection this service stores, the field naming
the organization responsible for each record, or why it holds none (``libs.responsibility``;
the shared runtime's collections are declared there)."""
