"""What billing does on other services' events: one ``on_<topic>`` module per subscribed
topic, each routing its event types to the service layer (``commands/upstream.py``) —
metering (计量) of uses and trades, and the facts billing prices with (scenario classes,
grants, products, resources' providers, operator agreements)."""

from __future__ import annotations

from collections.abc import Mapping

from libs.bus.consumer import BatchEnvelopeHandler, EnvelopeHandler
from libs.bus.routes import bind, bind_batches
from libs.service import ServiceContext
from services.billing.handlers import (
    on_catalog_resources,
    on_identity_agreements,
    on_product_products,
    on_request_grants,
    on_request_scenarios,
    on_sandbox_usage,
    on_trading_trades,
)


def handlers(ctx: ServiceContext) -> Mapping[str, EnvelopeHandler]:
    """Every consumed event type, bound to this service's context."""
    return bind(
        ctx,
        on_sandbox_usage.ROUTES,
        on_trading_trades.ROUTES,
        on_request_scenarios.ROUTES,
        on_request_grants.ROUTES,
        on_product_products.ROUTES,
        on_catalog_resources.ROUTES,
        on_identity_agreements.ROUTES,
    )


def batch_handlers(ctx: ServiceContext) -> Mapping[str, BatchEnvelopeHandler]:
    """Metering (计量) a run of ``usage.metered`` events in one store transaction."""
    return bind_batches(ctx, on_sandbox_usage.BATCH_ROUTES)
