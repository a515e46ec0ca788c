"""The periodic deadline sweep of rectification orders (整改督办, EVA-3), run inside the
evaluation process: once at start, then every ``interval`` seconds, by the injected
clock. Idempotent (an order turns overdue once), so replicas and the bureau's on-demand
trigger (``POST /evaluation/rectifications/deadline-sweep``) may all run it."""

from __future__ import annotations

from functools import partial

from libs.periodic import Periodic
from libs.service import ServiceContext
from services.evaluation.commands.rectifications import sweep_deadlines

DEFAULT_INTERVAL_SECONDS = 300.0


def rectification_sweeper(
    ctx: ServiceContext, *, interval: float = DEFAULT_INTERVAL_SECONDS
) -> Periodic:
    """Marks overdue rectification orders in the background (``sweep_deadlines``)."""
    return Periodic("evaluation:deadline-sweep", partial(sweep_deadlines, ctx), interval=interval)
