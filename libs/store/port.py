"""The narrow store port every service writes through.

Theory of operation: a service keeps aggregates as JSON-like documents in named
collections. Every document carries ``_id``, ``_version`` (optimistic concurrency: a
write names the version it read and fails if another writer got there first) and
``_outbox`` (events caused by the change, written in the same single-document write,
so state and events commit atomically on any MongoDB-wire server). The outbox relay
(``libs.outbox``) publishes and then clears them.

Filters are equality matches on top-level fields (or ``{"$in": [...]}``), which both
adapters implement natively; anything richer belongs in a service-specific adapter.
A repository that lists a large collection page by page declares the index its listing
needs (``ensure_index``: equality fields first, then the sort fields, as in MongoDB); the
index changes how fast ``find``/``count`` answer, never what they answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

Document = dict[str, Any]


class StoreError(Exception):
    """Base class of store errors."""


class DuplicateDocument(StoreError):
    """An insert met an existing ``_id``. Idempotent writers treat this as already done."""

    def __init__(self, collection: str, doc_id: str) -> None:
        super().__init__(f"{collection}/{doc_id} already exists")
        self.collection = collection
        self.doc_id = doc_id


class VersionConflict(StoreError):
    """A write named a version that is no longer current (someone else wrote first)."""

    def __init__(self, collection: str, doc_id: str, expected: int) -> None:
        super().__init__(f"{collection}/{doc_id} is no longer at version {expected}")
        self.collection = collection
        self.doc_id = doc_id
        self.expected = expected


class StoreUnavailable(StoreError):
    """The database cannot be reached; the API answers 503 and the caller may retry."""


class DocumentStore(Protocol):
    """One service's database. Every method is safe to retry with the same arguments
    except ``insert`` (which then raises ``DuplicateDocument``) and ``replace`` (which then
    raises ``VersionConflict``): both refuse rather than apply twice."""

    async def insert(self, collection: str, doc: Document) -> Document:
        """Store a new document at ``_version`` 1 and return it."""
        ...

    async def insert_many(self, collection: str, docs: Sequence[Document]) -> int:
        """Store new documents at ``_version`` 1 in one write; documents whose ``_id``
        already exists are skipped (idempotent). Returns how many were inserted."""
        ...

    async def replace(self, collection: str, doc: Document, expected_version: int) -> Document:
        """Replace the document if it is still at ``expected_version``; return it at +1."""
        ...

    async def get(self, collection: str, doc_id: str) -> Document | None: ...

    async def find(
        self,
        collection: str,
        where: Mapping[str, Any] | None = None,
        *,
        sort: Sequence[tuple[str, int]] = (),
        skip: int = 0,
        limit: int = 0,
    ) -> list[Document]:
        """Documents whose fields equal ``where``; ``limit`` 0 means no limit."""
        ...

    async def count(self, collection: str, where: Mapping[str, Any] | None = None) -> int: ...

    async def ensure_index(self, collection: str, keys: Sequence[tuple[str, int]]) -> None:
        """Declare a compound index on top-level fields, ``(field, 1 or -1)`` in order
        (MongoDB's ``createIndex``): a ``find``/``count`` whose ``where`` names exactly its
        leading fields, sorted by the fields after them, reads the index instead of the
        whole collection. Idempotent and cheap to repeat (adapters remember what they
        created); results are the same with or without it."""
        ...

    async def with_outbox(self, collection: str, limit: int) -> list[Document]:
        """Documents that still hold unpublished events, oldest change first."""
        ...

    async def clear_outbox(self, collection: str, doc_id: str, event_ids: Sequence[str]) -> None:
        """Drop the named events from the document's outbox (idempotent)."""
        ...

    async def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless the database answers."""
        ...

    async def close(self) -> None: ...


def check_field_name(field: str) -> None:
    """Refuse a field name a query may not use: empty, not text, an operator (``$``), a
    path (``.``), a quote or an unprintable character. Both adapters check the same, so
    a query refused on one backend is refused on the other."""
    if (
        not isinstance(field, str)
        or not field
        or field.startswith("$")
        or any(c in field for c in '."')
        or not field.isprintable()
    ):
        raise ValueError(f"unsupported field name {field!r}")
