"""Commands on grants (REQ-5): read, list, and revoke — by the bureau with a reason, or
because an agreement ended (AUTH-7) or the developer was removed (DEV-2); suspend and
reinstate with the agreement (暂时关闭, AUTH-6); narrow (or revoke) when a resource or an
item leaves the operation catalog after issue (CAT-2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.envelope import SYSTEM_ACTOR, Actor, Envelope
from contracts.errors import Forbidden, NotFound
from libs.auth.principal import Principal
from libs.service import ServiceContext
from libs.store.port import Document
from services.request_review import repository as repo
from services.request_review.commands import common as commands
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


NOT_REVOKED = [rules.State.ACTIVE.value, rules.State.SUSPENDED.value]


async def revoke_all(
    ctx: ServiceContext, where: dict[str, str], reason: str, causation: Envelope
) -> int:
    """Revoke every active or suspended grant matching ``where`` (all grants under an
    agreement, or a developer's). Idempotent: a redelivered cause finds them revoked."""
    docs = await ctx.store.find(repo.GRANTS, {**where, "status": {"$in": NOT_REVOKED}})
    for doc in docs:
        await revoke(
            ctx, SYSTEM_ACTOR, doc["_id"], reason, causation=causation, already_revoked_is_done=True
        )
    return len(docs)


async def _change_all(
    ctx: ServiceContext,
    where: dict[str, Any],
    decide: Callable[[Grant], tuple[Grant, Any] | None],
    *,
    action: str,
    reason: str,
    causation: Envelope,
) -> int:
    """Apply ``decide`` to every grant matching ``where`` through the one aggregate write
    (state and event together, audited); ``decide`` returns ``None`` for nothing to do,
    so a redelivered cause changes nothing twice."""
    changed = 0
    for found in await ctx.store.find(repo.GRANTS, where):

        def on_doc(doc: Document) -> tuple[Document, commands.Staged]:
            decided = decide(repo.grant_from_doc(doc))
            if decided is None:
                return doc, []
            after, event = decided
            return repo.grant_to_doc(after), [(after.grant_id, event)]

        saved, staged = await commands.update(
            ctx, repo.GRANTS, found["_id"], on_doc, SYSTEM_ACTOR, causation=causation
        )
        if staged:
            changed += 1
            grant = repo.grant_from_doc(saved)
            await commands.audit(
                ctx,
                SYSTEM_ACTOR,
                str(staged[0][1].__struct_config__.tag),
                grant.grant_id,
                {"reason": reason, "status": grant.status, "cause": action},
            )
    return changed


async def suspend_all(
    ctx: ServiceContext, agreement_id: str, reason: str, causation: Envelope
) -> int:
    """AUTH-6: every active grant under the suspended agreement is closed for now."""
    now = ctx.clock.now()

    def decide(grant: Grant) -> tuple[Grant, Any] | None:
        if grant.status != rules.State.ACTIVE.value:
            return None
        return rules.suspend(grant, reason=reason, now=now)

    where = {"agreement_id": agreement_id, "status": rules.State.ACTIVE.value}
    return await _change_all(
        ctx, where, decide, action="agreement.suspended", reason=reason, causation=causation
    )


async def reinstate_all(
    ctx: ServiceContext, agreement_id: str, reason: str, causation: Envelope
) -> int:
    """AUTH-6: the correction accepted, every grant suspended under the agreement is in
    force again as it was."""

    def decide(grant: Grant) -> tuple[Grant, Any] | None:
        if grant.status != rules.State.SUSPENDED.value:
            return None
        return rules.reinstate(grant, reason=reason)

    where = {"agreement_id": agreement_id, "status": rules.State.SUSPENDED.value}
    return await _change_all(
        ctx, where, decide, action="agreement.reinstated", reason=reason, causation=causation
    )


async def narrow_all(
    ctx: ServiceContext,
    resource_id: str,
    items: frozenset[str] | None,
    reason: str,
    causation: Envelope,
) -> int:
    """CAT-2: every grant not yet revoked that holds ``items`` of ``resource_id`` (all
    of them when ``None``) loses them; a grant left with nothing is revoked."""
    now = ctx.clock.now()

    def decide(grant: Grant) -> tuple[Grant, Any] | None:
        if grant.status == rules.State.REVOKED.value:
            return None
        return rules.narrow(grant, resource_id=resource_id, items=items, reason=reason, now=now)

    # every grant not revoked, not only those indexed by ``resource_ids``: grants stored
    # before that field existed are reached too (``narrow`` skips those without it)
    where = {"status": {"$in": NOT_REVOKED}}
    return await _change_all(
        ctx, where, decide, action="catalog", reason=reason, causation=causation
    )
