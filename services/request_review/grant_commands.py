"""Commands on grants (REQ-5): read, list, and revoke — by the bureau with a reason, or
because an agreement ended or was suspended (AUTH-6, AUTH-7) or the developer was
removed (DEV-2)."""

from __future__ import annotations

from typing import Any

from contracts.envelope import SYSTEM_ACTOR, Actor, Envelope
from contracts.errors import Forbidden, NotFound
from libs.auth.principal import Principal
from libs.service import ServiceContext
from libs.store.port import Document
from services.request_review import commands
from services.request_review import repository as repo
from services.request_review.domain import grant as rules
from services.request_review.domain.grant import Grant


async def get_grant(ctx: ServiceContext, principal: Principal, grant_id: str) -> Grant:
    doc = await ctx.store.get(repo.GRANTS, grant_id)
    if doc is None:
        raise NotFound(f"no grant {grant_id}")
    grant = repo.grant_from_doc(doc)
    if not rules.visible_to(grant, role=principal.role.value, org_id=principal.org_id):
        raise Forbidden(f"grant {grant_id} is not yours to read", rule="REQ-5")
    return grant


async def list_grants(
    ctx: ServiceContext,
    principal: Principal,
    *,
    status: str | None,
    developer_org_id: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Grant], int]:
    """All for the bureau and supervisors; the developer's own; the operator's; those
    including a provider's resources."""
    where: dict[str, Any] = {}
    role = principal.role.value
    if role == "developer":
        where["developer_org_id"] = principal.org_id
    elif role == "operator":
        where["operator_org_id"] = principal.org_id
    elif role == "provider":
        where["provider_org_ids"] = principal.org_id
    if developer_org_id and "developer_org_id" not in where:
        where["developer_org_id"] = developer_org_id
    if status:
        where["status"] = status
    docs, total = await commands.page(
        ctx, repo.GRANTS, where, sort_key="issued_key", offset=offset, limit=limit
    )
    return [repo.grant_from_doc(d) for d in docs], total


async def revoke(
    ctx: ServiceContext,
    actor: Actor,
    grant_id: str,
    reason: str,
    *,
    causation: Envelope | None = None,
    already_revoked_is_done: bool = False,
) -> Grant:
    """REQ-5: the grant ends for good. From an event, a grant already revoked is left as
    it is (redelivery, or two causes); over HTTP that is a conflict."""
    now = ctx.clock.now()

    def decide(doc: Document) -> tuple[Document, commands.Staged]:
        grant = repo.grant_from_doc(doc)
        if already_revoked_is_done and grant.status == rules.State.REVOKED.value:
            return doc, []
        after, event = rules.revoke(grant, reason=reason, now=now)
        return repo.grant_to_doc(after), [(grant_id, event)]

    saved, staged = await commands.update(
        ctx, repo.GRANTS, grant_id, decide, actor, causation=causation
    )
    grant = repo.grant_from_doc(saved)
    if staged:
        await commands.audit(
            ctx,
            actor,
            "grant.revoke",
            grant_id,
            {"reason": reason, "developer_org_id": grant.developer_org_id},
        )
    return grant


async def revoke_by_bureau(
    ctx: ServiceContext, principal: Principal, grant_id: str, reason: str
) -> Grant:
    commands.in_jurisdiction(ctx, principal, "REQ-5")
    return await revoke(ctx, principal.actor(), grant_id, reason)


async def revoke_all(
    ctx: ServiceContext, where: dict[str, str], reason: str, causation: Envelope
) -> int:
    """Revoke every active grant matching ``where`` (all grants under an agreement, or a
    developer's). Idempotent: a redelivered cause finds them revoked already."""
    docs = await ctx.store.find(repo.GRANTS, {**where, "status": rules.State.ACTIVE.value})
    for doc in docs:
        await revoke(
            ctx, SYSTEM_ACTOR, doc["_id"], reason, causation=causation, already_revoked_is_done=True
        )
    return len(docs)
