"""``trading.trades`` (trading bridge): an executed trade is a use of the product, metered
at the published price; a settlement is kept beside it for reconciliation (BIL-7)."""

from __future__ import annotations

from libs.bus.routes import Route
from services.billing.commands import upstream

ROUTES: dict[str, Route] = {
    "trade.executed": upstream.meter_trade,
    "trade.settled": upstream.keep_settlement,
}
