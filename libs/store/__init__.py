"""The document store port and its adapters (SQLite embedded, MongoDB wire distributed)."""

from libs.store.port import (
    Document,
    DocumentStore,
    DuplicateDocument,
    StoreUnavailable,
    VersionConflict,
)

__all__ = ["Document", "DocumentStore", "DuplicateDocument", "StoreUnavailable", "VersionConflict"]
