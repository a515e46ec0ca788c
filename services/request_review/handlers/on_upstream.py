"""Subscriptions of request-review: ``pdo.<region>.identity.organizations.v1`` and
``…identity.agreements.v1`` (developers, agreements), ``…catalog.resources.v1`` (the
operation catalog) and ``…product.exports.v1`` (rejected exports). Each handler is thin:
it hands the envelope to ``services.request_review.handlers.projections``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from contracts.envelope import Envelope
from libs.bus.consumer import EnvelopeHandler
from libs.service import ServiceContext
from services.request_review.handlers import projections

_ROUTES: dict[str, Callable[[ServiceContext, Envelope], Awaitable[None]]] = {
    "developer.admitted": projections.on_developer,
    "developer.removed": projections.on_developer,
    "developer.admission_rejected": projections.on_admission_rejected,
    "agreement.signed": projections.on_agreement,
    "agreement.suspended": projections.on_agreement,
    "agreement.terminated": projections.on_agreement,
    "agreement.expired": projections.on_agreement,
    "agreement.renewed": projections.on_agreement,
    "agreement.reinstated": projections.on_agreement,
    "resource.registered": projections.on_resource,
    "resource.changed": projections.on_resource,
    "resource.published": projections.on_resource,
    "resource.withdrawn": projections.on_resource,
    "resource.negative_listed": projections.on_resource,
    "resource.proposed": projections.on_resource,
    "resource.rejected": projections.on_resource,
    "export.rejected": projections.on_export_rejected,
}


def handlers(ctx: ServiceContext) -> Mapping[str, EnvelopeHandler]:
    """Every consumed event type, bound to this service's context."""

    def bind(route: Callable[[ServiceContext, Envelope], Awaitable[None]]) -> EnvelopeHandler:
        async def handle(envelope: Envelope) -> None:
            await route(ctx, envelope)

        return handle

    return {event_type: bind(route) for event_type, route in _ROUTES.items()}
