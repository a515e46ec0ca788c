"""The periodic monthly close (月结): issues the invoices of the last ended month, run
inside the billing process.

It runs once at start (catching up after downtime) and then every ``interval`` seconds,
judging by the injected clock; a month is closed only ``grace`` after its end, so uses
still in flight land on their own month. Issuing is idempotent (one invoice per customer
and period), so several replicas may run it; the bureau or the operator can also close a
month at once with ``POST /billing/invoices``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from libs.service import ServiceContext
from libs.store.port import StoreUnavailable
from services.billing.commands import issue_invoices
from services.billing.domain.invoice import closable_period

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 3600.0
DEFAULT_GRACE = timedelta(days=1)


class MonthlyClose:
    """Runs the monthly close periodically in the background."""

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        grace: timedelta = DEFAULT_GRACE,
    ) -> None:
        self._ctx = ctx
        self._interval = interval
        self._grace = grace
        self._task: asyncio.Task[None] | None = None

    async def close_once(self) -> int:
        """Issue the invoices of the last closable month; returns how many exist for it."""
        period = closable_period(self._ctx.clock.now(), self._grace)
        return len(await issue_invoices(self._ctx, None, period))

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="billing:monthly-close")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                issued = await self.close_once()
                if issued:
                    log.info("monthly close", extra={"invoices": issued})
            except StoreUnavailable:
                log.warning("monthly close: store unavailable; will retry")
            except Exception:
                log.exception("monthly close failed; will retry")
            await asyncio.sleep(self._interval)
