"""``request.applications``: approved applications (EVA-5, EVA-6).

Each event is recorded as a fact (``services.evaluation.facts``)."""

from __future__ import annotations

CONSUMED: tuple[str, ...] = (
    "application.submitted",
    "application.decided",
)
