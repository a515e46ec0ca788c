"""``product.exports`` (product release): a rejected export review, kept so its
developer can appeal it (REQ-6)."""

from __future__ import annotations

from libs.bus.routes import Route
from services.request_review.commands import upstream

ROUTES: dict[str, Route] = {
    "export.rejected": upstream.keep_rejected_export,
}
