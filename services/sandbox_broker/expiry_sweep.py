"""The periodic expiry sweep (SBX-7): sandboxes whose grant expired are closed.

It sweeps once at start (catching up on anything that expired while the service was
down), then every ``interval`` seconds; the bureau can trigger it over HTTP
(``POST /sandbox_broker/expiry-sweep``). Idempotent, so several replicas may run it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from libs.store.port import StoreUnavailable
from services.sandbox_broker.commands import SandboxService

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 300.0


class ExpirySweeper:
    def __init__(
        self, service: SandboxService, *, interval: float = DEFAULT_INTERVAL_SECONDS
    ) -> None:
        self._service = service
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="sandbox-broker:expiry-sweep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                closed = await self._service.sweep_expired()
                if closed:
                    log.info("expired sandboxes closed", extra={"sandboxes": closed})
            except StoreUnavailable:
                log.warning("expiry sweep: store unavailable; will retry")
            except Exception:
                log.exception("expiry sweep failed; will retry")
            await asyncio.sleep(self._interval)
