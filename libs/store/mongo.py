"""MongoDB-wire adapter of the document store port (distributed mode), on PyMongo's async API.

One service database per store; a collection per aggregate type. The semantics are those
of ``libs.store.sqlite`` (see its docstring for the full list; the contract suite holds
both adapters to them): documents are stored as their ``msgspec.json`` form (so a
``datetime`` is stored and returned as an RFC 3339 string), ``_id`` is a ``str``, filters
are equality or ``$in`` on top-level fields, results tie-break on ``_id``, ``insert_many``
skips existing ids (unordered insert, duplicate-key errors ignored), ``replace`` of a
missing document raises ``VersionConflict``, a ``replace`` without ``_outbox`` keeps the
stored one, and ``clear_outbox`` bumps ``_version`` when it removes anything.

The store keeps one private field, ``_outbox_seq``: present only while ``_outbox`` is
non-empty, it holds a wall-clock nanosecond stamp of the write that left events pending
and orders ``with_outbox`` (a sparse index serves it on MongoDB). It is stripped from
every document returned.

The target server is FerretDB 1.24 on its SQLite backend, verified operator by operator.
What it cannot do shapes two choices (``atomic_filters``, detected from ``buildInfo``):

* FerretDB pushes only a lone ``{"_id": <str>}`` filter down to SQLite; any other filter,
  ``{"_id": id, "_version": v}`` included, is evaluated by decoding every document of the
  collection (a replace took ~330 ms at 10k documents). Its ``update``/``findAndModify``
  also read and then write without a transaction (FerretDB issue #3040), so a filtered
  write is not a compare-and-set there anyway. On FerretDB, therefore, ``replace`` and
  ``clear_outbox`` read by ``_id``, check ``_version`` here and write by ``_id``; on
  MongoDB they put the version in the filter, which the server applies atomically.
* ``$pull`` on FerretDB removes only elements equal to the whole given value: a
  condition (``{"$pull": {"_outbox": {"event_id": {"$in": ids}}}}``) or a partial
  element (``{"event_id": id}``) is accepted and silently removes nothing. So
  ``clear_outbox`` is a read-modify-write under the version check instead.

Writes to one document are serialised within this process (a lock per document, shared
by all stores of the process), so concurrent writers in one process never both pass a
version check. Across processes the check is atomic on MongoDB, but on FerretDB 1.x two
processes racing inside the read-to-write window (one round trip) can both win: run one
writer process per service database there. Filters other than ``_id`` are collection
scans on FerretDB (the sparse index is not created there: the SQLite backend would not
use it), so the outbox has a shape of FerretDB's alone, pending markers:
``with_outbox`` (the outbox relay's read after every commit) must not scan the aggregate
collection. A write that leaves events pending first upserts a marker by ``_id`` in
``_outbox_pending.<collection>`` (``{"_id": doc id, "seq": stamp}``), under the
document's lock, then writes the document; ``clear_outbox`` deletes it with the last
event. ``with_outbox`` reads the markers (a scan of a collection holding only pending
documents) and the documents by ``_id``; a marker whose document holds no events (a
crash between the two writes) is dropped under the document's lock. The first
``with_outbox`` of a collection per store (and one every ``SWEEP_SECONDS``) also scans
the collection once for pending documents without a marker (written before markers, or
by another process) and marks them.

Connection failures (server selection timeouts, lost connections, network timeouts)
raise ``StoreUnavailable``. The client is created on first use, never at import.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from typing import Any

import msgspec
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    DuplicateKeyError,
    OperationFailure,
)

from libs.store.port import (
    Document,
    DuplicateDocument,
    StoreUnavailable,
    VersionConflict,
    check_field_name,
)

log = logging.getLogger(__name__)

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder()
_COLLECTION = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}")
_SEQ_FIELD = "_outbox_seq"
_PENDING = {_SEQ_FIELD: {"$exists": True}}
_DUPLICATE_KEY = 11000

MARKERS_PREFIX = "_outbox_pending."
"""FerretDB: ``<prefix><collection>`` holds one marker per document of ``collection`` with
pending events (``_id`` the document's, ``seq`` its pending stamp)."""

SWEEP_SECONDS = 300.0
"""FerretDB: how often ``with_outbox`` also scans a collection for unmarked pending events."""


class MongoDocumentStore:
    """A ``DocumentStore`` in one database of a MongoDB-wire server."""

    def __init__(
        self,
        uri: str,
        database: str,
        *,
        server_selection_timeout_ms: int = 2000,
        atomic_filters: bool | None = None,
        **client_options: Any,
    ) -> None:
        """``atomic_filters``: put the version check in the write's filter (MongoDB) or
        check it after a read by ``_id`` (FerretDB 1.x); ``None`` asks the server."""
        self._uri = uri
        self._database = database
        self._options: dict[str, Any] = {
            "serverSelectionTimeoutMS": server_selection_timeout_ms,
            "tz_aware": True,
            **client_options,
        }
        self._client: AsyncMongoClient[Document] | None = None
        self._closed = False
        self._atomic_filters = atomic_filters
        self._indexed: set[str] = set()
        self._declared: set[tuple[str, str]] = set()
        self._last_seq = 0
        self._swept: dict[str, float] = {}
        """FerretDB: per collection, when its documents were last scanned for pending events
        without a marker (monotonic seconds)."""

    @property
    def database(self) -> str:
        """The name of this store's database on the server."""
        return self._database

    # -- the port ---------------------------------------------------------------------

    async def insert(self, collection: str, doc: Document) -> Document:
        body = _normalise(doc, 1)
        coll = await self._collection(collection)
        marked = body["_outbox"] and not await self._atomic()
        async with _LOCKS.hold_all(self._database, collection, [body["_id"]] if marked else []):
            with _guard():
                stored = self._stored(body)
                if marked:
                    await self._mark_pending(collection, [stored])
                try:
                    await coll.insert_one(stored)
                except DuplicateKeyError:
                    raise DuplicateDocument(collection, body["_id"]) from None
        return body

    async def insert_many(self, collection: str, docs: Sequence[Document]) -> int:
        bodies = [_flat_new(doc) or _normalise(doc, 1) for doc in docs]
        if not bodies:
            return 0
        coll = await self._collection(collection)
        stored = [self._stored(b) for b in bodies]
        pending = [d for d in stored if d["_outbox"]]
        if pending and await self._atomic():
            pending = []
        ids = [d["_id"] for d in pending]
        async with _LOCKS.hold_all(self._database, collection, ids):
            with _guard():
                if pending:
                    await self._mark_pending(collection, pending)
                try:
                    result = await coll.insert_many(stored, ordered=False)
                except BulkWriteError as exc:
                    errors = exc.details.get("writeErrors", [])
                    if any(error.get("code") != _DUPLICATE_KEY for error in errors):
                        raise
                    return int(exc.details.get("nInserted", 0))
        return len(result.inserted_ids)

    async def replace(self, collection: str, doc: Document, expected_version: int) -> Document:
        body = _normalise(doc, expected_version + 1)
        doc_id: str = body["_id"]
        coll = await self._collection(collection)
        atomic = await self._atomic()
        async with _LOCKS.hold(self._database, collection, doc_id):
            with _guard():
                if not atomic or "_outbox" not in doc:
                    current = await coll.find_one({"_id": doc_id}, {"_version": 1, "_outbox": 1})
                    if current is None or current.get("_version") != expected_version:
                        raise VersionConflict(collection, doc_id, expected_version)
                    if "_outbox" not in doc:
                        body["_outbox"] = current.get("_outbox") or []
                stored = self._stored(body)
                where: Document = {"_id": doc_id}
                if atomic:
                    where["_version"] = expected_version
                elif body["_outbox"]:
                    await self._mark_pending(collection, [stored])
                result = await coll.replace_one(where, stored)
        if result.matched_count != 1:
            raise VersionConflict(collection, doc_id, expected_version)
        return body

    async def get(self, collection: str, doc_id: str) -> Document | None:
        coll = await self._collection(collection)
        with _guard():
            doc = await coll.find_one({"_id": doc_id})
        return None if doc is None else _strip(doc)

    async def find(
        self,
        collection: str,
        where: Mapping[str, Any] | None = None,
        *,
        sort: Sequence[tuple[str, int]] = (),
        skip: int = 0,
        limit: int = 0,
    ) -> list[Document]:
        if skip < 0 or limit < 0:
            raise ValueError("skip and limit must not be negative")
        query = _filter(where)
        keys = _sort_keys(sort)
        coll = await self._collection(collection)
        with _guard():
            cursor = coll.find(query).sort(keys).skip(skip).limit(limit)
            docs = await cursor.to_list()
        return [_strip(doc) for doc in docs]

    async def count(self, collection: str, where: Mapping[str, Any] | None = None) -> int:
        query = _filter(where)
        coll = await self._collection(collection)
        with _guard():
            return await coll.count_documents(query)

    async def ensure_index(self, collection: str, keys: Sequence[tuple[str, int]]) -> None:
        """``createIndex`` of ``keys`` then ``_id`` (the tie-break every sort ends with), once
        per store; the server keeps it, so a restart's repeat is a no-op there too."""
        spec = _index_keys(keys)
        name = index_name(spec)
        if (collection, name) in self._declared:
            return
        coll = await self._collection(collection)
        with _guard():
            await coll.create_index(spec, name=name)
        self._declared.add((collection, name))

    async def with_outbox(self, collection: str, limit: int) -> list[Document]:
        if limit < 0:
            raise ValueError("limit must not be negative")
        coll = await self._collection(collection)
        if not await self._atomic():
            return await self._pending_by_marker(collection, coll, limit)
        with _guard():
            cursor = coll.find(_PENDING).sort([(_SEQ_FIELD, 1), ("_id", 1)]).limit(limit)
            docs = await cursor.to_list()
        return [_strip(doc) for doc in docs]

    async def clear_outbox(self, collection: str, doc_id: str, event_ids: Sequence[str]) -> None:
        drop = frozenset(event_ids)
        if not drop:
            return
        coll = await self._collection(collection)
        atomic = await self._atomic()
        async with _LOCKS.hold(self._database, collection, doc_id):
            with _guard():
                while True:
                    current = await coll.find_one({"_id": doc_id})
                    if current is None:
                        return
                    outbox = current.get("_outbox") or []
                    remaining = [e for e in outbox if not _listed(e, drop)]
                    if len(remaining) == len(outbox):
                        return
                    version = current.get("_version")
                    current["_outbox"] = remaining
                    current["_version"] = (version or 0) + 1
                    if not remaining:
                        current.pop(_SEQ_FIELD, None)
                    where: Document = {"_id": doc_id}
                    if atomic:
                        where["_version"] = version
                    result = await coll.replace_one(where, current)
                    if result.matched_count == 1:
                        if not remaining and not atomic:
                            await self._markers(collection).delete_one({"_id": doc_id})
                        return
                    # Another process wrote first (MongoDB) or the document went: re-read.

    async def ping(self) -> None:
        client = self._connect()
        with _guard():
            await client.admin.command("ping")

    async def close(self) -> None:
        self._closed = True
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    # -- internals --------------------------------------------------------------------

    def _connect(self) -> AsyncMongoClient[Document]:
        if self._client is None:
            if self._closed:
                raise StoreUnavailable(f"store of database {self._database} is closed")
            self._client = AsyncMongoClient(self._uri, **self._options)
        return self._client

    async def _collection(self, name: str) -> AsyncCollection[Document]:
        if not _COLLECTION.fullmatch(name):
            raise ValueError(f"invalid collection name {name!r}")
        coll = self._connect()[self._database][name]
        if name not in self._indexed:
            if await self._atomic():
                # MongoDB: the sparse index holds only documents with pending events.
                with _guard():
                    try:
                        await coll.create_index(
                            [(_SEQ_FIELD, 1), ("_id", 1)], sparse=True, name="outbox_pending"
                        )
                    except OperationFailure as exc:
                        log.warning("no outbox index on %s: %s", name, exc)
            self._indexed.add(name)
        return coll

    async def _atomic(self) -> bool:
        """Whether the server applies a write's filter atomically (not FerretDB 1.x)."""
        if self._atomic_filters is None:
            with _guard():
                info = await self._connect().admin.command("buildInfo")
            self._atomic_filters = "ferretdbVersion" not in info
        return self._atomic_filters

    # -- pending-event markers (FerretDB) ----------------------------------------------

    def _markers(self, collection: str) -> AsyncCollection[Document]:
        """The small collection naming the documents of ``collection`` with pending events."""
        return self._connect()[self._database][MARKERS_PREFIX + collection]

    async def _mark_pending(self, collection: str, stored: Sequence[Document]) -> None:
        """Upsert the markers of documents about to be written with events, by ``_id`` (the
        one filter FerretDB looks up without a scan); called under the documents' locks."""
        markers = self._markers(collection)
        for doc in stored:
            await markers.replace_one(
                {"_id": doc["_id"]}, {"_id": doc["_id"], "seq": doc[_SEQ_FIELD]}, upsert=True
            )

    async def _pending_by_marker(
        self, collection: str, coll: AsyncCollection[Document], limit: int
    ) -> list[Document]:
        """``with_outbox`` on FerretDB: the markers (a scan of a collection that holds only
        pending documents), then each document by ``_id``. A marker whose document has no
        events (left by a crash or a failed write) is dropped, under the document's lock."""
        await self._sweep(collection, coll)
        markers = self._markers(collection)
        with _guard():
            marks = await markers.find({}).sort([("seq", 1), ("_id", 1)]).to_list()
        found: list[Document] = []
        step = limit or len(marks) or 1
        for start in range(0, len(marks), step):
            chunk = [str(m["_id"]) for m in marks[start : start + step]]
            with _guard():
                docs = await asyncio.gather(*(coll.find_one({"_id": i}) for i in chunk))
            for doc_id, doc in zip(chunk, docs, strict=True):
                if doc is not None and doc.get("_outbox"):
                    found.append(doc)
                else:
                    await self._drop_marker_if_clear(collection, coll, doc_id)
            if limit and len(found) >= limit:
                break
        found.sort(key=lambda d: (d.get(_SEQ_FIELD, 0), d["_id"]))
        return [_strip(doc) for doc in found[: limit or None]]

    async def _drop_marker_if_clear(
        self, collection: str, coll: AsyncCollection[Document], doc_id: str
    ) -> None:
        async with _LOCKS.hold(self._database, collection, doc_id):
            with _guard():
                doc = await coll.find_one({"_id": doc_id}, {"_outbox": 1})
                if doc is None or not doc.get("_outbox"):
                    await self._markers(collection).delete_one({"_id": doc_id})

    async def _sweep(self, collection: str, coll: AsyncCollection[Document]) -> None:
        """Once per store and collection (and again every ``SWEEP_SECONDS``): scan the
        collection for documents with events but no marker (written before markers
        existed, or by another process) and mark them, so no event waits unseen."""
        now = time.monotonic()
        if now - self._swept.get(collection, float("-inf")) < SWEEP_SECONDS:
            return
        with _guard():
            pending = await coll.find(_PENDING, {_SEQ_FIELD: 1}).to_list()
            if pending:
                try:
                    await self._markers(collection).insert_many(
                        [{"_id": d["_id"], "seq": d[_SEQ_FIELD]} for d in pending],
                        ordered=False,
                    )
                except BulkWriteError as exc:
                    errors = exc.details.get("writeErrors", [])
                    if any(error.get("code") != _DUPLICATE_KEY for error in errors):
                        raise
        self._swept[collection] = now

    def _stored(self, body: Document) -> Document:
        """What is written: ``body`` plus the pending-events stamp when it has events."""
        stored = dict(body)
        if body["_outbox"]:
            self._last_seq = max(time.time_ns(), self._last_seq + 1)
            stored[_SEQ_FIELD] = self._last_seq
        return stored


class _KeyedLocks:
    """An asyncio lock per document, dropped when nobody holds or awaits it."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str, str], tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, database: str, collection: str, doc_id: str) -> AsyncIterator[None]:
        key = (database, collection, doc_id)
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    @asynccontextmanager
    async def hold_all(
        self, database: str, collection: str, doc_ids: Sequence[str]
    ) -> AsyncIterator[None]:
        """The locks of several documents, taken in ``_id`` order (no deadlock between
        two holders of overlapping sets)."""
        async with AsyncExitStack() as stack:
            for doc_id in sorted(set(doc_ids)):
                await stack.enter_async_context(self.hold(database, collection, doc_id))
            yield


# Shared by every store in the process, so that e.g. an outbox relay holding its own
# store still takes turns with the command handlers writing the same document.
_LOCKS = _KeyedLocks()


@contextmanager
def _guard() -> Iterator[None]:
    """Turn lost or unreachable servers into ``StoreUnavailable``."""
    try:
        yield
    except ConnectionFailure as exc:  # also AutoReconnect, NetworkTimeout, selection timeout
        raise StoreUnavailable(f"MongoDB: {exc}") from exc


def _normalise(doc: Mapping[str, Any], version: int) -> Document:
    """A fresh copy of ``doc`` as its JSON form gives it back, at ``version``."""
    doc_id = doc.get("_id")
    if not isinstance(doc_id, str):
        raise ValueError("a document needs a str _id")
    if not isinstance(doc.get("_outbox", []), list):
        raise ValueError("_outbox must be a list")
    body: Document = _DECODER.decode(_ENCODER.encode(doc))
    body["_version"] = version
    body.setdefault("_outbox", [])
    body.pop(_SEQ_FIELD, None)
    _check_storable(body)
    return body


_SCALARS = frozenset({str, int, bool, type(None)})


def _flat_new(doc: Mapping[str, Any]) -> Document | None:
    """``doc`` at version 1 without the JSON round trip of ``_normalise``, when every
    value is a plain ``str``/``int``/``bool``/``None`` under a storable name (the round
    trip would give it back unchanged): bulk inserts of small flat documents (the
    consumers' inbox claims) skip two codec passes per document. None otherwise."""
    if not isinstance(doc.get("_id"), str):
        return None
    body: Document = {}
    for key, value in doc.items():
        if (
            type(value) not in _SCALARS
            or type(key) is not str
            or "." in key
            or key.startswith("$")
            or "\x00" in key
        ):
            return None
        body[key] = value
    body.pop(_SEQ_FIELD, None)
    body["_version"] = 1
    body["_outbox"] = []
    return body


def _check_storable(doc: Document) -> None:
    """Refuse what FerretDB 1.x cannot store, so both adapters accept the same documents:
    field names with ``.``, a leading ``$`` or NUL, and arrays directly inside arrays."""
    stack: list[dict[str, Any] | list[Any]] = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if "." in key or key.startswith("$") or "\x00" in key:
                    raise ValueError(f"unsupported field name {key!r}")
                if isinstance(value, dict | list):
                    stack.append(value)
        else:
            for value in node:
                if isinstance(value, list):
                    raise ValueError("arrays directly inside arrays are not supported")
                if isinstance(value, dict):
                    stack.append(value)


def _strip(doc: Document) -> Document:
    doc.pop(_SEQ_FIELD, None)
    return doc


def _listed(entry: object, drop: frozenset[str]) -> bool:
    return isinstance(entry, dict) and entry.get("event_id") in drop


def _filter(where: Mapping[str, Any] | None) -> Document:
    """The MongoDB filter of a port filter, refusing what the SQLite adapter cannot do."""
    query: Document = {}
    for field, value in (where or {}).items():
        check_field_name(field)
        if isinstance(value, Mapping):
            if set(value) != {"$in"} or not isinstance(value["$in"], list | tuple):
                raise ValueError(f"unsupported filter on {field!r}: only equality and $in")
            values = list(value["$in"])
            query[field] = {"$in": values}
        else:
            values = [value]
            query[field] = value
        for item in values:
            if item is not None and not isinstance(item, str | int | float):
                raise ValueError(f"filter values on {field!r} must be str/int/float/bool/None")
    return query


def _sort_keys(sort: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    keys: list[tuple[str, int]] = []
    for field, direction in sort:
        check_field_name(field)
        if direction not in (1, -1):
            raise ValueError(f"sort direction of {field!r} must be 1 or -1")
        keys.append((field, direction))
    if all(field != "_id" for field, _ in keys):
        keys.append(("_id", 1))
    return keys


def _index_keys(keys: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """The keys of a declared index, checked, with the ``_id`` tie-break appended."""
    if not keys:
        raise ValueError("an index needs at least one key")
    if len({field for field, _ in keys}) != len(keys):
        raise ValueError("an index names each field once")
    return _sort_keys(keys)


def index_name(spec: Sequence[tuple[str, int]]) -> str:
    """A stable, short name of an index spec (the server's default can exceed limits)."""
    digest = hashlib.sha256(repr(list(spec)).encode()).hexdigest()[:16]
    return f"by_{digest}"
