"""Operator authorization commands (授权运营): load the authorization, gather the facts the
decision needs, decide in the domain, save the new state with its contract events in one
write, and audit. The sweep of expiries and ended publicity periods lives here too."""

from __future__ import annotations

from typing import Any

from contracts.errors import DomainError, Forbidden, NotFound
from libs import aggregate
from libs.aggregate import actor_of, retrying, save
from libs.auth.principal import Principal, covers
from libs.service import ServiceContext
from libs.store.port import Document
from services.identity.commands import implementation_plans, jurisdictions
from services.identity.commands.common import audit, new_id
from services.identity.commands.organizations import find_organization
from services.identity.domain.agreement import ActiveAgreement, Scope
from services.identity.domain.authorization import Authorization, SelectionMode, State, evolve_all
from services.identity.domain.authorizing import (
    Command,
    Facts,
    FileObjection,
    PublishTender,
    SignAgreement,
    SubmitApplication,
    TransferOperationRight,
    decide,
    due,
    published,
)
from services.identity.repository import AUTHORIZATIONS, authorization_doc, from_doc, plan_version

IN_FORCE = (State.ACTIVE, State.RENEWAL_PENDING, State.SUSPENDED, State.CORRECTION_REPORTED)
SWEPT = (State.PUBLICIZED, *IN_FORCE)
OPEN_TO_ALL = (SubmitApplication, FileObjection)
"""Taking part in a selection (applying, objecting) is open to every party the platform
admits; everything else needs jurisdiction over the authorization or a stake in it."""


def involved(principal: Principal, auth: Authorization) -> bool:
    parties = {auth.operator_org_id, *auth.invited_org_ids, *(a.org_id for a in auth.applications)}
    return principal.org_id in parties


def _check_access(principal: Principal | None, auth: Authorization, cmd: Command | None) -> None:
    """Object-level authorization: another region's party gets 403 on what is not its own."""
    if principal is None or principal.within(auth.region) or involved(principal, auth):
        return
    if cmd is not None and isinstance(cmd, OPEN_TO_ALL):
        return
    raise Forbidden(f"authorization {auth.authorization_id} is outside your jurisdiction")


async def _load(ctx: ServiceContext, authorization_id: str) -> tuple[Authorization, Document]:
    doc = await ctx.store.get(AUTHORIZATIONS, authorization_id)
    if doc is None:
        raise NotFound(f"no authorization {authorization_id}")
    return from_doc(doc, Authorization), doc


async def active_in(ctx: ServiceContext, region: str) -> tuple[ActiveAgreement, ...]:
    docs = await ctx.store.find(
        AUTHORIZATIONS, {"region": region, "state": {"$in": [s.value for s in IN_FORCE]}}
    )
    return tuple(
        ActiveAgreement(authorization_id=d["_id"], scope=from_doc(d, Authorization).scope)
        for d in docs
    )


async def operator_in_force(ctx: ServiceContext, operator_org_id: str) -> bool:
    """Whether the operator holds an agreement in force (not suspended) on this platform."""
    docs = await ctx.store.find(
        AUTHORIZATIONS,
        {
            "operator_org_id": operator_org_id,
            "state": {"$in": [State.ACTIVE.value, State.RENEWAL_PENDING.value]},
        },
        limit=1,
    )
    return bool(docs)


async def _facts(
    ctx: ServiceContext, principal: Principal | None, auth: Authorization, cmd: Command
) -> Facts:
    extra: dict[str, Any] = {}
    if isinstance(cmd, SubmitApplication) and principal is not None:
        org = await find_organization(ctx, principal.org_id)
        extra["applicant_credit_code"] = org.credit_code if org else ""
        extra["applicant_role"] = org.role if org else ""
    if isinstance(cmd, SignAgreement):
        extra["other_active"] = await active_in(ctx, auth.region)
        extra["implementation_plan"] = await implementation_plans.find(ctx, auth.region)
        extra["emergency_plan_version"] = await plan_version(ctx.store, auth.authorization_id)
    return Facts(
        now=ctx.clock.now(),
        actor=actor_of(principal),
        settings=await jurisdictions.effective(ctx, auth.region),
        **extra,
    )


