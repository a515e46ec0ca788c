"""``product.products`` (product-release): the products that may be listed. A withdrawn
product's listings are withdrawn at once (TRD-1), and so are those of a product whose new
version may not be traded (TRD-3)."""

from __future__ import annotations

from contracts.envelope import Envelope
from contracts.errors import DomainError
from contracts.events import (
    ProductReleased,
    ProductWithdrawn,
)
from contracts.expect import expect
from libs import aggregate
from libs.bus.routes import Route
from libs.service import ServiceContext
from libs.store.port import Document
from services.trading_bridge import repository as repo
from services.trading_bridge.commands import trading as commands
from services.trading_bridge.domain import facts
from services.trading_bridge.domain.listing import check_tradable


async def on_product_released(ctx: ServiceContext, envelope: Envelope) -> None:
    event = expect(envelope, ProductReleased)
    product = facts.released(event)
    await aggregate.project(
        ctx.store, repo.PRODUCTS, product.product_id, lambda _: repo.product_to_doc(product)
    )
    try:
        check_tradable(product)
    except DomainError as refused:
        await commands.withdraw_active_listings(
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

    await aggregate.project(ctx.store, repo.PRODUCTS, event.product_id, fold)
    await commands.withdraw_active_listings(
        ctx,
        envelope,
        f"product withdrawn (TRD-1): {event.reason}",
        where={"product_id": event.product_id},
    )


ROUTES: dict[str, Route] = {
    "product.released": on_product_released,
    "product.withdrawn": on_product_withdrawn,
}
