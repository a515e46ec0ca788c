"""``product.products``: ``product.released`` — a verification product starts answering
calls (核验); ``product.withdrawn`` — it stops, naming the rule."""

from __future__ import annotations

from collections.abc import Mapping

from contracts.envelope import Envelope
from contracts.events import ProductReleased, ProductWithdrawn
from contracts.expect import expect
from libs.bus.consumer import EnvelopeHandler
from services.sandbox_broker.commands import Verifications


def handlers(verifications: Verifications) -> Mapping[str, EnvelopeHandler]:
    async def on_product_released(envelope: Envelope) -> None:
        await verifications.release(expect(envelope, ProductReleased))

    async def on_product_withdrawn(envelope: Envelope) -> None:
        await verifications.withdraw(expect(envelope, ProductWithdrawn))

    return {"product.released": on_product_released, "product.withdrawn": on_product_withdrawn}
