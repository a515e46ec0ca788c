"""What trading-bridge keeps of other services' events, and the withdrawals they cause.

- ``product.released`` / ``product.withdrawn`` (product-release): the products that may
  be listed; a withdrawn product's listings are withdrawn at once (TRD-1), and so are
  those of a product whose new version may not be traded (TRD-3).
- ``price.listed`` (billing): the published price per product and unit (明码标价); a
  listing whose price no longer is the published one is withdrawn (BIL-5).
- ``org.registered`` (identity): the licensed exchanges (role ``exchange``).
- ``agreement.signed`` / ``agreement.renewed`` / ``agreement.terminated`` /
  ``agreement.expired`` (identity): the operators' authorizations. When one ends
  (termination or revocation, expiry) every active listing of that operator is withdrawn
  at once on the exchange-facing topic, and it lists nothing more (AUTH-7).

Each write folds the event into the stored record at the version read (insert when
new) and retries on a concurrent write; the inbox drops redelivered events, and the
withdrawals skip listings already ended, so a replay has no second effect.
"""

from __future__ import annotations

from collections.abc import Callable

from contracts.envelope import SYSTEM_ACTOR, Envelope
from contracts.errors import DomainError
from contracts.events import (
    AgreementExpired,
    AgreementRenewed,
    AgreementSigned,
    AgreementTerminated,
    OrgRegistered,
    PriceListed,
    ProductReleased,
    ProductWithdrawn,
)
from contracts.expect import expect
from libs import aggregate
from libs.service import ServiceContext
from libs.store.port import Document
from services.trading_bridge import repository as repo
from services.trading_bridge.commands import trading as commands
from services.trading_bridge.domain import facts
from services.trading_bridge.domain.listing import check_tradable, stale_price


async def _put(
    ctx: ServiceContext,
    collection: str,
    doc_id: str,
    fold: Callable[[Document | None], Document],
) -> None:
    await aggregate.project(ctx.store, collection, doc_id, fold)


async def _withdraw_active(
    ctx: ServiceContext, envelope: Envelope, reason: str, *, where: dict[str, str]
) -> None:
    docs = await ctx.store.find(repo.LISTINGS, {**where, "state": "active"})
    for doc in docs:
        await commands.withdraw_listing(
            ctx, SYSTEM_ACTOR, doc["_id"], reason, causation=envelope, only_if_active=True
        )


async def on_product_released(ctx: ServiceContext, envelope: Envelope) -> None:
    event = expect(envelope, ProductReleased)
    product = facts.released(event)
    await _put(ctx, repo.PRODUCTS, product.product_id, lambda _: repo.product_to_doc(product))
    try:
        check_tradable(product)
    except DomainError as refused:
        await _withdraw_active(
            ctx,
            envelope,
            f"version {product.version} may not be traded (TRD-3): {refused.detail}",
            where={"product_id": product.product_id},
        )


async def on_product_withdrawn(ctx: ServiceContext, envelope: Envelope) -> None:
    event = expect(envelope, ProductWithdrawn)

    def fold(doc: Document | None) -> Document:
        before = repo.product_from_doc(doc) if doc is not None else None
        return repo.product_to_doc(facts.withdrawn(before, event))

    await _put(ctx, repo.PRODUCTS, event.product_id, fold)
    await _withdraw_active(
        ctx,
        envelope,
        f"product withdrawn (TRD-1): {event.reason}",
        where={"product_id": event.product_id},
    )


async def on_price_listed(ctx: ServiceContext, envelope: Envelope) -> None:
    event = expect(envelope, PriceListed)
    terms = facts.price_of(event)
    await _put(
        ctx,
        repo.PRICES,
        repo.price_id_of(terms.product_id, terms.unit),
        lambda _: repo.price_to_doc(terms),
    )
    docs = await ctx.store.find(
        repo.LISTINGS, {"product_id": terms.product_id, "unit": terms.unit, "state": "active"}
    )
    for doc in docs:
        if stale_price(repo.listing_from_doc(doc), terms):
            await commands.withdraw_listing(
                ctx,
                SYSTEM_ACTOR,
                doc["_id"],
                f"the published price changed to {terms.unit_price_fen} fen per {terms.unit} "
                f"({terms.price_id}); list again at the published price (BIL-5)",
                causation=envelope,
                only_if_active=True,
            )


async def on_org_registered(ctx: ServiceContext, envelope: Envelope) -> None:
    event = expect(envelope, OrgRegistered)
    exchange = facts.exchange_of(event)
    if exchange is None:
        return
    await _put(ctx, repo.EXCHANGES, exchange.org_id, lambda _: repo.exchange_to_doc(exchange))


async def on_agreement(ctx: ServiceContext, envelope: Envelope) -> None:
    """AUTH-7: keep each operator agreement as ``active`` or ``ended`` (an end is sticky);
    an end withdraws every active listing of the operator at once, with the reason, on
    the exchange-facing topic (``listing.withdrawn``)."""
    event = expect(
        envelope, AgreementSigned, AgreementRenewed, AgreementTerminated, AgreementExpired
    )
    ends = isinstance(event, AgreementTerminated | AgreementExpired)

    def fold(doc: Document | None) -> Document:
        state = "ended" if ends or (doc or {}).get("state") == "ended" else "active"
        return {
            **(doc or {}),
            "_id": event.agreement_id,
            "operator_org_id": event.operator_org_id,
            "state": state,
        }

    await _put(ctx, repo.AGREEMENTS, event.agreement_id, fold)
    if not ends:
        return
    if isinstance(event, AgreementTerminated):
        why = f"agreement {event.agreement_id} terminated: {event.reason}"
    else:
        why = f"agreement {event.agreement_id} expired"
    await _withdraw_active(
        ctx,
        envelope,
        f"the operator's authorization ended (AUTH-7): {why}",
        where={"listed_by_org_id": event.operator_org_id},
    )
