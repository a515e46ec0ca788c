"""Trading-bridge commands: load, decide in the domain, save state and events in one
write (the outbox), audit.

Listings are the operator's; orders, executions and settlements are the exchange's
(a machine client signing in with client credentials, DESIGN §6) — there is no other
command that creates a trade (TRD-1). Every exchange command is keyed by the exchange's
own id, so a retried request finds the first result and returns it, never a second event.
An execution touches two documents: the order is first marked with the trade id, then
the trade (with its ``trade.executed``) is inserted; a crash between the two is finished
by the exchange's retry, which finds its own mark.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from contracts.envelope import SYSTEM_ACTOR, Actor, Envelope, Role
from contracts.errors import Conflict, DomainError, Forbidden, NotFound
from libs import aggregate
from libs.auth.principal import Principal
from libs.service import ServiceContext
from libs.store.port import Document, DuplicateDocument
from services.trading_bridge import repository as repo
from services.trading_bridge.domain import listing as listing_rules
from services.trading_bridge.domain import trade as trade_rules
from services.trading_bridge.domain.listing import Listing, ListProduct
from services.trading_bridge.domain.trade import ExecuteTrade, Order, PlaceOrder, SettleTrade, Trade

T = TypeVar("T")

ORDERS_SCOPE = "orders:write"
"""Orders and their executions (identity's exchange scopes have no separate trade scope)."""
SETTLEMENTS_SCOPE = "settlements:write"


def require_scope(principal: Principal, scope: str) -> None:
    """A machine client's token does only what its scopes say (narrow scopes, DESIGN §6)."""
    if scope not in principal.scopes:
        raise Forbidden(f"this token lacks the scope {scope!r}", rule="TRD-1")


async def _load(
    ctx: ServiceContext, collection: str, doc_id: str, load: Callable[[Document], T]
) -> T | None:
    doc = await ctx.store.get(collection, doc_id)
    return load(doc) if doc is not None else None


# -- listings -----------------------------------------------------------------------------


async def list_product(ctx: ServiceContext, principal: Principal, cmd: ListProduct) -> Listing:
    """The operator lists a released product on a licensed exchange at its published
    price (TRD-1, TRD-3, BIL-5)."""
    exchange = await _load(ctx, repo.EXCHANGES, cmd.exchange_org_id, repo.exchange_from_doc)
    product = await _load(ctx, repo.PRODUCTS, cmd.product_id, repo.product_from_doc)
    price = await _load(
        ctx, repo.PRICES, repo.price_id_of(cmd.product_id, cmd.unit), repo.terms_from_doc
    )
    listed = await ctx.store.count(
        repo.LISTINGS,
        {
            "product_id": cmd.product_id,
            "exchange_org_id": cmd.exchange_org_id,
            "unit": cmd.unit,
            "state": "active",
        },
    )
    listing, event = listing_rules.list_product(
        cmd,
        listing_id=f"lst-{uuid.uuid4()}",
        exchange=exchange,
        product=product,
        price=price,
        already_listed=listed > 0,
        operator_org_id=principal.org_id,
        at=ctx.clock.now(),
        operator_agreements=await operator_agreements(ctx, principal.org_id),
    )
    actor = principal.actor()
    await aggregate.save(
        ctx, repo.LISTINGS, repo.listing_to_doc(listing), [event], actor=actor, previous=None
    )
    await aggregate.audit(
        ctx,
        actor,
        "listing.create",
        listing.listing_id,
        {
            "product_id": listing.product_id,
            "exchange_org_id": listing.exchange_org_id,
            "price_id": listing.terms.price_id,
            "price_fen": listing.terms.unit_price_fen,
            "unit": listing.terms.unit,
        },
    )
    return await _recheck(ctx, listing)


async def operator_agreements(ctx: ServiceContext, operator_org_id: str) -> dict[str, str]:
    """Each agreement of the operator the bridge has seen, ``active`` or ``ended``."""
    docs = await ctx.store.find(repo.AGREEMENTS, {"operator_org_id": operator_org_id})
    return {str(d["_id"]): str(d["state"]) for d in docs}


async def _recheck(ctx: ServiceContext, listing: Listing) -> Listing:
    """Facts read before the insert may have changed meanwhile. The handlers withdraw
    what they find listed after folding a change; this second read after the insert
    covers the other order, so a listing never outlives its product or price."""
    product = await _load(ctx, repo.PRODUCTS, listing.product_id, repo.product_from_doc)
    price = await _load(
        ctx,
        repo.PRICES,
        repo.price_id_of(listing.product_id, listing.terms.unit),
        repo.terms_from_doc,
    )
    agreements = await operator_agreements(ctx, listing.listed_by_org_id)
    reason = ""
    if agreements and all(state == "ended" for state in agreements.values()):
        reason = "the operator's authorization ended while it was being listed (AUTH-7)"
    elif product is None or product.state != "released":
        reason = "product withdrawn while it was being listed (TRD-1)"
    elif price is None or listing_rules.stale_price(listing, price):
        reason = "the published price changed while it was being listed (BIL-5)"
    else:
        try:
            listing_rules.check_tradable(product)
        except DomainError as refused:
            reason = f"a new version may not be traded (TRD-3): {refused.detail}"
    if not reason:
        return listing
    return await withdraw_listing(
        ctx, SYSTEM_ACTOR, listing.listing_id, reason, only_if_active=True
    )


async def get_listing(ctx: ServiceContext, listing_id: str) -> Listing:
    doc = await ctx.store.get(repo.LISTINGS, listing_id)
    if doc is None:
        raise NotFound(f"no listing {listing_id}")
    return repo.listing_from_doc(doc)


async def withdraw_listing(
    ctx: ServiceContext,
    actor: Actor,
    listing_id: str,
    reason: str,
    *,
    causation: Envelope | None = None,
    only_if_active: bool = False,
) -> Listing:
    """End a listing with ``listing.withdrawn``. The operator's withdrawal of an ended
    listing is refused (409); a withdrawal caused by an event (``only_if_active``) leaves
    an ended listing as it is, so a redelivered cause changes nothing."""
    decided: list[Listing] = []

    def decide(doc: Document) -> aggregate.Decision:
        listing = repo.listing_from_doc(doc)
        decided[:] = [listing]
        if only_if_active and not listing.active:
            return doc, []
        after, event = listing_rules.withdraw(listing, reason=reason, at=ctx.clock.now())
        decided[:] = [after]
        return repo.listing_to_doc(after), [event]

    await aggregate.update(
        ctx,
        repo.LISTINGS,
        listing_id,
        decide,
        actor=actor,
        action="listing.withdraw",
        detail=lambda _: {"reason": reason},
        causation=causation,
        missing="listing",
    )
    return decided[0]


async def withdraw_active_listings(
    ctx: ServiceContext, envelope: Envelope, reason: str, *, where: dict[str, str]
) -> None:
    """Withdraw every active listing matching ``where`` for ``reason``, caused by
    ``envelope`` (a listing already ended is left as it is, so a replay changes nothing)."""
    docs = await ctx.store.find(repo.LISTINGS, {**where, "state": "active"})
    for doc in docs:
        await withdraw_listing(
            ctx, SYSTEM_ACTOR, doc["_id"], reason, causation=envelope, only_if_active=True
        )


async def listings(
    ctx: ServiceContext, where: Mapping[str, Any], *, offset: int, limit: int
) -> tuple[list[Listing], int]:
    docs = await ctx.store.find(
        repo.LISTINGS, where, sort=[("listed_at", 1)], skip=offset, limit=limit
    )
    total = await ctx.store.count(repo.LISTINGS, where)
    return [repo.listing_from_doc(d) for d in docs], total


# -- orders, executions, settlements from the exchange --------------------------------------


async def place_order(
    ctx: ServiceContext, principal: Principal, cmd: PlaceOrder
) -> tuple[Order, bool]:
    """The exchange passes on an order for its own listing → ``order.received`` (TRD-1).
    Returns the order and whether it is new (False: a replay of the first request)."""
    require_scope(principal, ORDERS_SCOPE)
    exchange = principal.org_id
    existing = await _load(ctx, repo.ORDERS, cmd.order_id, repo.order_from_doc)
    if existing is not None and trade_rules.is_order_replay(existing, cmd, exchange):
        return existing, False
    listing = await _load(ctx, repo.LISTINGS, cmd.listing_id, repo.listing_from_doc)
    order, event = trade_rules.receive_order(
        cmd, exchange_org_id=exchange, listing=listing, at=ctx.clock.now()
    )
    actor = principal.actor()
    try:
        await aggregate.save(
            ctx, repo.ORDERS, repo.order_to_doc(order), [event], actor=actor, previous=None
        )
    except DuplicateDocument:
        # the same id arrived twice at once: the first write stands, and is the answer
        first = await _stored(ctx, repo.ORDERS, cmd.order_id, repo.order_from_doc)
        trade_rules.is_order_replay(first, cmd, exchange)
        return first, False
    await aggregate.audit(
        ctx,
        actor,
        "order.receive",
        order.order_id,
        {"listing_id": order.listing_id, "quantity": order.quantity},
    )
    return order, True


async def _stored(
    ctx: ServiceContext, collection: str, doc_id: str, load: Callable[[Document], T]
) -> T:
    """A document an insert just met (a concurrent creation); documents are never deleted."""
    found = await _load(ctx, collection, doc_id, load)
    if found is None:
        raise Conflict(f"{doc_id} was created and removed meanwhile; try again", rule="TRD-1")
    return found


async def _claim(
    ctx: ServiceContext, actor: Actor, cmd: ExecuteTrade, exchange: str
) -> tuple[Order, Listing]:
    """Mark the order as executed by this trade (checked against order and listing)."""

    async def attempt() -> tuple[Order, Listing]:
        doc = await ctx.store.get(repo.ORDERS, cmd.order_id)
        if doc is None:
            raise NotFound(f"no order {cmd.order_id}", rule="TRD-1")
        order = repo.order_from_doc(doc)
        trade_rules.check_own(exchange, order.exchange_org_id, f"order {order.order_id}")
        listing = await get_listing(ctx, order.listing_id)
        claimed = trade_rules.claim_order(
            cmd, exchange_org_id=exchange, order=order, listing=listing
        )
        if order.trade_id == cmd.trade_id:
            return claimed, listing
        await aggregate.save(
            ctx, repo.ORDERS, repo.order_to_doc(claimed), [], actor=actor, previous=doc
        )
        return claimed, listing

    return await aggregate.retrying(attempt)


async def execute_trade(
    ctx: ServiceContext, principal: Principal, cmd: ExecuteTrade
) -> tuple[Trade, bool]:
    """The exchange reports the execution of its order → ``trade.executed``; the amount is
    the published price of the quantity (TRD-1, BIL-5). Returns the trade and whether it
    is new."""
    require_scope(principal, ORDERS_SCOPE)
    exchange = principal.org_id
    existing = await _load(ctx, repo.TRADES, cmd.trade_id, repo.trade_from_doc)
    if existing is not None:
        trade_rules.check_own(exchange, existing.exchange_org_id, f"trade {cmd.trade_id}")
        trade_rules.is_trade_replay(existing, cmd, exchange)
        return existing, False
    actor = principal.actor()
    order, listing = await _claim(ctx, actor, cmd, exchange)
    trade, event = trade_rules.execute(cmd, order=order, listing=listing, at=ctx.clock.now())
    try:
        await aggregate.save(
            ctx, repo.TRADES, repo.trade_to_doc(trade), [event], actor=actor, previous=None
        )
    except DuplicateDocument:
        first = await _stored(ctx, repo.TRADES, cmd.trade_id, repo.trade_from_doc)
        trade_rules.check_own(exchange, first.exchange_org_id, f"trade {cmd.trade_id}")
        trade_rules.is_trade_replay(first, cmd, exchange)
        return first, False
    await aggregate.audit(
        ctx,
        actor,
        "trade.execute",
        trade.trade_id,
        {
            "order_id": trade.order_id,
            "listing_id": trade.listing_id,
            "quantity": trade.quantity,
            "amount_fen": trade.amount_fen,
        },
    )
    return trade, True


async def settle_trade(
    ctx: ServiceContext, principal: Principal, cmd: SettleTrade
) -> tuple[Trade, bool]:
    """The exchange reports the settlement of its trade → ``trade.settled``, once, for the
    trade's amount (TRD-1, BIL-5). Returns the trade and whether the settlement is new."""
    require_scope(principal, SETTLEMENTS_SCOPE)
    exchange = principal.org_id
    actor = principal.actor()

    async def attempt() -> tuple[Trade, bool]:
        doc = await ctx.store.get(repo.TRADES, cmd.trade_id)
        if doc is None:
            raise NotFound(f"no trade {cmd.trade_id}", rule="TRD-1")
        trade = repo.trade_from_doc(doc)
        trade_rules.check_own(exchange, trade.exchange_org_id, f"trade {trade.trade_id}")
        if trade_rules.is_settlement_replay(trade, cmd):
            return trade, False
        elsewhere = await ctx.store.find(repo.TRADES, {"settlement_id": cmd.settlement_id}, limit=1)
        if elsewhere:
            raise Conflict(
                f"settlement {cmd.settlement_id} was already received for another trade",
                rule="TRD-1",
            )
        after, event = trade_rules.settle(trade, cmd, exchange_org_id=exchange, at=ctx.clock.now())
        await aggregate.save(
            ctx, repo.TRADES, repo.trade_to_doc(after), [event], actor=actor, previous=doc
        )
        await aggregate.audit(
            ctx,
            actor,
            "trade.settle",
            trade.trade_id,
            {"settlement_id": cmd.settlement_id, "amount_fen": cmd.amount_fen},
        )
        return after, True

    return await aggregate.retrying(attempt)


def _may_read(principal: Principal, trade: Trade) -> None:
    """The exchange reads its own trades; the operator, bureau and supervisor read all."""
    if principal.role is Role.EXCHANGE:
        trade_rules.check_own(principal.org_id, trade.exchange_org_id, f"trade {trade.trade_id}")


async def get_trade(ctx: ServiceContext, principal: Principal, trade_id: str) -> Trade:
    doc = await ctx.store.get(repo.TRADES, trade_id)
    if doc is None:
        raise NotFound(f"no trade {trade_id}")
    trade = repo.trade_from_doc(doc)
    _may_read(principal, trade)
    return trade


async def trades(
    ctx: ServiceContext,
    principal: Principal,
    where: dict[str, Any],
    *,
    offset: int,
    limit: int,
) -> tuple[list[Trade], int]:
    if principal.role is Role.EXCHANGE:
        where = {**where, "exchange_org_id": principal.org_id}
    docs = await ctx.store.find(
        repo.TRADES, where, sort=[("executed_at", 1)], skip=offset, limit=limit
    )
    total = await ctx.store.count(repo.TRADES, where)
    return [repo.trade_from_doc(d) for d in docs], total
