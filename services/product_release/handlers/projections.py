"""What product-release keeps of other services' facts: grants (request-review), sandboxes
(sandbox-broker), operator agreements (identity) and the operator's affiliates.

Each projection is an upsert keyed by the fact's own id, so a redelivered event writes
the same document again. A revoked grant, a closed sandbox or an ended agreement stays
so: a late ``issued`` or ``ready`` never reopens it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

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
from libs import aggregate
from libs.service import ServiceContext
from libs.store.port import Document
from services.product_release.repository import AFFILIATIONS, AGREEMENTS, GRANTS, SANDBOXES

ENDED = frozenset({"revoked", "closed", "ended"})


async def upsert(
    ctx: ServiceContext, collection: str, doc_id: str, change: Callable[[Document], Document]
) -> Document:
    """Apply ``change`` to the stored document (or to ``{"_id": doc_id}``) and save it."""
    return await aggregate.fold(ctx.store, collection, doc_id, change)


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


async def operator_of(ctx: ServiceContext, grant: Document | None) -> str:
    """The operator (运营机构) a grant was issued under: named by the grant, else the
    operator of the newest active agreement; empty when none is known yet."""
    if grant and grant.get("operator_org_id"):
        return str(grant["operator_org_id"])
    agreements = await ctx.store.find(AGREEMENTS, {"status": "active"})
    if not agreements:
        return ""
    newest = max(agreements, key=lambda d: str(d.get("signed_at", "")))
    return str(newest["operator_org_id"])


async def agreement_of(ctx: ServiceContext, grant: Document) -> Document | None:
    """The agreement a grant was issued under: the one it names, else the newest signed
    with the grant's operator (grants issued before ``agreement_id`` was carried)."""
    if grant.get("agreement_id"):
        return await ctx.store.get(AGREEMENTS, str(grant["agreement_id"]))
    if not grant.get("operator_org_id"):
        return None
    signed = await ctx.store.find(AGREEMENTS, {"operator_org_id": grant["operator_org_id"]})
    if not signed:
        return None
    return max(signed, key=lambda d: str(d.get("signed_at", "")))


async def affiliates_of(ctx: ServiceContext, operator_org_id: str) -> frozenset[str]:
    """Organizations the bureau declared affiliated with the operator (EXP-4)."""
    if not operator_org_id:
        return frozenset()
    docs = await ctx.store.find(AFFILIATIONS, {"operator_org_id": operator_org_id})
    return frozenset(str(d["_id"]) for d in docs)


def grant_live(grant: Document | None, now: datetime) -> bool:
    if grant is None or grant.get("status") != "live":
        return False
    until = grant.get("valid_until")
    return not until or datetime.fromisoformat(str(until)) > now
