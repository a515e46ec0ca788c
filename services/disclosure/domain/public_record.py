"""Public disclosure records (公开记录, DIS-1) made from the platform's events.

Each event the public is entitled to know about becomes one record: the authorization
process — the tender (招标公告), the selection result and its publicity period (遴选结果
公示) or its annulment — and the agreements (party, scope, term — 授权对象、内容、范围、
时限), scenario solicitation
(场景征集) and approval, grants (resources and data items, never row filters or
masking), released products and services (产品和服务清单) with their registration code,
prices and fee caps (明码标价), and resource usage in the operation catalog (运营目录).
A record is appended to the transparency log as one leaf (DIS-3); its leaf bytes are
its canonical JSON (``contracts.canonical``), so a citizen can recompute the leaf hash
from the record alone.

The record id is the id of the event it was made from: a redelivered event makes the
same record, which the log appends only once. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from contracts.canonical import canonical_json
from contracts.envelope import Envelope
from contracts.events import (
    AgreementExpired,
    AgreementRenewed,
    AgreementSigned,
    AgreementSuspended,
    AgreementTerminated,
    ApplicationDecided,
    GrantIssued,
    PriceCapSet,
    PriceListed,
    ProductReleased,
    ResourcePublished,
    ResourceWithdrawn,
    ScenarioChanged,
    ScenarioFiled,
    ScenarioReevaluated,
    SelectionAnnulled,
    SelectionPublicized,
    TenderPublished,
)

RECORD_FORMAT = "pdo-disclosure-record/1"

KINDS: dict[str, str] = {
    "selection": "运营机构遴选 (tenders, selection results and their publicity)",
    "authorization": "授权运营协议 (authorization agreements)",
    "scenario": "应用场景征集 (scenario solicitation)",
    "scenario_approval": "场景审核结果 (scenarios approved)",
    "grant": "数据使用授权 (grants of data use)",
    "product": "产品和服务清单 (products and services)",
    "price": "收费标准 (prices and fee caps)",
    "resource": "运营目录资源 (resources in the operation catalog)",
}
"""Record kinds, with what each discloses."""


@dataclass(frozen=True, slots=True)
class PublicRecord:
    """One disclosed fact, in the form that becomes a leaf of the log."""

    record_id: str
    kind: str
    title: str
    region: str
    published_at: str
    event_type: str
    subject: str
    content: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "format": RECORD_FORMAT,
            "record_id": self.record_id,
            "kind": self.kind,
            "title": self.title,
            "region": self.region,
            "published_at": self.published_at,
            "event_type": self.event_type,
            "subject": self.subject,
            "content": self.content,
        }


def leaf_bytes(record: dict[str, Any]) -> bytes:
    """What the log hashes for a record: its canonical JSON (DIS-3)."""
    return canonical_json(record)


def _day(value: date | datetime) -> str:
    return value.isoformat()


def _content(payload: Any) -> tuple[str, str, dict[str, Any]] | None:
    """(kind, title, public content) of a payload, or None if it is not disclosed."""
    match payload:
        case TenderPublished():
            # DIS-1: the authorization process is disclosed from its first step; who was
            # invited to an invited tender is part of the tender (邀请招标).
            return (
                "selection",
                f"运营机构遴选公告：{payload.title}",
                {
                    "action": "tender_published",
                    "authorization_id": payload.authorization_id,
                    "title": payload.title,
                    "selection_mode": payload.selection_mode,
                    "mode": payload.mode,
                    "domain": payload.domain,
                    "invited_org_ids": sorted(payload.invited_org_ids),
                },
            )
        case SelectionPublicized():
            return (
                "selection",
                f"遴选结果公示 {payload.authorization_id}",
                {
                    "action": "selection_publicized",
                    "authorization_id": payload.authorization_id,
                    "operator_org_id": payload.operator_org_id,
                    "publicity_ends_at": payload.publicity_ends_at.isoformat(),
                },
            )
        case SelectionAnnulled():
            return (
                "selection",
                f"遴选结果撤销 {payload.authorization_id}",
                {
                    "action": "selection_annulled",
                    "authorization_id": payload.authorization_id,
                    "operator_org_id": payload.operator_org_id,
                    "reason": payload.reason,
                },
            )
        case AgreementSigned():
            return (
                "authorization",
                f"授权运营协议签订 {payload.agreement_id}",
                {
                    "action": "signed",
                    "agreement_id": payload.agreement_id,
                    "operator_org_id": payload.operator_org_id,
                    "mode": payload.mode,
                    "domain": payload.domain,
                    "resource_scope": list(payload.resource_scope),
                    "starts_on": _day(payload.starts_on),
                    "ends_on": _day(payload.ends_on),
                },
            )
        case AgreementRenewed():
            return (
                "authorization",
                f"授权运营协议续期 {payload.agreement_id}",
                {
                    "action": "renewed",
                    "agreement_id": payload.agreement_id,
                    "operator_org_id": payload.operator_org_id,
                    "ends_on": _day(payload.ends_on),
                },
            )
        case AgreementSuspended():
            return (
                "authorization",
                f"授权运营暂停 {payload.agreement_id}",
                {
                    "action": "suspended",
                    "agreement_id": payload.agreement_id,
                    "operator_org_id": payload.operator_org_id,
                    "reason": payload.reason,
                    "correction_due": _day(payload.correction_due),
                },
            )
        case AgreementTerminated():
            return (
                "authorization",
                f"授权运营终止 {payload.agreement_id}",
                {
                    "action": "terminated",
                    "agreement_id": payload.agreement_id,
                    "operator_org_id": payload.operator_org_id,
                    "reason": payload.reason,
                },
            )
        case AgreementExpired():
            return (
                "authorization",
                f"授权运营到期 {payload.agreement_id}",
                {
                    "action": "expired",
                    "agreement_id": payload.agreement_id,
                    "operator_org_id": payload.operator_org_id,
                },
            )
        case ScenarioFiled() | ScenarioChanged():
            action = "filed" if isinstance(payload, ScenarioFiled) else "changed"
            return (
                "scenario",
                f"应用场景{'备案' if action == 'filed' else '变更备案'}：{payload.name}",
                {
                    "action": action,
                    "scenario_id": payload.scenario_id,
                    "operator_org_id": payload.operator_org_id,
                    "name": payload.name,
                    "domain": payload.domain,
                    "purpose": payload.purpose,
                    "expected_value": payload.expected_value,
                    "scenario_class": payload.scenario_class,
                    "next_review_on": _day(payload.next_review_on),
                },
            )
        case ScenarioReevaluated():
            return (
                "scenario",
                f"应用场景复评 {payload.scenario_id}",
                {
                    "action": "reevaluated",
                    "scenario_id": payload.scenario_id,
                    "outcome": payload.outcome,
                    "note": payload.note,
                    "next_review_on": (
                        _day(payload.next_review_on) if payload.next_review_on else None
                    ),
                },
            )
        case ApplicationDecided() if payload.decision == "approved":
            return (
                "scenario_approval",
                f"场景申请通过 {payload.scenario_id}",
                {
                    "application_id": payload.application_id,
                    "scenario_id": payload.scenario_id,
                    "developer_org_id": payload.developer_org_id,
                    "decision": payload.decision,
                },
            )
        case GrantIssued():
            # Resources and data items are the authorized scope; row filters and masking
            # rules describe how the data is protected and stay out of public view.
            return (
                "grant",
                f"数据使用授权 {payload.grant_id}",
                {
                    "grant_id": payload.grant_id,
                    "scenario_id": payload.scenario_id,
                    "developer_org_id": payload.developer_org_id,
                    "operator_org_id": payload.operator_org_id,
                    "purpose": payload.purpose,
                    "scenario_class": payload.scenario_class,
                    "resources": [
                        {"resource_id": r.resource_id, "items": list(r.items)}
                        for r in payload.resources
                    ],
                    "valid_from": payload.valid_from.isoformat(),
                    "valid_until": payload.valid_until.isoformat(),
                },
            )
        case ProductReleased():
            # The verification spec (where answers are computed) is operational, not public.
            return (
                "product",
                f"产品发布：{payload.name}",
                {
                    "product_id": payload.product_id,
                    "version": payload.version,
                    "name": payload.name,
                    "kind": payload.kind,
                    "developer_org_id": payload.developer_org_id,
                    "registration_code": payload.registration_code,
                    "certificate_id": payload.certificate_id,
                    "scenario_id": payload.scenario_id,
                },
            )
        case PriceListed():
            return (
                "price",
                f"明码标价 {payload.product_id}",
                {
                    "action": "listed",
                    "price_id": payload.price_id,
                    "product_id": payload.product_id,
                    "unit": payload.unit,
                    "unit_price_fen": payload.unit_price_fen,
                    "tiers": [
                        {"from_quantity": t.from_quantity, "unit_price_fen": t.unit_price_fen}
                        for t in payload.tiers
                    ],
                    "key_scenario_discount_percent": payload.key_scenario_discount_percent,
                },
            )
        case PriceCapSet():
            return (
                "price",
                f"收费上限 {payload.product_id}",
                {
                    "action": "cap_set",
                    "product_id": payload.product_id,
                    "unit": payload.unit,
                    "cap_fen": payload.cap_fen,
                },
            )
        case ResourcePublished():
            return (
                "resource",
                f"资源进入运营目录 {payload.registration_code}",
                {
                    "action": "published",
                    "resource_id": payload.resource_id,
                    "provider_org_id": payload.provider_org_id,
                    "registration_code": payload.registration_code,
                    "evidence_hash": payload.evidence_hash,
                    "items": list(payload.items),
                },
            )
        case ResourceWithdrawn():
            return (
                "resource",
                f"资源撤出 {payload.registration_code}",
                {
                    "action": "withdrawn",
                    "resource_id": payload.resource_id,
                    "provider_org_id": payload.provider_org_id,
                    "registration_code": payload.registration_code,
                    "reason": payload.reason,
                    "cause": payload.cause,
                },
            )
        case _:
            return None


def record_from(envelope: Envelope) -> PublicRecord | None:
    """The public record an event makes (DIS-1), or None when it discloses nothing
    (for example a rejected application: only approvals are published)."""
    made = _content(envelope.payload)
    if made is None:
        return None
    kind, title, content = made
    return PublicRecord(
        record_id=str(envelope.event_id),
        kind=kind,
        title=title,
        region=envelope.region,
        published_at=envelope.occurred_at.isoformat(),
        event_type=envelope.type,
        subject=envelope.subject,
        content=content,
    )


DISCLOSED_EVENT_TYPES: tuple[str, ...] = (
    "tender.published",
    "selection.publicized",
    "selection.annulled",
    "agreement.signed",
    "agreement.renewed",
    "agreement.suspended",
    "agreement.terminated",
    "agreement.expired",
    "scenario.filed",
    "scenario.changed",
    "scenario.reevaluated",
    "application.decided",
    "grant.issued",
    "product.released",
    "price.listed",
    "price.cap_set",
    "resource.published",
    "resource.withdrawn",
)
"""The event types disclosure turns into records (its subscriptions for DIS-1)."""
