"""``catalog.resources`` (catalog): the operation catalog (运营目录) and its withheld items;
what leaves it narrows or revokes the grants already issued (CAT-2, CAT-3)."""

from __future__ import annotations

from libs.bus.routes import Route
from services.request_review.commands import upstream

ROUTES: dict[str, Route] = {
    "resource.registered": upstream.follow_resource,
    "resource.changed": upstream.follow_resource,
    "resource.published": upstream.follow_resource,
    "resource.withdrawn": upstream.follow_resource,
    "resource.negative_listed": upstream.follow_resource,
    "resource.proposed": upstream.follow_resource,
    "resource.rejected": upstream.follow_resource,
}
