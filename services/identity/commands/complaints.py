"""Complaints of data merchants about abuse of a dominant position (DEV-3): filed by a
developer, answered by the operator with its reasons, decided by the bureau; every step
recorded and audited."""

from __future__ import annotations

from collections.abc import Callable

from contracts.errors import Forbidden, NotFound
from libs.aggregate import retrying
from libs.auth.principal import Principal
from libs.service import ServiceContext
from services.identity.commands.common import audit, new_id
from services.identity.commands.organizations import find_organization
from services.identity.domain import competition
from services.identity.domain.competition import Complaint
from services.identity.repository import COMPETITION_COMPLAINTS, from_doc, to_doc


def _doc(complaint: Complaint) -> dict[str, object]:
    return to_doc(complaint, complaint.complaint_id, state=complaint.state.value)


def _visible(principal: Principal, complaint: Complaint) -> bool:
    parties = (complaint.complainant_org_id, complaint.operator_org_id)
    return principal.org_id in parties or (
        principal.role.value in ("bureau", "supervisor") and principal.within(complaint.region)
    )


async def file(
    ctx: ServiceContext, principal: Principal, *, operator_org_id: str, ground: str, account: str
) -> Complaint:
    complainant = await find_organization(ctx, principal.org_id)
    operator = await find_organization(ctx, operator_org_id)
    if operator is None or operator.role != "operator":
        raise NotFound(f"no operator {operator_org_id}")
    complaint = competition.file(
        complaint_id=new_id("cmp"),
        region=operator.region,
        operator_org_id=operator_org_id,
        ground=ground,
        account=account,
        actor=principal.actor(),
        complainant_registered=complainant is not None and complainant.role == "developer",
        now=ctx.clock.now(),
    )
    await ctx.store.insert(COMPETITION_COMPLAINTS, _doc(complaint))
    await audit(ctx, principal, "competition_complaint.file", complaint.complaint_id)
    return complaint


async def _change(
    ctx: ServiceContext,
    principal: Principal,
    complaint_id: str,
    change: Callable[[Complaint], Complaint],
) -> Complaint:
    async def attempt() -> Complaint:
        doc = await ctx.store.get(COMPETITION_COMPLAINTS, complaint_id)
        if doc is None:
            raise NotFound(f"no complaint {complaint_id}")
        current = from_doc(doc, Complaint)
        if not _visible(principal, current):
            raise Forbidden(f"complaint {complaint_id} is outside your jurisdiction")
        after = change(current)
        await ctx.store.replace(COMPETITION_COMPLAINTS, _doc(after), int(doc["_version"]))
        return after

    after = await retrying(attempt)
    detail = {"state": after.state.value}
    await audit(ctx, principal, f"competition_complaint.{after.state.value}", complaint_id, detail)
    return after


async def answer(
    ctx: ServiceContext, principal: Principal, complaint_id: str, text: str
) -> Complaint:
    now = ctx.clock.now()
    return await _change(
        ctx,
        principal,
        complaint_id,
        lambda c: competition.answer(c, text=text, actor=principal.actor(), now=now),
    )


async def decide(
    ctx: ServiceContext, principal: Principal, complaint_id: str, *, uphold: bool, finding: str
) -> Complaint:
    now = ctx.clock.now()
    return await _change(
        ctx,
        principal,
        complaint_id,
        lambda c: competition.decide(
            c,
            uphold=uphold,
            finding=finding,
            actor=principal.actor(),
            within=principal.within(c.region),
            now=now,
        ),
    )


async def browse(ctx: ServiceContext, principal: Principal) -> list[Complaint]:
    docs = await ctx.store.find(COMPETITION_COMPLAINTS, {}, sort=[("filed_at", 1)])
    found = [from_doc(d, Complaint) for d in docs]
    return [c for c in found if _visible(principal, c)]
