"""``sandbox.usage`` (sandbox broker): each metered use of a product inside a sandbox,
stored once under its event id for the monthly invoice (计量, BIL-2)."""

from __future__ import annotations

from libs.bus.routes import BatchRoute, Route
from services.billing.commands import upstream

ROUTES: dict[str, Route] = {
    "usage.metered": upstream.meter_usage,
}
BATCH_ROUTES: dict[str, BatchRoute] = {
    "usage.metered": upstream.meter_usage_batch,
}
"""A run of consecutive ``usage.metered`` records, metered in one store transaction."""
