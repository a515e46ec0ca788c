"""Identity's documents in its own database: one collection per aggregate, and back.

Aggregates are frozen dataclasses; a document is their JSON form plus ``_id`` and a few
top-level copies of nested values that queries filter on (the store filters top-level
fields only). Reading drops the store's own fields and converts back.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from libs.responsibility import Declaration, Infrastructure, Responsible
from libs.store.port import Document, DocumentStore
from services.identity.domain.admission import Admission
from services.identity.domain.authorization import Authorization

ORGANIZATIONS = "organizations"
USERS = "users"
CLIENTS = "clients"
AUTHORIZATIONS = "authorizations"
ADMISSIONS = "admissions"
JURISDICTIONS = "jurisdictions"
LOGIN_FAILURES = "login_failures"
EMERGENCY_PLANS = "emergency_plans"
"""Read model: the emergency plan evaluation announced per authorization (SEC-2)."""
IMPLEMENTATION_PLANS = "implementation_plans"
"""The implementation plan (实施方案, AUTH-12) of each region, keyed by region."""
COOPERATION_FILINGS = "cooperation_filings"
"""Cooperation agreements with data merchants filed with the bureau (DEV-3)."""
COMPETITION_COMPLAINTS = "competition_complaints"
"""Complaints of data merchants about an operator abusing a dominant position (DEV-3)."""
OUTBOX_COLLECTIONS = (ORGANIZATIONS, AUTHORIZATIONS, ADMISSIONS)

T = TypeVar("T")


def to_doc(obj: Any, doc_id: str, **top_level: Any) -> Document:
    doc: Document = msgspec.json.decode(msgspec.json.encode(obj))
    doc.update(top_level)
    doc["_id"] = doc_id
    return doc


def from_doc(doc: Document, cls: type[T]) -> T:
    return msgspec.convert({k: v for k, v in doc.items() if not k.startswith("_")}, cls)


def authorization_doc(auth: Authorization) -> Document:
    return to_doc(
        auth,
        auth.authorization_id,
        operator_org_id=auth.operator_org_id,
        applicant_org_ids=[a.org_id for a in auth.applications],
    )


def admission_doc(admission: Admission) -> Document:
    return to_doc(admission, admission.admission_id)


async def plan_version(store: DocumentStore, authorization_id: str) -> int:
    """The version of the authorization's emergency plan identity knows of; 0: none."""
    doc = await store.get(EMERGENCY_PLANS, authorization_id)
    return int(doc["version"]) if doc is not None else 0


RESPONSIBLE_ORGANIZATION: dict[str, Declaration] = {
    ORGANIZATIONS: Responsible("org_id"),
    USERS: Responsible("org_id"),
    CLIENTS: Responsible("org_id"),
    "staff_records": Responsible("org_id"),
    AUTHORIZATIONS: Responsible("bureau_org_id"),
    ADMISSIONS: Responsible("operator_org_id"),
    JURISDICTIONS: Responsible("set_by_org_id"),
    LOGIN_FAILURES: Infrastructure("failed sign-ins per user name, kept for the lockout"),
    EMERGENCY_PLANS: Responsible("bureau_org_id"),
    IMPLEMENTATION_PLANS: Responsible("bureau_org_id"),
    COOPERATION_FILINGS: Responsible("operator_org_id"),
    COMPETITION_COMPLAINTS: Responsible("complainant_org_id"),
}
"""SEC-3 (谁采集/持有/使用/运营谁负责): per collection this service stores, the field naming
the organization responsible for each record, or why it holds none (``libs.responsibility``;
the shared runtime's collections are declared there)."""
