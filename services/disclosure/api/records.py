"""``/disclosure/records``: the public disclosure records (公开记录, DIS-1), newest last,
each with its place in the transparency log so it can be verified (DIS-3)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from contracts.errors import NotFound
from libs.http.paging import Page, Paging
from libs.service import ServiceContext
from services.disclosure.adapters.log_repository import LogEntry, StoredLog
from services.disclosure.api.log import bad_parameter
from services.disclosure.domain.public_record import KINDS


class RecordView(msgspec.Struct, kw_only=True):
    record_id: str
    kind: str
    title: str
    published_at: str
    leaf_index: int
    leaf_hash: str
    record: dict[str, Any]
    """The record exactly as logged: its canonical JSON is the leaf (``pdo verify``)."""


class RecordPage(Page[RecordView], kw_only=True):
    """The shared page with the record kinds a caller may filter on."""

    items: list[RecordView]
    """Restated: the OpenAPI generator does not resolve a generic base's item type."""
    kinds: dict[str, str]


def record_view(entry: LogEntry) -> RecordView:
    return RecordView(
        record_id=entry.record_id,
        kind=entry.kind,
        title=str(entry.record.get("title", "")),
        published_at=str(entry.record.get("published_at", "")),
        leaf_index=entry.index,
        leaf_hash=entry.leaf_hash.hex(),
        record=entry.record,
    )


class PublicRecords(Controller):
    path = "/records"
    tags = ["public"]
    opt = {"public": True}
    security = []

    @get("/", summary="Public disclosure records (公开记录), in log order")
    async def browse(
        self,
        ctx: NamedDependency[ServiceContext],
        stored: NamedDependency[StoredLog],
        paging: NamedDependency[Paging],
        kind: Annotated[
            str | None, QueryParameter(max_length=40, schema_extra={"enum": sorted(KINDS)})
        ] = None,
    ) -> RecordPage:
        if kind is not None and kind not in KINDS:
            raise bad_parameter("kind", "one of " + ", ".join(sorted(KINDS)))
        counts = await stored.counts()
        total = counts.get(kind, 0) if kind else sum(counts.values())
        if kind is None:
            # Without a filter the page is a range of leaf ids: no scan, any log size.
            size = await stored.size()
            entries = [
                e
                for i in range(paging.offset, min(paging.offset + paging.limit, size))
                if (e := await stored.entry(i)) is not None
            ]
        else:
            entries = await stored.entries(kind=kind, offset=paging.offset, limit=paging.limit)
        return RecordPage(
            items=[record_view(e) for e in entries],
            total=total,
            offset=paging.offset,
            limit=paging.limit,
            kinds=KINDS,
        )

    @get("/{record_id:str}", summary="One public record with its log position")
    async def read(
        self,
        ctx: NamedDependency[ServiceContext],
        stored: NamedDependency[StoredLog],
        record_id: FromPath[str],
    ) -> RecordView:
        entry = await stored.entry_by_record(record_id)
        if entry is None:
            raise NotFound(f"no public record {record_id}")
        return record_view(entry)
