"""``billing.prices`` (billing): the published price per product and unit (明码标价); a
listing whose price no longer is the published one is withdrawn (BIL-5)."""

from __future__ import annotations

from contracts.envelope import SYSTEM_ACTOR, Envelope
from contracts.events import (
    PriceListed,
)
from contracts.expect import expect
from libs import aggregate
from libs.bus.routes import Route
from libs.service import ServiceContext
from services.trading_bridge import repository as repo
from services.trading_bridge.commands import trading as commands
from services.trading_bridge.domain import facts
from services.trading_bridge.domain.listing import stale_price


async def on_price_listed(ctx: ServiceContext, envelope: Envelope) -> None:
    """Keep the published price; it names the operator that listed it, the event's actor
    (billing lists a price only on its operator's command) (SEC-3)."""
    event = expect(envelope, PriceListed)
    terms = facts.price_of(event)
    await aggregate.project(
        ctx.store,
        repo.PRICES,
        repo.price_id_of(terms.product_id, terms.unit),
        lambda _: repo.price_to_doc(terms, listed_by_org_id=envelope.actor.org_id),
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


ROUTES: dict[str, Route] = {
    "price.listed": on_price_listed,
}
