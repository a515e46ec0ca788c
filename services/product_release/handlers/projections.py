"""What product-release keeps of other services' facts: grants (request-review), sandboxes
(sandbox-broker), operator agreements (identity) and the operator's affiliates.

Each projection is an upsert keyed by the fact's own id, so a redelivered event writes
the same document again. A revoked grant, a closed sandbox or an ended agreement stays
so: a late ``issued`` or ``ready`` never reopens it. The commands read these documents
through ``services.product_release.read_model``, never through this module.
"""

from __future__ import annotations

from contracts.envelope import Envelope
from contracts.events import (
    AgreementExpired,
    AgreementSigned,
    AgreementTerminated,
    GrantIssued,
    GrantReinstated,
    GrantRevoked,
    GrantSuspended,
    SandboxClosed,
    SandboxReady,
)
from contracts.expect import expect
from libs.service import ServiceContext
from libs.store.port import Document
from services.product_release.read_model import ENDED, upsert
from services.product_release.repository import AGREEMENTS, GRANTS, SANDBOXES


def _status(doc: Document, status: str) -> str:
    """A live status never overwrites an ended one (events may arrive late)."""
    return doc["status"] if doc.get("status") in ENDED else status


async def on_grant_issued(ctx: ServiceContext, envelope: Envelope) -> None:
    grant = expect(envelope, GrantIssued)

    def change(doc: Document) -> Document:
        doc.update(
            scenario_id=grant.scenario_id,
            developer_org_id=grant.developer_org_id,
            operator_org_id=grant.operator_org_id,
            agreement_id=grant.agreement_id,
            valid_until=grant.valid_until.isoformat(),
            status=_status(doc, "live"),
        )
        return doc

    await upsert(ctx, GRANTS, grant.grant_id, change)


async def on_grant_revoked(ctx: ServiceContext, envelope: Envelope) -> None:
    revoked = expect(envelope, GrantRevoked)

    def change(doc: Document) -> Document:
        doc.update(developer_org_id=revoked.developer_org_id, status="revoked")
        return doc

    await upsert(ctx, GRANTS, revoked.grant_id, change)


async def on_grant_suspension(ctx: ServiceContext, envelope: Envelope) -> None:
    """AUTH-6: a suspended grant exports nothing until it is reinstated (``live`` again);
    a revoked one stays revoked."""
    event = expect(envelope, GrantSuspended, GrantReinstated)
    status = "suspended" if isinstance(event, GrantSuspended) else "live"

    def change(doc: Document) -> Document:
        doc.update(developer_org_id=event.developer_org_id, status=_status(doc, status))
        return doc

    await upsert(ctx, GRANTS, event.grant_id, change)


async def on_sandbox_ready(ctx: ServiceContext, envelope: Envelope) -> None:
    ready = expect(envelope, SandboxReady)

    def change(doc: Document) -> Document:
        doc.update(
            grant_id=ready.grant_id,
            developer_org_id=ready.developer_org_id,
            environment=ready.environment,
            status=_status(doc, "open"),
        )
        return doc

    await upsert(ctx, SANDBOXES, ready.sandbox_id, change)


async def on_sandbox_closed(ctx: ServiceContext, envelope: Envelope) -> None:
    closed = expect(envelope, SandboxClosed)

    def change(doc: Document) -> Document:
        doc.update(grant_id=closed.grant_id, status="closed", reason=closed.reason)
        return doc

    await upsert(ctx, SANDBOXES, closed.sandbox_id, change)


async def on_agreement_signed(ctx: ServiceContext, envelope: Envelope) -> None:
    signed = expect(envelope, AgreementSigned)

    def change(doc: Document) -> Document:
        doc.update(
            operator_org_id=signed.operator_org_id,
            mode=signed.mode,
            industry_authority_org_id=signed.industry_authority_org_id,
            signed_at=envelope.occurred_at.isoformat(),
            status=_status(doc, "active"),
        )
        return doc

    await upsert(ctx, AGREEMENTS, signed.agreement_id, change)


async def on_agreement_ended(ctx: ServiceContext, envelope: Envelope) -> None:
    ended = expect(envelope, AgreementTerminated, AgreementExpired)

    def change(doc: Document) -> Document:
        doc.update(operator_org_id=ended.operator_org_id, status="ended")
        return doc

    await upsert(ctx, AGREEMENTS, ended.agreement_id, change)
