"""The in-process bus of embedded mode: a durable append-only log in one SQLite file.

Theory of operation: ``publish`` appends records to the ``log`` table and returns after
the commit (WAL, ``synchronous=NORMAL``: a record survives ``kill -9`` of the process).
Each consumer group has a cursor in ``cursors``; its loop reads the next batch of
records after the cursor that belong to its topics, in log order (so per-key order
holds), awaits the handler with the batch and advances the cursor after it returns. A
crash between the handler and the cursor update redelivers the batch, which
``libs.bus.consumer`` turns into a no-op by remembering processed event ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from libs.bus.port import Handler, Message

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS log (
    offset INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    headers TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_topic ON log(topic, offset);
CREATE TABLE IF NOT EXISTS cursors (grp TEXT PRIMARY KEY, offset INTEGER NOT NULL);
"""


@dataclass
class _Subscription:
    group: str
    topics: list[str]
    handler: Handler
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    query: str = ""
    """the batch query for these topics, built once"""


_NO_HEADERS = "{}"


def _headers_text(headers: dict[str, str]) -> str:
    """Headers as stored: most records carry none, so skip the JSON encoder for those."""
    return json.dumps(headers) if headers else _NO_HEADERS


class EmbeddedBus:
    """A durable in-process bus. One instance per process and log file."""

    def __init__(self, path: Path | str, *, batch_size: int = 500) -> None:
        self._path = str(path)
        self._batch = batch_size
        self._db: sqlite3.Connection | None = None
        self._subs: list[_Subscription] = []
        self._running = False
        # One connection, possibly used from two threads (a test client runs the app on
        # its own loop): a transaction must never interleave with another statement.
        self._guard = threading.RLock()

    # -- lifecycle -------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            if self._path != ":memory:":
                Path(self._path).parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=5000")
            db.executescript(_SCHEMA)
            self._db = db
        return self._db

    def subscribe(
        self, topics: list[str], group: str, handler: Handler, *, every_replica: bool = False
    ) -> None:
        # One process holds the whole log: every subscription already sees every record.
        if any(s.group == group for s in self._subs):
            raise ValueError(f"consumer group {group!r} is already subscribed")
        self._subs.append(_Subscription(group, list(topics), handler))
        if self._running:
            self._launch(self._subs[-1])

    async def start(self) -> None:
        self._connect()
        self._running = True
        for sub in self._subs:
            self._launch(sub)

    def _launch(self, sub: _Subscription) -> None:
        sub.task = asyncio.create_task(self._consume(sub), name=f"embedded-bus:{sub.group}")

    async def stop_consuming(self, *, within: float = 10.0) -> None:
        """Each consumer finishes and commits the batch in hand, then returns; one still
        busy after ``within`` seconds (a store that stays down) is cancelled uncommitted."""
        self._running = False
        tasks = [s.task for s in self._subs if s.task is not None]
        for sub in self._subs:
            sub.wake.set()
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=within)
            for task in late:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for s in self._subs:
            s.task = None

    async def unready_reason(self) -> str | None:
        if self._db is None or not self._running:
            return "embedded bus not started"
        return None

    async def stop(self) -> None:
        self._running = False
        tasks = [s.task for s in self._subs if s.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for s in self._subs:
            s.task = None
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- producing -------------------------------------------------------------------
    async def publish(self, message: Message) -> None:
        await self.publish_many([message])

    async def publish_many(self, messages: list[Message]) -> None:
        if not messages:
            return
        db = self._connect()
        rows = [(m.topic, m.key, m.value, _headers_text(m.headers)) for m in messages]
        with self._guard:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("INSERT INTO log(topic, key, value, headers) VALUES (?,?,?,?)", rows)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        topics = {m.topic for m in messages}
        for sub in self._subs:
            if topics.intersection(sub.topics):
                sub.wake.set()

    # -- consuming -------------------------------------------------------------------
    def _cursor(self, group: str) -> int:
        with self._guard:
            db = self._connect()
            row = db.execute("SELECT offset FROM cursors WHERE grp=?", (group,)).fetchone()
        return int(row[0]) if row else 0

    def _commit(self, group: str, offset: int) -> None:
        with self._guard:
            self._connect().execute(
                "INSERT INTO cursors(grp, offset) VALUES (?, ?) "
                "ON CONFLICT(grp) DO UPDATE SET offset=excluded.offset",
                (group, offset),
            )

    def _fetch(self, sub: _Subscription, after: int) -> list[tuple[int, str, str, bytes, str]]:
        query = sub.query
        if not query:
            marks = ",".join("?" for _ in sub.topics)
            query = sub.query = (
                f"SELECT offset, topic, key, value, headers FROM log "  # noqa: S608 - placeholders only
                f"WHERE offset > ? AND topic IN ({marks}) ORDER BY offset LIMIT ?"
            )
        with self._guard:
            return self._connect().execute(query, (after, *sub.topics, self._batch)).fetchall()

    async def _consume(self, sub: _Subscription) -> None:
        cursor = self._cursor(sub.group)
        while self._running:
            sub.wake.clear()
            rows = self._fetch(sub, cursor)
            if not rows:
                # Poll as a backstop: another process (or a restart) may have appended.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(sub.wake.wait(), timeout=0.5)
                continue
            # Positional: topic, key, value, headers, partition, offset.
            batch = [
                Message(t, k, v, {} if h == _NO_HEADERS else json.loads(h), 0, o)
                for o, t, k, v, h in rows
            ]
            while True:
                try:
                    await sub.handler(batch)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # The consumer wrapper already dead-letters handler failures; what
                    # reaches here is infrastructure (store down): wait and redeliver.
                    log.exception("consumer %s: redelivering from offset %s", sub.group, rows[0][0])
                    await asyncio.sleep(0.5)
            cursor = rows[-1][0]
            self._commit(sub.group, cursor)
            await asyncio.sleep(0)

    # -- inspection (used by the health endpoint and tests) ---------------------------
    def lag(self, group: str) -> int:
        sub = next((s for s in self._subs if s.group == group), None)
        if sub is None:
            raise KeyError(group)
        marks = ",".join("?" for _ in sub.topics)
        with self._guard:
            row = (
                self._connect()
                .execute(
                    f"SELECT COUNT(*) FROM log WHERE offset > ? AND topic IN ({marks})",  # noqa: S608
                    (self._cursor(group), *sub.topics),
                )
                .fetchone()
            )
        return int(row[0])

    def read_topic(self, topic: str) -> list[Message]:
        with self._guard:
            rows = (
                self._connect()
                .execute(
                    "SELECT topic, key, value, headers FROM log WHERE topic=? ORDER BY offset",
                    (topic,),
                )
                .fetchall()
            )
        return [Message(topic=t, key=k, value=v, headers=json.loads(h)) for t, k, v, h in rows]
