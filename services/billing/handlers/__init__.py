"""Event handlers of billing, by event type: metering and the projections it prices with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from contracts.envelope import Envelope
from libs.bus.consumer import BatchEnvelopeHandler, EnvelopeHandler
from libs.service import ServiceContext
from services.billing.handlers import projections

_BY_TYPE: Mapping[str, Callable[[ServiceContext, Envelope], Awaitable[None]]] = {
    "usage.metered": projections.on_usage_metered,
    "trade.executed": projections.on_trade_executed,
    "trade.settled": projections.on_trade_settled,
    "scenario.filed": projections.on_scenario,
    "scenario.changed": projections.on_scenario,
    "grant.issued": projections.on_grant_issued,
    "product.released": projections.on_product_released,
    "resource.registered": projections.on_resource_registered,
    "agreement.signed": projections.on_agreement_signed,
}


def handlers(ctx: ServiceContext) -> dict[str, EnvelopeHandler]:
    def bind(
        handle: Callable[[ServiceContext, Envelope], Awaitable[None]],
    ) -> EnvelopeHandler:
        async def handler(envelope: Envelope) -> None:
            await handle(ctx, envelope)

        return handler

    return {event_type: bind(handle) for event_type, handle in _BY_TYPE.items()}


def batch_handlers(ctx: ServiceContext) -> dict[str, BatchEnvelopeHandler]:
    """Metering (计量) a run of ``usage.metered`` events in one store transaction."""

    async def metering(envelopes: Sequence[Envelope]) -> None:
        await projections.on_usage_metered_batch(ctx, envelopes)

    return {"usage.metered": metering}
