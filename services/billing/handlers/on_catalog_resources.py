"""``catalog.resources`` (catalog): each registered resource's provider, who shares in
the revenue of products made from it (BIL-6)."""

from __future__ import annotations

from libs.bus.routes import Route
from services.billing.commands import upstream

ROUTES: dict[str, Route] = {
    "resource.registered": upstream.keep_resource,
}
