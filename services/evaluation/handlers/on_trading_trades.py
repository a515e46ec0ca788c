"""``trading.trades``: market operation: trades executed.

Each event is recorded as a fact (``services.evaluation.facts``)."""

from __future__ import annotations

CONSUMED: tuple[str, ...] = ("trade.executed",)
