"""What evaluation does on other services' events: one ``on_<topic>`` module per
subscribed topic, each naming the event types it takes; every one of them is recorded as
a fact in evaluation's own store (``services.evaluation.facts.record``), idempotent by
event id."""

from __future__ import annotations

from collections.abc import Mapping

from contracts.envelope import Envelope
from libs.bus.consumer import EnvelopeHandler
from libs.service import ServiceContext
from services.evaluation import facts
from services.evaluation.handlers import (
    on_billing_invoices,
    on_catalog_objections,
    on_catalog_resources,
    on_identity_agreements,
    on_product_products,
    on_request_applications,
    on_request_scenarios,
    on_sandbox_sandboxes,
    on_sandbox_usage,
    on_trading_trades,
)

CONSUMED: tuple[str, ...] = (
    *on_identity_agreements.CONSUMED,
    *on_catalog_resources.CONSUMED,
    *on_catalog_objections.CONSUMED,
    *on_request_scenarios.CONSUMED,
    *on_request_applications.CONSUMED,
    *on_sandbox_sandboxes.CONSUMED,
    *on_sandbox_usage.CONSUMED,
    *on_product_products.CONSUMED,
    *on_trading_trades.CONSUMED,
    *on_billing_invoices.CONSUMED,
)


def handlers(ctx: ServiceContext) -> Mapping[str, EnvelopeHandler]:
    """Every consumed event type, recorded as a fact."""

    async def on_event(envelope: Envelope) -> None:
        await facts.record(ctx, envelope)

    return dict.fromkeys(CONSUMED, on_event)


__all__ = ["CONSUMED", "handlers"]
