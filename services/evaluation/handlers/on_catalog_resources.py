"""``catalog.resources``: provider supply (EVA-4).

Each event is recorded as a fact (``services.evaluation.facts``)."""

from __future__ import annotations

CONSUMED: tuple[str, ...] = (
    "resource.registered",
    "resource.published",
    "resource.withdrawn",
)
