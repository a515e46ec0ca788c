"""``identity.agreements`` (identity): the operator's agreement — suspension closes its
grants for now and reinstatement restores them (暂时关闭, AUTH-6); termination or expiry
revokes them (AUTH-7)."""

from __future__ import annotations

from libs.bus.routes import Route
from services.request_review.commands import upstream

ROUTES: dict[str, Route] = {
    "agreement.signed": upstream.follow_agreement,
    "agreement.suspended": upstream.follow_agreement,
    "agreement.terminated": upstream.follow_agreement,
    "agreement.expired": upstream.follow_agreement,
    "agreement.renewed": upstream.follow_agreement,
    "agreement.reinstated": upstream.follow_agreement,
}
