"""The call meter (计量, BIL-2): every answered verification call is metered exactly once,
in batches, without a metering event written and published per call.

Theory of operation. Before a call's answer leaves, one small record of the call is
written (``usage``, no pending event) under the metering batch (``meter_batches``) open
at that moment: once the answer is out, the call is on disk. The batch document is
written when the batch opens, before its first call. After ``max_delay`` seconds, or
``max_calls`` calls, the batch is closed (new calls open the next one), the calls still
being written into it are awaited, and the batch is staged with one write: one
``usage.metered`` per call (carrying the instant of the call, ``metered_at``) in the
batch's outbox, their usage ids in the batch (``domain.metering.stage_calls``). The
outbox relay then publishes them in one append and clears one document.

A crash between an answer and its batch's staging leaves the batch unstaged with its
calls recorded: ``recover`` (at start) stages every batch opened more than
``orphaned_after`` seconds ago and still unstaged, from the calls recorded under it; the
ones younger than that are looked at again every ``recover_every`` seconds until they are
old enough (a replica that died is recovered when a replica starts). Staging decides at
the version read and stages only calls the batch has not staged, so a recovery racing the
batch's own writer meters each call once. A call never joins a batch older than half of
``orphaned_after``, so a recovered batch gets no calls after its recovery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from contracts.envelope import SYSTEM_ACTOR
from libs import aggregate
from libs.auth.principal import Principal
from libs.service import ServiceContext
from libs.store.port import Document, StoreUnavailable
from services.sandbox_broker.domain.metering import call_record, open_batch, stage_calls
from services.sandbox_broker.repository import METER_BATCHES, USAGE

log = logging.getLogger(__name__)


@dataclass
class _Batch:
    batch_id: str
    opened: float
    """``time.monotonic()`` when opened"""
    calls: list[Document] = field(default_factory=list)
    writing: int = 0
    """calls whose record is being written into this batch"""
    written: asyncio.Event = field(default_factory=asyncio.Event)
    """set whenever ``writing`` is zero"""
    numbered: int = 0

    def serial(self) -> int:
        """The next call's number in this batch (usage ids sort by batch, then call)."""
        self.numbered += 1
        return self.numbered


