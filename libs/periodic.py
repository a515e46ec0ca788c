"""Periodic background work of a service (巡检): deadline sweeps, expiry sweeps, the
monthly close.

The work runs once at start (catching up on whatever fell due while the service was
down), then every ``interval`` seconds. It must be idempotent — replicas, the timer and
an on-demand HTTP trigger may all run it — and judge time by the injected clock, so
tests move the clock and call the work directly instead of waiting. A failure is logged
and retried on the next round; it never stops the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from libs.store.port import StoreUnavailable

log = logging.getLogger(__name__)


class Periodic:
    """Runs ``work`` in the background; the runtime calls ``start`` and ``stop``
    (``ServiceParts.on_start`` / ``on_stop``)."""

    def __init__(self, name: str, work: Callable[[], Awaitable[object]], *, interval: float):
        self.name = name
        self._work = work
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                done = await self._work()
                if done:
                    log.info("%s done", self.name, extra={"task": self.name, "done": done})
            except StoreUnavailable:
                log.warning("%s: store unavailable; will retry", self.name)
            except Exception:
                log.exception("%s failed; will retry", self.name)
            await asyncio.sleep(self._interval)
