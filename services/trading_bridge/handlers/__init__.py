"""Event handlers of trading-bridge, by event type: ``product.released`` and
``product.withdrawn`` (``pdo.<region>.product.products.v1``), ``price.listed``
(``…billing.prices.v1``), ``org.registered`` (``…identity.organizations.v1``) and the
operators' agreements (``…identity.agreements.v1``, AUTH-7). Each is
thin: it hands the envelope to ``projections``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from contracts.envelope import Envelope
from libs.bus.consumer import EnvelopeHandler
from libs.service import ServiceContext
from services.trading_bridge.handlers import projections

_ROUTES: dict[str, Callable[[ServiceContext, Envelope], Awaitable[None]]] = {
    "product.released": projections.on_product_released,
    "product.withdrawn": projections.on_product_withdrawn,
    "price.listed": projections.on_price_listed,
    "org.registered": projections.on_org_registered,
    "agreement.signed": projections.on_agreement,
    "agreement.renewed": projections.on_agreement,
    "agreement.terminated": projections.on_agreement,
    "agreement.expired": projections.on_agreement,
}


def handlers(ctx: ServiceContext) -> Mapping[str, EnvelopeHandler]:
    """Every consumed event type, bound to this service's context."""

    def bind(route: Callable[[ServiceContext, Envelope], Awaitable[None]]) -> EnvelopeHandler:
        async def handle(envelope: Envelope) -> None:
            await route(ctx, envelope)

        return handle

    return {event_type: bind(route) for event_type, route in _ROUTES.items()}
