"""``product.products`` (product release): a released product's merchant and grant
(BIL-6, BIL-7)."""

from __future__ import annotations

from libs.bus.routes import Route
from services.billing.commands import upstream

ROUTES: dict[str, Route] = {
    "product.released": upstream.keep_product,
}
