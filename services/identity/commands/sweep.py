"""The periodic sweep (定期巡检) of authorizations: ended publicity periods are closed and
agreements past their last day expire, by the injected clock. Idempotent, so it may run
on every replica, on a timer and on demand (``POST /identity/sweeps``) alike."""

from __future__ import annotations

from functools import partial

from libs.periodic import Periodic
from libs.service import ServiceContext
from services.identity.commands.authorizations import sweep

INTERVAL_SECONDS = 300.0


def authorization_sweeper(ctx: ServiceContext, interval: float = INTERVAL_SECONDS) -> Periodic:
    """Closes ended publicity periods and expires agreements, in the background."""
    return Periodic("identity:sweep", partial(_sweep, ctx), interval=interval)


async def _sweep(ctx: ServiceContext) -> dict[str, int] | None:
    done = await sweep(ctx)
    return done if any(done.values()) else None