async def publish_tender(
    ctx: ServiceContext,
    principal: Principal,
    *,
    title: str,
    selection_mode: SelectionMode,
    scope: Scope,
    invited_org_ids: tuple[str, ...],
) -> Authorization:
    """AUTH-1, AUTH-2: the bureau opens the competitive selection in its own region."""
    if not covers(ctx.region, principal.region):
        raise Forbidden(f"region {principal.region} does not authorize on this platform")
    cmd = PublishTender(
        authorization_id=new_id("auth"),
        region=principal.region,
        title=title,
        selection_mode=selection_mode,
        scope=scope,
        invited_org_ids=invited_org_ids,
    )
    facts = Facts(
        now=ctx.clock.now(),
        actor=principal.actor(),
        settings=await jurisdictions.effective(ctx, principal.region),
    )
    events = decide(None, cmd, facts)
    after = evolve_all(None, events)
    payloads = [p for e in events if (p := published(after, e)) is not None]
    doc = authorization_doc(after)
    await save(ctx, AUTHORIZATIONS, doc, payloads, actor=principal.actor(), previous=None)
    await audit(ctx, principal, "authorization.tender_published", after.authorization_id)
    return after


async def execute(
    ctx: ServiceContext, principal: Principal | None, authorization_id: str, cmd: Command
) -> Authorization:
    """Any command on an existing authorization; ``principal`` ``None`` is the sweep."""

    async def attempt() -> tuple[Authorization, str]:
        auth, doc = await _load(ctx, authorization_id)
        _check_access(principal, auth, cmd)
        events = decide(auth, cmd, await _facts(ctx, principal, auth, cmd))
        after = evolve_all(auth, events)
        payloads = [p for e in events if (p := published(after, e)) is not None]
        new_doc = authorization_doc(after)
        await save(ctx, AUTHORIZATIONS, new_doc, payloads, actor=actor_of(principal), previous=doc)
        return after, events[0].kind

    after, kind = await retrying(attempt)
    detail = {"state": after.state.value}
    await audit(ctx, principal, f"authorization.{kind}", authorization_id, detail)
    return after


async def refuse_transfer(
    ctx: ServiceContext, principal: Principal, authorization_id: str, cmd: TransferOperationRight
) -> None:
    """AUTH-8: always refused, and the attempt is recorded in the audit log."""
    auth, _ = await _load(ctx, authorization_id)
    _check_access(principal, auth, cmd)
    try:
        decide(auth, cmd, await _facts(ctx, principal, auth, cmd))
    except DomainError as refusal:
        detail = {
            "to_org_id": cmd.to_org_id,
            "kind": cmd.kind,
            "rule": "AUTH-8",
            "reason": refusal.detail,
        }
        await audit(ctx, principal, "operation_right.transfer_refused", authorization_id, detail)
        raise
    raise AssertionError("AUTH-8: a transfer is never decided any other way")


async def get(ctx: ServiceContext, principal: Principal, authorization_id: str) -> Authorization:
    auth, _ = await _load(ctx, authorization_id)
    _check_access(principal, auth, None)
    return auth


async def browse(
    ctx: ServiceContext, principal: Principal, *, state: str | None, offset: int, limit: int
) -> tuple[list[Authorization], int]:
    where = {"state": state} if state else {}
    docs = await ctx.store.find(AUTHORIZATIONS, where, sort=[("published_at", -1)])
    found = [from_doc(d, Authorization) for d in docs]
    visible = [a for a in found if principal.within(a.region) or involved(principal, a)]
    return visible[offset : offset + limit], len(visible)


SWEEP_SKIPS: tuple[type[Exception], ...] = (*aggregate.WRITE_CONFLICTS, DomainError)
"""An authorization changed meanwhile, or no longer due: the next sweep looks again."""


async def sweep(ctx: ServiceContext) -> dict[str, int]:
    """Periodic and idempotent: close publicity periods that ended with no objection
    pending (AUTH-2) and expire agreements past their last day (AUTH-5, AUTH-6). A second
    run right after finds nothing due."""
    done = {"publicity_closed": 0, "agreement_expired": 0}
    docs = await ctx.store.find(AUTHORIZATIONS, {"state": {"$in": [s.value for s in SWEPT]}})
    for doc in docs:
        auth = from_doc(doc, Authorization)
        cmd = due(auth, ctx.clock.now())
        if cmd is None:
            continue
        try:
            after = await execute(ctx, None, auth.authorization_id, cmd)
        except SWEEP_SKIPS:
            continue  # changed meanwhile: the next sweep looks again
        key = "publicity_closed" if after.state is State.PUBLICITY_CLOSED else "agreement_expired"
        done[key] += 1
    return done
