"""What product-release does on other services' events: one ``on_<topic>`` module per
subscribed topic — staged outputs and their absence (``on_sandbox_staged_exports``),
appeals against export rejections (``on_request_applications``, REQ-6), and the facts
the export review relies on: grants (``on_request_grants``), sandboxes
(``on_sandbox_sandboxes``) and operator agreements (``on_identity_agreements``, AUTH-7).
The commands read those facts through ``services.product_release.read_model``."""

from __future__ import annotations

from collections.abc import Mapping

from contracts.envelope import Envelope
from libs.bus.consumer import EnvelopeHandler
from libs.service import ServiceContext
from services.product_release.handlers import (
    on_identity_agreements,
    on_request_applications,
    on_request_grants,
    on_sandbox_sandboxes,
    on_sandbox_staged_exports,
)
from services.product_release.handlers.step import Step

STEPS: dict[str, Step] = {
    **on_sandbox_staged_exports.STEPS,
    **on_request_applications.STEPS,
    **on_request_grants.STEPS,
    **on_sandbox_sandboxes.STEPS,
    **on_identity_agreements.STEPS,
}


def handlers(ctx: ServiceContext) -> Mapping[str, EnvelopeHandler]:
    """Every consumed event type, bound to this service's context."""

    def bind(step: Step) -> EnvelopeHandler:
        async def handle(envelope: Envelope) -> None:
            await step(ctx, envelope)

        handle.__qualname__ = f"on[{step.__name__}]"
        return handle

    return {event_type: bind(step) for event_type, step in STEPS.items()}
