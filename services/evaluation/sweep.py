"""The periodic deadline sweep of rectification orders (整改督办, EVA-3), run inside the
evaluation process: once at start, then every ``interval`` seconds, by the injected
clock. Idempotent (an order turns overdue once), so replicas and the bureau's on-demand
trigger (``POST /evaluation/rectifications/deadline-sweep``) may all run it."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from libs.service import ServiceContext
from libs.store.port import StoreUnavailable
from services.evaluation.rectification_commands import sweep_deadlines

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 300.0


class RectificationSweeper:
    def __init__(self, ctx: ServiceContext, *, interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
        self._ctx = ctx
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="evaluation:deadline-sweep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                marked = await sweep_deadlines(self._ctx)
                if marked:
                    log.info("rectification orders overdue", extra={"count": marked})
            except StoreUnavailable:
                log.warning("rectification sweep: store unavailable; will retry")
            except Exception:
                log.exception("rectification sweep failed; will retry")
            await asyncio.sleep(self._interval)
