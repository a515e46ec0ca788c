"""Event handlers of evaluation, by event type: every consumed event becomes a fact in
evaluation's own store (``services.evaluation.handlers.projections``), idempotent by event id."""

from services.evaluation.handlers.projections import handlers

__all__ = ["handlers"]
