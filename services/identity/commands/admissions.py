"""Developer admission commands (开发利用主体入驻, DEV-1) and exit or removal (DEV-2), and the
operator's report of admissions to the bureau."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from contracts.errors import Forbidden, NotFound
from contracts.events import Event
from libs.aggregate import retrying, save
from libs.auth.principal import Principal
from libs.service import ServiceContext
from libs.store.port import Document
from services.identity.commands.authorizations import operator_in_force
from services.identity.commands.common import audit, new_id
from services.identity.commands.organizations import find_organization
from services.identity.domain import admission as rules
from services.identity.domain.admission import OPEN, Admission, AdmissionRequest, State
from services.identity.repository import ADMISSIONS, admission_doc, from_doc


def _visible(principal: Principal, admission: Admission) -> bool:
    return principal.org_id in (
        admission.developer_org_id,
        admission.operator_org_id,
    ) or principal.within(admission.region)


async def _load(
    ctx: ServiceContext, principal: Principal, admission_id: str
) -> tuple[Admission, Document]:
    doc = await ctx.store.get(ADMISSIONS, admission_id)
    if doc is None:
        raise NotFound(f"no admission {admission_id}")
    admission = from_doc(doc, Admission)
    if not _visible(principal, admission):
        raise Forbidden(f"admission {admission_id} is outside your jurisdiction")
    return admission, doc


Change = Callable[[Admission], tuple[Admission, list[Event]]]


async def _change(
    ctx: ServiceContext, principal: Principal, admission_id: str, change: Change, action: str
) -> Admission:
    """Load, apply the pure ``change``, save with its events; again on a version conflict."""

    async def attempt() -> Admission:
        admission, doc = await _load(ctx, principal, admission_id)
        changed, events = change(admission)
        new_doc = admission_doc(changed)
        await save(ctx, ADMISSIONS, new_doc, events, actor=principal.actor(), previous=doc)
        return changed

    changed = await retrying(attempt)
    await _audit(ctx, principal, changed, f"admission.{action or changed.state.value}")
    return changed


async def _audit(
    ctx: ServiceContext, principal: Principal, admission: Admission, action: str
) -> None:
    detail = {"state": admission.state.value, "operator_org_id": admission.operator_org_id}
    await audit(ctx, principal, action, admission.admission_id, detail)


async def apply(
    ctx: ServiceContext, principal: Principal, operator_org_id: str, request: AdmissionRequest
) -> Admission:
    developer = await find_organization(ctx, principal.org_id)
    operator = await find_organization(ctx, operator_org_id)
    open_ones = await ctx.store.find(
        ADMISSIONS,
        {
            "developer_org_id": principal.org_id,
            "operator_org_id": operator_org_id,
            "state": {"$in": [s.value for s in OPEN]},
        },
        limit=1,
    )
    admission = rules.apply(
        new_id("adm"),
        operator.region if operator else principal.region,
        operator_org_id,
        request,
        actor=principal.actor(),
        developer_registered=developer is not None and developer.role == "developer",
        operator_authorized=await operator_in_force(ctx, operator_org_id),
        already_open=bool(open_ones),
        now=ctx.clock.now(),
    )
    doc = admission_doc(admission)
    await save(ctx, ADMISSIONS, doc, [], actor=principal.actor(), previous=None)
    await _audit(ctx, principal, admission, "admission.apply")
    return admission


async def review(
    ctx: ServiceContext, principal: Principal, admission_id: str, *, approve: bool, reason: str
) -> Admission:
    def change(admission: Admission) -> tuple[Admission, list[Event]]:
        return rules.review(
            admission, approve=approve, reason=reason, actor=principal.actor(), now=ctx.clock.now()
        )

    return await _change(ctx, principal, admission_id, change, "review")


async def sign_agreement(
    ctx: ServiceContext, principal: Principal, admission_id: str, *, terms: str
) -> Admission:
    agreement_id = new_id("dev-agr")

    def change(admission: Admission) -> tuple[Admission, list[Event]]:
        admitted, event = rules.sign_agreement(
            admission,
            development_agreement_id=agreement_id,
            terms=terms,
            actor=principal.actor(),
            now=ctx.clock.now(),
        )
        return admitted, [event]

    return await _change(ctx, principal, admission_id, change, "admit")


async def end(
    ctx: ServiceContext, principal: Principal, admission_id: str, *, reason: str
) -> Admission:
    def change(admission: Admission) -> tuple[Admission, list[Event]]:
        ended, event = rules.end(
            admission, reason=reason, actor=principal.actor(), now=ctx.clock.now()
        )
        return ended, [event]

    return await _change(ctx, principal, admission_id, change, "")


async def file_cooperation(
    ctx: ServiceContext, principal: Principal, admission_id: str, *, reference: str, summary: str
) -> Admission:
    """DEV-3: the operator files the signed cooperation agreement with the bureau."""

    def change(admission: Admission) -> tuple[Admission, list[Event]]:
        filed = rules.file_cooperation(
            admission,
            reference=reference,
            summary=summary,
            actor=principal.actor(),
            now=ctx.clock.now(),
        )
        return filed, []

    return await _change(ctx, principal, admission_id, change, "cooperation_filed")


async def filings(
    ctx: ServiceContext, principal: Principal, *, filed: bool | None
) -> list[Admission]:
    """DEV-3: the admitted developers of the bureau's jurisdiction with their filings;
    ``filed`` false lists the cooperation agreements the operator has not filed yet."""
    docs = await ctx.store.find(
        ADMISSIONS, {"state": State.ADMITTED.value}, sort=[("applied_at", 1)]
    )
    found = [from_doc(d, Admission) for d in docs]
    return [
        a
        for a in found
        if principal.within(a.region)
        and (filed is None or (a.cooperation_filing is not None) == filed)
    ]


async def get(ctx: ServiceContext, principal: Principal, admission_id: str) -> Admission:
    admission, _ = await _load(ctx, principal, admission_id)
    return admission


async def mine(ctx: ServiceContext, principal: Principal) -> list[Admission]:
    """The caller's own admissions, as developer or as operator."""
    field = "operator_org_id" if principal.role.value == "operator" else "developer_org_id"
    docs = await ctx.store.find(ADMISSIONS, {field: principal.org_id}, sort=[("applied_at", 1)])
    return [from_doc(d, Admission) for d in docs]


async def report(
    ctx: ServiceContext, principal: Principal, *, first: date, last: date
) -> list[Admission]:
    """DEV-1: the admissions granted or ended in ``[first, last]`` within the bureau's
    jurisdiction — what the operator reports to the bureau (报备)."""
    reported = [s.value for s in (State.ADMITTED, State.REMOVED, State.EXITED)]
    docs = await ctx.store.find(ADMISSIONS, {"state": {"$in": reported}}, sort=[("applied_at", 1)])
    found = (from_doc(d, Admission) for d in docs)
    return [a for a in found if principal.within(a.region) and rules.in_period(a, first, last)]
