"""``sandbox.sandboxes``: jobs run in sandboxes (usage).

Each event is recorded as a fact (``services.evaluation.facts``)."""

from __future__ import annotations

CONSUMED: tuple[str, ...] = ("job.finished",)
