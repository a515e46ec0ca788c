"""``catalog.objections``: data-quality objections, provider supply (EVA-4).

Each event is recorded as a fact (``services.evaluation.facts``)."""

from __future__ import annotations

CONSUMED: tuple[str, ...] = (
    "objection.raised",
    "objection.resolved",
    "objection.escalated",
)
