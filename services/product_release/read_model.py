"""Product-release's read model of other services' facts (grants, sandboxes, operator
agreements and affiliations), as the handlers keep it and the commands read it: the
operator a grant was issued under, its agreement, the operator's declared affiliates
(EXP-4), whether a grant is live, and for the handlers ``upsert`` (the fold of one
document) and ``kept_status`` (an ended status is never overwritten)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from libs import aggregate
from libs.service import ServiceContext
from libs.store.port import Document
from services.product_release.repository import AFFILIATIONS, AGREEMENTS

ENDED = frozenset({"revoked", "closed", "ended"})


async def upsert(
    ctx: ServiceContext, collection: str, doc_id: str, change: Callable[[Document], Document]
) -> Document:
    """Apply ``change`` to the stored document (or to ``{"_id": doc_id}``) and save it."""
    return await aggregate.fold(ctx.store, collection, doc_id, change)


def kept_status(doc: Document, status: str) -> str:
    """A live status never overwrites an ended one (events may arrive late)."""
    return doc["status"] if doc.get("status") in ENDED else status


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
