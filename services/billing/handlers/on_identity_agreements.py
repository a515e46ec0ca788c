"""``identity.agreements`` (identity): the operator and its term — who is supplied free in
the cultivation period (培育期, BIL-4) and who makes the operator's own products (BIL-1)."""

from __future__ import annotations

from libs.bus.routes import Route
from services.billing.commands import upstream

ROUTES: dict[str, Route] = {
    "agreement.signed": upstream.keep_agreement,
}
