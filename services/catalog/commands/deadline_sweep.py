"""The periodic deadline sweep of objections (异议督办, CAT-5), run inside the catalog process.

It sweeps once at start (catching up on anything that fell due while the service was
down) and then every ``interval`` seconds; the time it judges by is the injected clock,
so tests move the clock and call the sweep (``POST /catalog/objections/deadline-sweep``)
instead of waiting. The sweep is idempotent, so several replicas may run it.
"""

from __future__ import annotations

from functools import partial

from libs.periodic import Periodic
from libs.service import ServiceContext
from services.catalog.commands.objections import sweep_deadlines

DEFAULT_INTERVAL_SECONDS = 300.0


def deadline_sweeper(
    ctx: ServiceContext, *, interval: float = DEFAULT_INTERVAL_SECONDS
) -> Periodic:
    """Escalates overdue objections in the background (``sweep_deadlines``)."""
    return Periodic("catalog:deadline-sweep", partial(sweep_deadlines, ctx), interval=interval)
