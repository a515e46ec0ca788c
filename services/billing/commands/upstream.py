"""What billing keeps of other services' facts, and metering (计量): the service layer its
``handlers/on_<topic>`` modules call with each consumed event.

Projections (scenario classes, grants, products, resources' providers, operator
agreements) are upserts keyed by the fact's own id: a redelivered event writes the same
document again. Metering stores each ``usage.metered`` and ``trade.executed`` once under
its event id (``insert``; a duplicate id means already metered), so a redelivered event
never bills twice even when the consumer's inbox write was lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from contracts.envelope import Envelope, event_id_text
from contracts.events import (
    AgreementSigned,
    GrantIssued,
    ProductReleased,
    ResourceRegistered,
    ScenarioChanged,
    ScenarioFiled,
    TradeExecuted,
    TradeSettled,
    UsageMetered,
)
from contracts.expect import expect
from libs import aggregate
from libs.service import ServiceContext
from libs.store.port import Document, DuplicateDocument
from services.billing.domain.invoice import CHINA, invoice_id, next_period, period_of
from services.billing.domain.price_model import Unit
from services.billing.repository import (
    AGREEMENTS,
    GRANTS,
    INVOICES,
    PRODUCTS,
    RESOURCES,
    SCENARIOS,
    SETTLEMENTS,
    USES,
)


async def upsert(
    ctx: ServiceContext, collection: str, doc_id: str, change: Callable[[Document], Document]
) -> Document:
    """Apply ``change`` to the stored document (or to ``{"_id": doc_id}``) and save it."""
    return await aggregate.fold(ctx.store, collection, doc_id, change)


def period_day(at: datetime) -> date:
    """The day of ``at`` in China (billing's calendar)."""
    return at.astimezone(CHINA).date()


def _set(**fields: object) -> Callable[[Document], Document]:
    def change(doc: Document) -> Document:
        doc.update(fields)
        return doc

    return change


async def keep_scenario(ctx: ServiceContext, envelope: Envelope) -> None:
    """A scenario's class decides free or paid use (BIL-1); the record names the operator
    that filed the scenario (SEC-3)."""
    s = expect(envelope, ScenarioFiled, ScenarioChanged)
    await upsert(
        ctx,
        SCENARIOS,
        s.scenario_id,
        _set(scenario_class=s.scenario_class, operator_org_id=s.operator_org_id),
    )


async def keep_grant(ctx: ServiceContext, envelope: Envelope) -> None:
    """The grant's resources (hence the providers of products made under it) and the day
    their data was supplied: free inside the cultivation period or not (BIL-6)."""
    g = expect(envelope, GrantIssued)
    await upsert(
        ctx,
        GRANTS,
        g.grant_id,
        _set(
            scenario_id=g.scenario_id,
            developer_org_id=g.developer_org_id,
            resource_ids=[r.resource_id for r in g.resources],
            issued_on=period_day(envelope.occurred_at).isoformat(),
        ),
    )
    if g.scenario_class:
        known = {"operator_org_id": g.operator_org_id} if g.operator_org_id else {}
        await upsert(ctx, SCENARIOS, g.scenario_id, _set(scenario_class=g.scenario_class, **known))


async def keep_product(ctx: ServiceContext, envelope: Envelope) -> None:
    """The product's merchant (BIL-7) and its grant, hence its providers (BIL-6)."""
    p = expect(envelope, ProductReleased)
    await upsert(
        ctx,
        PRODUCTS,
        p.product_id,
        _set(developer_org_id=p.developer_org_id, grant_id=p.grant_id, scenario_id=p.scenario_id),
    )


async def keep_resource(ctx: ServiceContext, envelope: Envelope) -> None:
    r = expect(envelope, ResourceRegistered)
    await upsert(ctx, RESOURCES, r.resource_id, _set(provider_org_id=r.provider_org_id))


async def keep_agreement(ctx: ServiceContext, envelope: Envelope) -> None:
    """The operator and its term: who is supplied free in the cultivation period (BIL-4)
    and who makes the operator's own products (BIL-1)."""
    a = expect(envelope, AgreementSigned)
    await upsert(
        ctx,
        AGREEMENTS,
        a.agreement_id,
        _set(
            operator_org_id=a.operator_org_id,
            starts_on=a.starts_on.isoformat(),
            ends_on=a.ends_on.isoformat(),
        ),
    )


async def _open_period(
    ctx: ServiceContext,
    customer_org_id: str,
    at: datetime,
    known: dict[tuple[str, str], str] | None = None,
) -> str:
    """The month of the use, or the first month after it whose invoice is not issued
    yet: a use that arrives after its month was invoiced goes on the next invoice.
    ``known`` remembers the answers within one batch of uses (one read per customer and
    month, not per use)."""
    month = period_of(at)
    if known is not None and (customer_org_id, month) in known:
        return known[(customer_org_id, month)]
    period = month
    while await ctx.store.get(INVOICES, invoice_id(customer_org_id, period)) is not None:
        period = next_period(period)
    if known is not None:
        known[(customer_org_id, month)] = period
    return period


async def use_doc(
    ctx: ServiceContext,
    envelope: Envelope,
    *,
    customer_org_id: str,
    product_id: str,
    unit: str,
    quantity: int,
    scenario_id: str = "",
    extra: dict[str, object] | None = None,
    periods: dict[tuple[str, str], str] | None = None,
    at: datetime | None = None,
) -> Document:
    """The metered use (计量记录) of one event, stored under the event id; it happened
    ``at`` (by default when the event occurred), which decides its month."""
    when = envelope.occurred_at if at is None else at
    return {
        "_id": event_id_text(envelope),
        "customer_org_id": customer_org_id,
        "product_id": product_id,
        "unit": unit,
        "quantity": quantity,
        "scenario_id": scenario_id,
        "occurred_at": when.isoformat(),
        "period": await _open_period(ctx, customer_org_id, when, periods),
        **(extra or {}),
    }


async def meter(
    ctx: ServiceContext,
    envelope: Envelope,
    *,
    customer_org_id: str,
    product_id: str,
    unit: str,
    quantity: int,
    scenario_id: str = "",
    extra: dict[str, object] | None = None,
) -> bool:
    """Store one metered use under its event id; False if it was metered before (the
    insert meets the id: one write, no read-then-write window)."""
    doc = await use_doc(
        ctx,
        envelope,
        customer_org_id=customer_org_id,
        product_id=product_id,
        unit=unit,
        quantity=quantity,
        scenario_id=scenario_id,
        extra=extra,
    )
    try:
        await ctx.store.insert(USES, doc)
    except DuplicateDocument:
        return False
    return True


def _usage(envelope: Envelope) -> UsageMetered:
    u = expect(envelope, UsageMetered)
    if u.quantity < 0:
        raise ValueError(f"usage {u.usage_id} has a negative quantity")
    return u


async def _usage_doc(
    ctx: ServiceContext, envelope: Envelope, periods: dict[tuple[str, str], str] | None = None
) -> Document:
    u = _usage(envelope)
    return await use_doc(
        ctx,
        envelope,
        customer_org_id=u.customer_org_id,
        product_id=u.product_id,
        unit=u.unit,
        quantity=u.quantity,
        scenario_id=u.scenario_id,
        extra={"kind": "usage", "usage_id": u.usage_id},
        periods=periods,
        at=u.metered_at,  # a call staged after it was answered: the month it was answered
    )


async def meter_usage(ctx: ServiceContext, envelope: Envelope) -> None:
    """BIL-1: one metered use per ``usage.metered`` event, whatever the redeliveries."""
    try:
        await ctx.store.insert(USES, await _usage_doc(ctx, envelope))
    except DuplicateDocument:
        return


async def meter_usage_batch(ctx: ServiceContext, envelopes: Sequence[Envelope]) -> None:
    """BIL-1, a run of ``usage.metered`` events at once: every use built first (a bad
    event raises before anything is written, and the consumer then handles the run one
    by one), then all stored in one transaction (``insert_many``) that skips event ids
    already metered — so a run redelivered after a crash, whole or in part, or events
    repeated inside the run, are metered once."""
    periods: dict[tuple[str, str], str] = {}
    docs = [await _usage_doc(ctx, envelope, periods) for envelope in envelopes]
    await ctx.store.insert_many(USES, docs)


async def meter_trade(ctx: ServiceContext, envelope: Envelope) -> None:
    """A trade through the exchange is a use of the product, charged per product at the
    published price; the exchange's amount is kept beside it for reconciliation."""
    t = expect(envelope, TradeExecuted)
    await meter(
        ctx,
        envelope,
        customer_org_id=t.buyer_org_id,
        product_id=t.product_id,
        unit=Unit.PRODUCT.value,
        quantity=t.quantity,
        extra={"kind": "trade", "trade_id": t.trade_id, "exchange_amount_fen": t.amount_fen},
    )


async def keep_settlement(ctx: ServiceContext, envelope: Envelope) -> None:
    """The exchange's settlement of a trade, kept for reconciliation (BIL-5). It names the
    exchange that settled it (SEC-3): trading-bridge accepts a settlement only from the
    trade's own exchange (TRD-1), so the event's actor is that exchange."""
    t = expect(envelope, TradeSettled)
    await upsert(
        ctx,
        SETTLEMENTS,
        t.trade_id,
        _set(
            settlement_id=t.settlement_id,
            amount_fen=t.amount_fen,
            settled_at=t.settled_at.isoformat(),
            event_id=str(envelope.event_id),
            exchange_org_id=envelope.actor.org_id,
        ),
    )
