"""What request-review does on other services' events: one ``on_<topic>`` module per
subscribed topic (``identity.organizations``, ``identity.agreements``,
``catalog.resources``, ``product.exports``), each routing its event types to the service
layer (``commands/upstream.py``), which keeps the read models and acts on the grants
already issued."""

from __future__ import annotations

from collections.abc import Mapping

from libs.bus.consumer import EnvelopeHandler
from libs.bus.routes import bind
from libs.service import ServiceContext
from services.request_review.handlers import (
    on_catalog_resources,
    on_identity_agreements,
    on_identity_organizations,
    on_product_exports,
)


def handlers(ctx: ServiceContext) -> Mapping[str, EnvelopeHandler]:
    """Every consumed event type, bound to this service's context."""
    return bind(
        ctx,
        on_identity_organizations.ROUTES,
        on_identity_agreements.ROUTES,
        on_catalog_resources.ROUTES,
        on_product_exports.ROUTES,
    )
