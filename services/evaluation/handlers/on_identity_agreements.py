"""``identity.agreements``: the authorizations an emergency plan is drawn up for (SEC-2)
and agreement execution (EVA-2).

Each event is recorded as a fact (``services.evaluation.facts``)."""

from __future__ import annotations

CONSUMED: tuple[str, ...] = (
    "tender.published",
    "selection.publicized",
    "selection.annulled",
    "agreement.signed",
    "agreement.suspended",
    "agreement.reinstated",
    "agreement.renewed",
    "agreement.terminated",
    "agreement.expired",
)
