"""Rectification orders (整改, EVA-3): the bureau orders, the operator reports, the bureau
accepts or returns; the deadline sweep marks unreported orders overdue, once each, and
``rectification.overdue`` makes identity terminate the agreement at once (AUTH-6), with no
second grace period (001 art.24)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from contracts.envelope import SYSTEM_ACTOR
from contracts.errors import Forbidden, NotFound
from contracts.events import (
    Event,
    RectificationCompleted,
    RectificationOrdered,
    RectificationOverdue,
)
from libs import aggregate
from libs.aggregate import save
from libs.auth.principal import Principal
from libs.service import ServiceContext
from libs.store.port import Document
from services.evaluation.commands.evaluations import (
    OVERSEERS,
    audit,
    check_reader,
    new_id,
    overseen,
)
from services.evaluation.domain import rectification
from services.evaluation.domain.rectification import RectificationOrder, State
from services.evaluation.repository import ORDERS, from_doc, to_doc


def order_doc(o: RectificationOrder) -> Document:
    return to_doc(o, o.order_id, state=o.state.value)


async def _load(ctx: ServiceContext, order_id: str) -> tuple[Document, RectificationOrder]:
    doc = await ctx.store.get(ORDERS, order_id)
    if doc is None:
        raise NotFound(f"no rectification order {order_id}")
    return doc, from_doc(doc, RectificationOrder)


async def order(
    ctx: ServiceContext,
    principal: Principal,
    *,
    operator_org_id: str,
    finding: str,
    due_on: date,
) -> RectificationOrder:
    """EVA-3: the bureau orders a rectification outside an annual evaluation too (for a
    violation found in an inspection, say)."""
    if not principal.within(ctx.region):
        raise Forbidden(f"a bureau of {principal.region} cannot order here", rule="EVA-3")
    made = rectification.order(
        order_id=new_id("rect"),
        region=ctx.region,
        operator_org_id=operator_org_id,
        finding=finding,
        due_on=due_on,
        now=ctx.clock.now(),
        ordered_by_org_id=principal.org_id,
    )
    event = RectificationOrdered(
        order_id=made.order_id,
        operator_org_id=made.operator_org_id,
        finding=made.finding,
        due_on=made.due_on,
    )
    await save(ctx, ORDERS, order_doc(made), [event], actor=principal.actor(), previous=None)
    await audit(ctx, principal, "rectification.order", made.order_id, {"due_on": str(due_on)})
    return made


async def _change(
    ctx: ServiceContext,
    principal: Principal,
    order_id: str,
    decide: Callable[[RectificationOrder], tuple[RectificationOrder, list[Event]]],
    action: str,
) -> RectificationOrder:

    async def attempt() -> RectificationOrder:
        doc, current = await _load(ctx, order_id)
        after, events = decide(current)
        await save(ctx, ORDERS, order_doc(after), events, actor=principal.actor(), previous=doc)
        await audit(ctx, principal, action, order_id, {"state": after.state.value})
        return after

    return await aggregate.retrying(attempt, on=aggregate.WRITE_CONFLICTS)


async def report(
    ctx: ServiceContext, principal: Principal, order_id: str, text: str
) -> RectificationOrder:
    """EVA-3: the operator the order is addressed to reports, by the deadline."""
    now = ctx.clock.now()

    def decide(o: RectificationOrder) -> tuple[RectificationOrder, list[Event]]:
        return rectification.report(o, by_org_id=principal.org_id, text=text, now=now), []

    return await _change(ctx, principal, order_id, decide, "rectification.report")


async def accept(ctx: ServiceContext, principal: Principal, order_id: str) -> RectificationOrder:
    """EVA-3: the bureau accepts the reported rectification → ``rectification.completed``."""
    now = ctx.clock.now()

    def decide(o: RectificationOrder) -> tuple[RectificationOrder, list[Event]]:
        _check_bureau(principal, o)
        after = rectification.accept(o, now=now)
        done = RectificationCompleted(order_id=o.order_id, operator_org_id=o.operator_org_id)
        return after, [done]

    return await _change(ctx, principal, order_id, decide, "rectification.accept")


async def return_(
    ctx: ServiceContext, principal: Principal, order_id: str, reason: str
) -> RectificationOrder:
    """EVA-3: not rectified enough; the order stands with its deadline."""
    now = ctx.clock.now()

    def decide(o: RectificationOrder) -> tuple[RectificationOrder, list[Event]]:
        _check_bureau(principal, o)
        return rectification.return_(o, reason=reason, now=now), []

    return await _change(ctx, principal, order_id, decide, "rectification.return")


def _check_bureau(principal: Principal, o: RectificationOrder) -> None:
    if not principal.within(o.region):
        raise Forbidden(f"order {o.order_id} is outside your jurisdiction", rule="EVA-3")


async def get(ctx: ServiceContext, principal: Principal, order_id: str) -> RectificationOrder:
    _, found = await _load(ctx, order_id)
    check_reader(principal, found.operator_org_id, found.region, f"order {order_id}", "EVA-3")
    return found


async def browse(
    ctx: ServiceContext, principal: Principal, *, state: str | None, operator_org_id: str | None
) -> list[RectificationOrder]:
    where: dict[str, str] = {}
    if principal.role.value not in OVERSEERS:
        where["operator_org_id"] = principal.org_id
    elif operator_org_id:
        where["operator_org_id"] = operator_org_id
    if state:
        where["state"] = state
    docs = await ctx.store.find(ORDERS, where, sort=[("ordered_at", 1)])
    found = [from_doc(d, RectificationOrder) for d in docs]
    return [o for o in found if overseen(principal, o.region)]


async def sweep_deadlines(ctx: ServiceContext) -> int:
    """EVA-3: every order still unreported after its deadline becomes overdue and
    ``rectification.overdue`` is published — once per order: an overdue order is never
    swept again, and a write that loses a race is re-decided on fresh state. Safe to run
    any number of times, on several replicas."""
    now = ctx.clock.now()
    marked = 0
    written: list[bool] = [False]

    def decide(doc: Document) -> aggregate.Decision:
        after = rectification.overdue_if_due(from_doc(doc, RectificationOrder), now=now)
        written[0] = after is not None
        if after is None:
            return doc, []
        event = RectificationOverdue(
            order_id=after.order_id, operator_org_id=after.operator_org_id, due_on=after.due_on
        )
        return order_doc(after), [event]

    for doc in await ctx.store.find(ORDERS, {"state": State.ORDERED.value}):
        await aggregate.update(
            ctx,
            ORDERS,
            doc["_id"],
            decide,
            actor=SYSTEM_ACTOR,
            action="rectification.overdue",
            detail=lambda d: {"due_on": str(d["due_on"])},
            missing="rectification order",
        )
        marked += written[0]
    return marked
