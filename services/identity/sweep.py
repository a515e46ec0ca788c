"""The periodic sweep (定期巡检) of authorizations: ended publicity periods are closed and
agreements past their last day expire, by the injected clock. Idempotent, so it may run
on every replica, on a timer and on demand (``POST /identity/sweeps``) alike."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from libs.service import ServiceContext
from services.identity.commands.authorizations import sweep

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 300.0


class Sweeper:
    """Runs the sweep at start and then every ``interval`` seconds in the background.

    ``ServiceParts`` has start hooks but no stop hook yet, so the task ends with its event
    loop (cancelled when the loop shuts down); ``stop`` is there for whoever holds it."""

    def __init__(self, ctx: ServiceContext, interval: float = INTERVAL_SECONDS) -> None:
        self._ctx = ctx
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="identity:sweep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                done = await sweep(self._ctx)
                if any(done.values()):
                    log.info("identity sweep", extra={"done": done})
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("identity sweep failed; will retry")
            await asyncio.sleep(self._interval)
