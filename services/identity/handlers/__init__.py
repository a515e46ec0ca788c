"""What identity does on evaluation's events: one ``on_<topic>`` module per subscribed
topic — ``evaluation.evaluations`` (``rectification.overdue`` terminates the operator's
agreement, EVA-3 → AUTH-6) and ``evaluation.security`` (``emergency_plan.adopted`` feeds
the read model signing consults, SEC-2)."""

from __future__ import annotations

from collections.abc import Mapping

from libs.bus.consumer import EnvelopeHandler
from libs.bus.routes import bind
from libs.service import ServiceContext
from services.identity.handlers import on_evaluation_evaluations, on_evaluation_security


def handlers(ctx: ServiceContext) -> Mapping[str, EnvelopeHandler]:
    """Every consumed event type, bound to this service's context."""
    return bind(ctx, on_evaluation_evaluations.ROUTES, on_evaluation_security.ROUTES)
