"""request-review's documents in its own database, and back. Aggregates (scenarios,
applications, grants, risks, appeals) carry an outbox; the read models kept from other
services' events (developers, agreements, resources, rejected exports) do not.

Documents are the domain records encoded by msgspec (dates and datetimes as ISO
strings), plus a few top-level fields that exist only so lists are equality queries.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from libs import aggregate
from libs.responsibility import Declaration, Responsible
from libs.store.port import Document
from services.request_review.domain.appeal import Appeal
from services.request_review.domain.application import Application
from services.request_review.domain.grant import Grant
from services.request_review.domain.risk import Risk
from services.request_review.domain.scenario import Scenario
from services.request_review.domain.settings import ReviewSettings
from services.request_review.domain.standing import (
    AgreementRecord,
    DeveloperRecord,
    RejectedExport,
    ResourceRecord,
)

SCENARIOS = "scenarios"
APPLICATIONS = "applications"
GRANTS = "grants"
RISKS = "risks"
APPEALS = "appeals"
SETTINGS = "settings"
DEVELOPERS = "developers"
AGREEMENTS = "agreements"
RESOURCES = "resources"
EXPORTS = "rejected_exports"
REJECTED_ADMISSIONS = "rejected_admissions"

OUTBOX_COLLECTIONS = (SCENARIOS, APPLICATIONS, GRANTS, RISKS, APPEALS)

T = TypeVar("T")
_RESERVED = ("_id", "_version")


def _encode(record: Any, doc_id: str, **extra: Any) -> Document:
    body = msgspec.to_builtins(record)
    if not isinstance(body, dict):
        raise TypeError(f"{type(record).__name__} is not a record")
    return {"_id": doc_id, **body, **extra}


def _decode(doc: Document, kind: type[T]) -> T:
    body = {k: v for k, v in aggregate.without_outbox(doc).items() if k not in _RESERVED}
    return msgspec.convert(body, kind, strict=False)


def scenario_to_doc(scenario: Scenario) -> Document:
    return _encode(
        scenario,
        scenario.scenario_id,
        next_review_key=scenario.next_review_on.isoformat() if scenario.next_review_on else "",
    )


def scenario_from_doc(doc: Document) -> Scenario:
    return _decode(doc, Scenario)


def application_to_doc(application: Application) -> Document:
    return _encode(
        application,
        application.application_id,
        reviewer_org_ids=sorted({s.org_id for s in application.reviewers if s.org_id}),
        submitted_key=application.submitted_at.isoformat(),
    )


def application_from_doc(doc: Document) -> Application:
    return _decode(doc, Application)


def grant_to_doc(grant: Grant) -> Document:
    return _encode(
        grant,
        grant.grant_id,
        provider_org_ids=sorted({s.provider_org_id for s in grant.resources}),
        resource_ids=sorted({s.resource_id for s in grant.resources}),
        issued_key=grant.valid_from.isoformat(),
    )


def grant_from_doc(doc: Document) -> Grant:
    return _decode(doc, Grant)


def risk_to_doc(risk: Risk) -> Document:
    return _encode(risk, risk.risk_id, reported_key=risk.reported_at.isoformat())


def risk_from_doc(doc: Document) -> Risk:
    return _decode(doc, Risk)


def appeal_to_doc(appeal: Appeal) -> Document:
    return _encode(appeal, appeal.appeal_id, filed_key=appeal.filed_at.isoformat())


def appeal_from_doc(doc: Document) -> Appeal:
    return _decode(doc, Appeal)


def settings_to_doc(settings: ReviewSettings, region: str, *, set_by_org_id: str) -> Document:
    """The region's settings, naming the bureau that set them (SEC-3); a document written
    before ``set_by_org_id`` was stored still reads (the field is not part of the record)."""
    return _encode(settings, region, set_by_org_id=set_by_org_id)


def settings_from_doc(doc: Document) -> ReviewSettings:
    return _decode(doc, ReviewSettings)


def developer_to_doc(record: DeveloperRecord) -> Document:
    return _encode(record, record.developer_org_id)


def developer_from_doc(doc: Document) -> DeveloperRecord:
    return _decode(doc, DeveloperRecord)


def agreement_to_doc(record: AgreementRecord) -> Document:
    return _encode(record, record.agreement_id)


def agreement_from_doc(doc: Document) -> AgreementRecord:
    return _decode(doc, AgreementRecord)


def resource_to_doc(record: ResourceRecord) -> Document:
    return _encode(record, record.resource_id)


def resource_from_doc(doc: Document) -> ResourceRecord:
    return _decode(doc, ResourceRecord)


def export_to_doc(record: RejectedExport) -> Document:
    return _encode(record, record.export_id)


def export_from_doc(doc: Document) -> RejectedExport:
    return _decode(doc, RejectedExport)


RESPONSIBLE_ORGANIZATION: dict[str, Declaration] = {
    SCENARIOS: Responsible("operator_org_id"),
    APPLICATIONS: Responsible("developer_org_id"),
    GRANTS: Responsible("developer_org_id"),
    RISKS: Responsible("reporter_org_id"),
    APPEALS: Responsible("appellant_org_id"),
    SETTINGS: Responsible("set_by_org_id"),
    DEVELOPERS: Responsible("developer_org_id"),
    AGREEMENTS: Responsible("operator_org_id"),
    RESOURCES: Responsible("provider_org_id"),
    EXPORTS: Responsible("developer_org_id"),
    REJECTED_ADMISSIONS: Responsible("developer_org_id"),
}
"""SEC-3 (谁采集/持有/使用/运营谁负责): per collection this service stores, the field naming
the organization responsible for each record, or why it holds none (``libs.responsibility``;
the shared runtime's collections are declared there)."""