class CallMeter:
    """Records answered calls and stages them as ``usage.metered`` in batches."""

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        max_calls: int = 500,
        max_delay: float = 0.2,
        orphaned_after: float = 60.0,
        recover_every: float = 30.0,
    ) -> None:
        self.ctx = ctx
        self._max_calls = max_calls
        self._max_delay = max_delay
        self._orphaned_after = orphaned_after
        self._recover_every = recover_every
        self._open: _Batch | None = None
        self._opening: asyncio.Lock | None = None
        self._full = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flushing: set[asyncio.Task[None]] = set()
        self._young: dict[str, datetime] = {}
        """unstaged batches found at start, too young to be orphans yet"""

    # -- a call --------------------------------------------------------------------------

    async def record(self, principal: Principal, *, product_id: str, scenario_id: str) -> None:
        """Record one answered call (before its answer leaves); it is staged later."""
        batch = await self._batch()
        batch.writing += 1
        batch.written.clear()
        try:
            doc = call_record(
                f"{batch.batch_id}-{batch.serial():05d}",
                batch_id=batch.batch_id,
                customer_org_id=principal.org_id,
                product_id=product_id,
                scenario_id=scenario_id,
                at=self.ctx.clock.now(),
            )
            await aggregate.save(self.ctx, USAGE, doc, [], actor=principal.actor(), previous=None)
            batch.calls.append(doc)
        finally:
            batch.writing -= 1
            if batch.writing == 0:
                batch.written.set()
        if len(batch.calls) >= self._max_calls:
            self._full.set()

    async def _batch(self) -> _Batch:
        """The open batch, opening one (its document written first) when there is none
        or the open one is too old to join."""
        current = self._open
        if current is not None and self._joinable(current):
            return current
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            current = self._open
            if current is not None and self._joinable(current):
                return current
            if current is not None:
                self._close(current)
            # Time-ordered ids: the records of one batch, and the batches, land next to
            # each other in the store's key order (fewer pages written per call).
            batch_id = f"meter-{time.time_ns():016x}-{uuid.uuid4().hex[:12]}"
            batch = _Batch(batch_id=batch_id, opened=time.monotonic())
            batch.written.set()
            await aggregate.save(
                self.ctx,
                METER_BATCHES,
                open_batch(batch.batch_id, self.ctx.clock.now()),
                [],
                actor=SYSTEM_ACTOR,
                previous=None,
            )
            self._open = batch
            return batch

    def _joinable(self, batch: _Batch) -> bool:
        return (
            len(batch.calls) < self._max_calls
            and time.monotonic() - batch.opened < self._orphaned_after / 2
        )

    # -- staging -------------------------------------------------------------------------

    def _close(self, batch: _Batch) -> None:
        """Stop new calls joining ``batch`` and stage it in the background."""
        if self._open is batch:
            self._open = None
        task = asyncio.create_task(self._stage_closed(batch), name=f"meter:{batch.batch_id}")
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def _stage_closed(self, batch: _Batch) -> None:
        await batch.written.wait()
        try:
            await self.stage(batch.batch_id, batch.calls)
        except StoreUnavailable:
            # Recorded, not lost: recovery stages it from the records.
            log.warning("metering batch %s left for recovery", batch.batch_id)

    async def stage(self, batch_id: str, calls: Sequence[Document]) -> Document:
        """Stage the calls of ``batch_id`` not staged before (BIL-2), in one write."""
        return await aggregate.upsert(
            self.ctx,
            METER_BATCHES,
            batch_id,
            lambda doc: stage_calls(doc, batch_id, calls),
            actor=SYSTEM_ACTOR,
        )

    async def flush(self) -> None:
        """Close the open batch and stage every closed batch now."""
        if self._open is not None:
            self._close(self._open)
        while self._flushing:
            await asyncio.gather(*list(self._flushing))

    async def recover(self) -> int:
        """Stage every batch opened more than ``orphaned_after`` seconds ago and still
        unstaged (its writer died before staging it), from its recorded calls; returns
        how many batches were recovered. Younger unstaged batches are remembered and
        looked at again by ``recover_young`` once they are old enough. One read of the
        unstaged batches and one of their calls: run at start, not per call."""
        cutoff = self.ctx.clock.now() - timedelta(seconds=self._orphaned_after)
        orphaned: list[str] = []
        for batch in await self.ctx.store.find(METER_BATCHES, {"staged": False}):
            opened = datetime.fromisoformat(str(batch["opened_at"]))
            if opened > cutoff:
                self._young[str(batch["_id"])] = opened
            else:
                orphaned.append(str(batch["_id"]))
        return await self._recover(orphaned)

    async def recover_young(self) -> int:
        """``recover`` for the batches found too young at start, once they are old."""
        cutoff = self.ctx.clock.now() - timedelta(seconds=self._orphaned_after)
        due = [b for b, opened in self._young.items() if opened <= cutoff]
        for batch_id in due:
            del self._young[batch_id]
        unstaged = []
        for batch_id in due:
            doc = await self.ctx.store.get(METER_BATCHES, batch_id)
            if doc is not None and not doc.get("staged"):
                unstaged.append(batch_id)
        return await self._recover(unstaged)

    async def _recover(self, batch_ids: list[str]) -> int:
        if not batch_ids:
            return 0
        calls = await self.ctx.store.find(USAGE, {"batch_id": {"$in": batch_ids}})
        for batch_id in batch_ids:
            await self.stage(batch_id, [c for c in calls if c.get("batch_id") == batch_id])
        log.warning("recovered %d metering batches left unstaged", len(batch_ids))
        return len(batch_ids)

    # -- the background loop -------------------------------------------------------------

    async def _run(self) -> None:
        last_recovery = time.monotonic()
        while True:
            self._full.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._max_delay):
                    await self._full.wait()
            batch = self._open
            if batch is not None and (
                len(batch.calls) >= self._max_calls
                or time.monotonic() - batch.opened >= self._max_delay
            ):
                self._close(batch)
            if time.monotonic() - last_recovery >= self._recover_every:
                last_recovery = time.monotonic()
                try:
                    await self.recover_young()
                except StoreUnavailable:
                    log.warning("metering recovery postponed: store unavailable")

    async def start(self) -> None:
        """Recover what a previous run left unstaged, then stage batches as they fill."""
        await self.recover()
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="call-meter")

    async def stop(self) -> None:
        """Stage what is open, then stop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()


__all__ = ["CallMeter"]
