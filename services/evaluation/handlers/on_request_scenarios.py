"""``request.scenarios``: scenarios (EVA-5, EVA-6).

Each event is recorded as a fact (``services.evaluation.facts``)."""

from __future__ import annotations

CONSUMED: tuple[str, ...] = (
    "scenario.filed",
    "scenario.reevaluated",
)
