"""The periodic monthly close (月结): issues the invoices of the last ended month, run
inside the billing process.

It runs once at start (catching up after downtime) and then every ``interval`` seconds,
judging by the injected clock; a month is closed only ``grace`` after its end, so uses
still in flight land on their own month. Issuing is idempotent (one invoice per customer
and period), so several replicas may run it; the bureau or the operator can also close a
month at once with ``POST /billing/invoices``.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from libs.periodic import Periodic
from libs.service import ServiceContext
from services.billing.commands.billing import issue_invoices
from services.billing.domain.invoice import closable_period

DEFAULT_INTERVAL_SECONDS = 3600.0
DEFAULT_GRACE = timedelta(days=1)


async def close_once(ctx: ServiceContext, grace: timedelta = DEFAULT_GRACE) -> int:
    """Issue the invoices of the last closable month; returns how many exist for it."""
    period = closable_period(ctx.clock.now(), grace)
    return len(await issue_invoices(ctx, None, period))


def monthly_close(
    ctx: ServiceContext,
    *,
    interval: float = DEFAULT_INTERVAL_SECONDS,
    grace: timedelta = DEFAULT_GRACE,
) -> Periodic:
    """Closes the last ended month in the background."""
    return Periodic("billing:monthly-close", partial(close_once, ctx, grace), interval=interval)
