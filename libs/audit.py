"""The append-only, hash-chained audit log (行为留痕): every command and data access.

Each entry holds the hash of the previous one, so rewriting or removing any entry breaks
every hash after it; ``verify`` walks the chain and names the first broken entry.
Entries live in the service's own store under ``_id`` = zero-padded sequence number, so
two writers racing for the same number cannot both succeed (the loser retries).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts.canonical import sha256_hex
from libs.clock import Clock
from libs.store.port import Document, DocumentStore, DuplicateDocument

COLLECTION = "audit"
GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: str
    actor: dict[str, str]
    action: str
    subject: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    reason: str = ""


def entry_hash(
    seq: int,
    at: str,
    actor: dict[str, str],
    action: str,
    subject: str,
    detail: dict[str, Any],
    prev_hash: str,
) -> str:
    return sha256_hex(
        {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "subject": subject,
            "detail": detail,
            "prev_hash": prev_hash,
        }
    )


def _doc_id(seq: int) -> str:
    return f"{seq:012d}"


class AuditLog:
    """Appends to and verifies one service's audit chain."""

    def __init__(self, store: DocumentStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._lock = asyncio.Lock()
        self._head: tuple[int, str] | None = None

    async def _load_head(self) -> tuple[int, str]:
        docs = await self._store.find(COLLECTION, sort=[("seq", -1)], limit=1)
        if not docs:
            return 0, GENESIS
        return int(docs[0]["seq"]), str(docs[0]["hash"])

    async def append(
        self,
        *,
        actor: dict[str, str],
        action: str,
        subject: str,
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        body = detail or {}
        at = self._clock.now().isoformat()
        async with self._lock:
            while True:
                if self._head is None:
                    self._head = await self._load_head()
                seq, prev = self._head[0] + 1, self._head[1]
                digest = entry_hash(seq, at, actor, action, subject, body, prev)
                doc: Document = {
                    "_id": _doc_id(seq),
                    "seq": seq,
                    "at": at,
                    "actor": actor,
                    "action": action,
                    "subject": subject,
                    "detail": body,
                    "prev_hash": prev,
                    "hash": digest,
                    # A top-level copy (not hashed) so one person's operations are found
                    # without reading the whole chain (SEC-4).
                    "actor_user_id": actor.get("user_id", ""),
                }
                try:
                    await self._store.insert(COLLECTION, doc)
                except DuplicateDocument:
                    self._head = None  # another writer appended: reload the head, retry
                    continue
                self._head = (seq, digest)
                return AuditEntry(seq, at, actor, action, subject, body, prev, digest)

    async def entries(
        self, *, skip: int = 0, limit: int = 0, subject: str | None = None
    ) -> list[AuditEntry]:
        where = {"subject": subject} if subject else None
        docs = await self._store.find(COLLECTION, where, sort=[("seq", 1)], skip=skip, limit=limit)
        return [_entry(d) for d in docs]

    async def by_person(
        self, user_id: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[AuditEntry]:
        """SEC-4: one person's recorded operations, oldest first, ``since <= at < until``."""
        docs = await self._store.find(COLLECTION, {"actor_user_id": user_id}, sort=[("seq", 1)])
        found = []
        for doc in docs:
            at = datetime.fromisoformat(str(doc["at"]))
            if (since is None or at >= since) and (until is None or at < until):
                found.append(_entry(doc))
        return found

    async def verify(self) -> ChainReport:
        """Recompute every hash and link from the start of the chain."""
        prev = GENESIS
        count = 0
        for entry in await self.entries():
            count += 1
            if entry.seq != count:
                return ChainReport(False, count, entry.seq, f"expected seq {count}")
            if entry.prev_hash != prev:
                return ChainReport(False, count, entry.seq, "link to previous entry broken")
            expected = entry_hash(
                entry.seq,
                entry.at,
                entry.actor,
                entry.action,
                entry.subject,
                entry.detail,
                entry.prev_hash,
            )
            if expected != entry.hash:
                return ChainReport(False, count, entry.seq, "entry content altered")
            prev = entry.hash
        return ChainReport(True, count)


def _entry(doc: Document) -> AuditEntry:
    return AuditEntry(
        seq=int(doc["seq"]),
        at=str(doc["at"]),
        actor=dict(doc["actor"]),
        action=str(doc["action"]),
        subject=str(doc["subject"]),
        detail=dict(doc["detail"]),
        prev_hash=str(doc["prev_hash"]),
        hash=str(doc["hash"]),
    )
