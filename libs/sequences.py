"""Gap-tolerant counters kept in a service's own store (e.g. registration sequences).

Each ``next_value`` is one optimistic read-increment-write; concurrent callers retry,
so two callers never receive the same number. A number handed out to a command that
later fails is simply not used: codes stay unique, gaps are harmless.
"""

from __future__ import annotations

from libs.store.port import DocumentStore, DuplicateDocument, VersionConflict

COLLECTION = "_sequences"


async def next_value(store: DocumentStore, name: str) -> int:
    while True:
        doc = await store.get(COLLECTION, name)
        if doc is None:
            try:
                await store.insert(COLLECTION, {"_id": name, "value": 1})
                return 1
            except DuplicateDocument:
                continue
        value = int(doc["value"]) + 1
        doc["value"] = value
        try:
            await store.replace(COLLECTION, doc, doc["_version"])
            return value
        except VersionConflict:
            continue
