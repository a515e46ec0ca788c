"""``request.grants`` (request-review): the grants the export review relies on, kept
keyed by the grant id. A revoked grant stays revoked: a late ``issued`` never reopens it."""

from __future__ import annotations

from contracts.envelope import Envelope
from contracts.events import (
    GrantIssued,
    GrantReinstated,
    GrantRevoked,
    GrantSuspended,
)
from contracts.expect import expect
from libs.service import ServiceContext
from libs.store.port import Document
from services.product_release.handlers.step import Step
from services.product_release.read_model import kept_status, upsert
from services.product_release.repository import GRANTS


async def on_grant_issued(ctx: ServiceContext, envelope: Envelope) -> None:
    grant = expect(envelope, GrantIssued)

    def change(doc: Document) -> Document:
        doc.update(
            scenario_id=grant.scenario_id,
            developer_org_id=grant.developer_org_id,
            operator_org_id=grant.operator_org_id,
            agreement_id=grant.agreement_id,
            valid_until=grant.valid_until.isoformat(),
            status=kept_status(doc, "live"),
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
        doc.update(developer_org_id=event.developer_org_id, status=kept_status(doc, status))
        return doc

    await upsert(ctx, GRANTS, event.grant_id, change)


STEPS: dict[str, Step] = {
    "grant.issued": on_grant_issued,
    "grant.revoked": on_grant_revoked,
    "grant.suspended": on_grant_suspension,
    "grant.reinstated": on_grant_suspension,
}
