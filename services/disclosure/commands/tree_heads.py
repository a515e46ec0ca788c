"""Signing tree heads of the transparency log (签名树头, DIS-3) and keeping them.

The log signs ``(tree_size, root_hash, timestamp)`` with the Ed25519 key
``disclosure-log`` held in the Secrets port (Vault Transit in distributed mode, the local
keyring in embedded mode; created on first use, never exported). Each signed tree head
(STH) is stored under its size in ``tree_heads`` together with its ``log.tree-head``
event (one atomic write). A size is signed once: signing again at an unchanged size
returns the head already signed, and finding a stored head of the same size with a
different root is the split-view alarm.

``TreeHeadSigner`` batches: appends call ``notify()``; it waits ``delay`` seconds for
more to arrive, then signs one head for all of them (and signs at start and every
``interval`` seconds if anything is left unsigned).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from datetime import UTC, datetime

from contracts.envelope import SYSTEM_ACTOR, new_envelope
from contracts.events import TreeHeadSigned
from libs.outbox import stage
from libs.service import ServiceContext
from libs.store.port import Document, DuplicateDocument, StoreUnavailable
from services.disclosure.adapters.log_repository import StoredLog
from services.disclosure.domain.tree_head import TreeHead, signed_bytes, split_views, timestamp_ms

log = logging.getLogger(__name__)

SIGNING_KEY = "disclosure-log"
TREE_HEADS = "tree_heads"
LOG_SUBJECT = "transparency-log"


class SplitViewDetected(RuntimeError):
    """The store holds two different roots for one tree size (DIS-3 alarm)."""


def tree_head_id(tree_size: int) -> str:
    return f"{tree_size:012d}"


def to_doc(head: TreeHead) -> Document:
    return {
        "_id": tree_head_id(head.tree_size),
        "tree_size": head.tree_size,
        "root_hash": head.root_hash.hex(),
        "timestamp": head.timestamp_ms,
        "signature": head.signature,
        "key_id": head.key_id,
    }


def from_doc(doc: Document) -> TreeHead:
    return TreeHead(
        tree_size=int(doc["tree_size"]),
        root_hash=bytes.fromhex(doc["root_hash"]),
        timestamp_ms=int(doc["timestamp"]),
        signature=str(doc["signature"]),
        key_id=str(doc["key_id"]),
    )


async def latest(ctx: ServiceContext) -> TreeHead | None:
    docs = await ctx.store.find(TREE_HEADS, sort=[("_id", -1)], limit=1)
    return from_doc(docs[0]) if docs else None


async def at_size(ctx: ServiceContext, tree_size: int) -> TreeHead | None:
    doc = await ctx.store.get(TREE_HEADS, tree_head_id(tree_size))
    return None if doc is None else from_doc(doc)


async def recent(ctx: ServiceContext, *, offset: int, limit: int) -> list[TreeHead]:
    docs = await ctx.store.find(TREE_HEADS, sort=[("_id", -1)], skip=offset, limit=limit)
    return [from_doc(d) for d in docs]


async def sign_tree_head(ctx: ServiceContext, stored: StoredLog) -> TreeHead | None:
    """Sign the log at its current size unless that size is signed already; returns the
    newest signed head (None while the log is empty)."""
    await stored.write_out()
    size = await stored.size()
    newest = await latest(ctx)
    if size == 0 or (newest is not None and newest.tree_size > size):
        return newest
    root = await stored.root(size)
    if newest is not None and newest.tree_size == size:
        _refuse_split_view(newest, root)
        return newest
    await ctx.secrets.ensure_signing_key(SIGNING_KEY)
    now = ctx.clock.now()
    millis = timestamp_ms(now)
    signature = await ctx.secrets.sign(SIGNING_KEY, signed_bytes(size, root, millis))
    _, version, b64 = signature.split(":", 2)  # vault:v<N>:<base64>
    head = TreeHead(size, root, millis, b64, f"{SIGNING_KEY}:{version}")
    event = TreeHeadSigned(
        tree_size=size,
        root_hash=root.hex(),
        timestamp=datetime.fromtimestamp(millis / 1000, UTC),
        signature=f"{head.key_id}:{b64}",
    )
    envelope = new_envelope(
        event, region=ctx.region, actor=SYSTEM_ACTOR, subject=LOG_SUBJECT, occurred_at=now
    )
    try:
        await ctx.store.insert(TREE_HEADS, stage(to_doc(head), [envelope]))
    except DuplicateDocument:
        existing = await at_size(ctx, size)
        if existing is None:
            raise LookupError(f"the tree head of size {size} was written and is gone") from None
        _refuse_split_view(existing, root)
        return existing
    ctx.notify_outbox()
    return head


def _refuse_split_view(signed: TreeHead, root: bytes) -> None:
    """A head of this size is stored already: its root must be the one the log computes
    now, or the log has forked and nothing more may be signed (DIS-3 alarm)."""
    alarms = split_views([signed, replace(signed, root_hash=root)])
    if alarms:
        raise SplitViewDetected(alarms[0].describe())


class TreeHeadSigner:
    """Signs a tree head shortly after appends, batching those that arrive together."""

    def __init__(
        self,
        ctx: ServiceContext,
        stored: StoredLog,
        *,
        delay: float = 0.2,
        interval: float = 60.0,
    ) -> None:
        self._ctx = ctx
        self._log = stored
        self._delay = delay
        self._interval = interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def notify(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="disclosure:tree-head-signer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await sign_tree_head(self._ctx, self._log)
            except StoreUnavailable:
                log.warning("tree-head signer: store unavailable; will retry")
            except SplitViewDetected:
                log.critical("tree-head signer: split view detected", exc_info=True)
            except Exception:
                log.exception("tree-head signer failed; will retry")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            self._wake.clear()
            await asyncio.sleep(self._delay)  # let a burst of appends land in one head
