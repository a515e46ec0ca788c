"""``request.grants`` (request review): the grant's resources, hence the providers of
products made under it, and the day their data was supplied (BIL-6)."""

from __future__ import annotations

from libs.bus.routes import Route
from services.billing.commands import upstream

ROUTES: dict[str, Route] = {
    "grant.issued": upstream.keep_grant,
}
