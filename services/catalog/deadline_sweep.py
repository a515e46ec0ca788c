"""The periodic deadline sweep of objections (异议督办, CAT-5), run inside the catalog process.

It sweeps once at start (catching up on anything that fell due while the service was
down) and then every ``interval`` seconds; the time it judges by is the injected clock,
so tests move the clock and call the sweep (``POST /catalog/objections/deadline-sweep``)
instead of waiting. The sweep is idempotent, so several replicas may run it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from libs.service import ServiceContext
from libs.store.port import StoreUnavailable
from services.catalog.objection_commands import sweep_deadlines

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 300.0


class DeadlineSweeper:
    """Runs ``sweep_deadlines`` periodically in the background."""

    def __init__(self, ctx: ServiceContext, *, interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
        self._ctx = ctx
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="catalog:deadline-sweep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                escalated = await sweep_deadlines(self._ctx)
                if escalated:
                    log.info("objections escalated", extra={"count": escalated})
            except StoreUnavailable:
                log.warning("deadline sweep: store unavailable; will retry")
            except Exception:
                log.exception("deadline sweep failed; will retry")
            await asyncio.sleep(self._interval)
