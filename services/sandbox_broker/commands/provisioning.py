"""``ProvisioningWorker``: fills granted sandboxes (授权运营空间) a few grants at a time, in
the background, so a new grant never waits behind a backlog of earlier grants.

Theory of operation. ``grant.issued`` is handled in two steps:

1. The handler records the grant's two sandboxes as ``provisioning`` with the grant's
   envelope kept on each record (``SandboxService.record_grant``) and returns: the event
   is acknowledged once the records are stored, in milliseconds.
2. The worker provisions the recorded sandboxes in background tasks, at most
   ``concurrency`` development and ``concurrency`` production sandboxes at once
   (``PDO_SANDBOX_PROVISION_CONCURRENCY``, default 3). Each sandbox is its own task and
   each environment has its own slots, so a development sandbox (small synthetic data)
   never queues behind production sandboxes filling from a million-row source; a
   production sandbox waits for the demo source *before* taking a slot, so waiting
   sandboxes hold none; a new grant starts as soon as a slot is free instead of after
   every grant queued before it.

A crash between the two steps loses nothing: on start the worker resumes every sandbox
still ``provisioning`` from the envelope kept on its record (``resume``). Provisioning
itself is idempotent (the executor's manifest, SBX-2), so a sandbox provisioned twice is
provisioned once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from contracts.envelope import Envelope, from_builtins
from contracts.events import GrantIssued
from contracts.expect import expect
from services.sandbox_broker.commands.sandboxes import SandboxService
from services.sandbox_broker.domain.plan import Environment
from services.sandbox_broker.repository import SANDBOXES

log = logging.getLogger(__name__)

CONCURRENCY_ENV = "PDO_SANDBOX_PROVISION_CONCURRENCY"
DEFAULT_CONCURRENCY = 3


def concurrency_from_env() -> int:
    """At least one; an unreadable value is the default."""
    try:
        return max(1, int(os.environ.get(CONCURRENCY_ENV, DEFAULT_CONCURRENCY)))
    except ValueError:
        return DEFAULT_CONCURRENCY


class ProvisioningWorker:
    """Bounded concurrent provisioning of recorded sandboxes (DESIGN §8, SBX-2)."""

    def __init__(self, service: SandboxService, *, concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self.service = service
        self.concurrency = max(1, concurrency)
        self._slots = {e: asyncio.Semaphore(self.concurrency) for e in Environment}
        self.busy = {e: 0 for e in Environment}
        """Sandboxes being filled now, per environment (never above ``concurrency``)."""
        self._tasks: dict[str, asyncio.Task[None]] = {}

    async def on_grant_issued(self, envelope: Envelope) -> None:
        """Record the grant's sandboxes and start filling them; returns at once."""
        grant = expect(envelope, GrantIssued)
        await self.service.record_grant(grant, envelope)
        for environment in (Environment.DEVELOPMENT, Environment.PRODUCTION):
            self._start(grant, environment, envelope)

    def _start(self, grant: GrantIssued, environment: Environment, cause: Envelope) -> None:
        key = f"{grant.grant_id}/{environment.value}"
        running = self._tasks.get(key)
        if running is not None and not running.done():
            return  # a redelivered grant while its sandbox is being filled
        task = asyncio.create_task(self._provision(grant, environment, cause), name=key)
        self._tasks[key] = task
        task.add_done_callback(lambda done: self._forget(key, done))

    def _forget(self, key: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]

    async def _provision(
        self, grant: GrantIssued, environment: Environment, cause: Envelope
    ) -> None:
        if environment is Environment.PRODUCTION:
            await self.service.sources_ready.wait()  # the demo source may still be generating
        async with self._slots[environment]:
            self.busy[environment] += 1
            try:
                await self.service.provision_one(grant, environment, cause)
            except asyncio.CancelledError:
                raise
            except Exception:  # the record stays provisioning: resumed on next start
                log.exception(
                    "sandbox provisioning interrupted",
                    extra={"grant_id": grant.grant_id, "environment": environment.value},
                )
            finally:
                self.busy[environment] -= 1

    async def resume(self) -> int:
        """Start every sandbox still ``provisioning`` (after a restart); returns how many."""
        docs = await self.service.ctx.store.find(SANDBOXES, {"state": "provisioning"})
        started = 0
        for doc in docs:
            kept = doc.get("grant_envelope")
            if not kept:
                continue  # recorded by an older build: its grant event is redelivered
            envelope = from_builtins(kept)
            self._start(expect(envelope, GrantIssued), Environment(doc["environment"]), envelope)
            started += 1
        return started

    async def idle(self) -> None:
        """Wait until nothing is being provisioned (tests, orderly shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
