"""``billing.invoices``: revenue: invoices and revenue distribution.

Each event is recorded as a fact (``services.evaluation.facts``)."""

from __future__ import annotations

CONSUMED: tuple[str, ...] = (
    "invoice.issued",
    "revenue.distributed",
)
