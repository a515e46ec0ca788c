"""``sandbox.usage``: metered usage.

Each event is recorded as a fact (``services.evaluation.facts``)."""

from __future__ import annotations

CONSUMED: tuple[str, ...] = ("usage.metered",)
