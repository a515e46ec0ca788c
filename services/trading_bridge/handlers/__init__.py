"""What trading-bridge does on other services' events: one ``on_<topic>`` module per
subscribed topic, each keeping its read model through ``libs.aggregate.project`` and
withdrawing listings through the service layer (``commands/``).

- ``on_product_products`` (``product.products``): ``product.released`` /
  ``product.withdrawn`` — the products that may be listed (TRD-1, TRD-3);
- ``on_billing_prices`` (``billing.prices``): ``price.listed`` — the published price
  (明码标价, BIL-5);
- ``on_identity_organizations`` (``identity.organizations``): ``org.registered`` — the
  licensed exchanges;
- ``on_identity_agreements`` (``identity.agreements``): the operators' agreements (AUTH-7).

Each write folds the event into the stored record at the version read (insert when new)
and retries on a concurrent write; the inbox drops redelivered events, and the
withdrawals skip listings already ended, so a replay has no second effect.
"""

from __future__ import annotations

from collections.abc import Mapping

from libs.bus.consumer import EnvelopeHandler
from libs.bus.routes import Route, bind
from libs.service import ServiceContext
from services.trading_bridge.handlers import (
    on_billing_prices,
    on_identity_agreements,
    on_identity_organizations,
    on_product_products,
)

_ROUTES: dict[str, Route] = {
    **on_product_products.ROUTES,
    **on_billing_prices.ROUTES,
    **on_identity_organizations.ROUTES,
    **on_identity_agreements.ROUTES,
}


def handlers(ctx: ServiceContext) -> Mapping[str, EnvelopeHandler]:
    """Every consumed event type, bound to this service's context."""
    return bind(ctx, _ROUTES)
