"""Public resource listings in the disclosure service's own database, and back."""

from __future__ import annotations

from dataclasses import asdict

from libs.responsibility import Declaration, Infrastructure, Responsible
from libs.store.port import Document, DocumentStore
from services.disclosure.domain.resource_listing import ResourceListing

LISTINGS = "resource_listings"
LISTING_INDEXES: tuple[tuple[tuple[str, int], ...], ...] = (
    (("status", 1), ("registration_code", 1)),
    (("category", 1), ("status", 1), ("registration_code", 1)),
    (("registration_code", 1),),
)
"""The public list's filters (status; category, with or without status) then its order
(registration code), so a page and its total are read from an index, not the table."""


def to_doc(listing: ResourceListing) -> Document:
    doc = asdict(listing)
    doc["item_names"] = list(listing.item_names)
    doc["_id"] = listing.resource_id
    return doc


async def ensure_listing_indexes(store: DocumentStore) -> None:
    """Declare ``LISTING_INDEXES`` (idempotent; the store remembers what it created)."""
    for keys in LISTING_INDEXES:
        await store.ensure_index(LISTINGS, keys)


def from_doc(doc: Document) -> ResourceListing:
    fields = {k: v for k, v in doc.items() if not k.startswith("_")}
    fields["item_names"] = tuple(fields["item_names"])
    return ResourceListing(**fields)


TRANSPARENCY_LOG = (
    "the transparency log's hash tree (DIS-3): leaves of public records, hash tiles (and "
    "nodes, the layout before tiles), signed heads and state; a leaf is the public record "
    "itself, whose organization its source names"
)


RESPONSIBLE_ORGANIZATION: dict[str, Declaration] = {
    LISTINGS: Responsible("provider_org_id"),
    "annual_facts": Responsible("actor_org_id"),
    "log_leaves": Infrastructure(TRANSPARENCY_LOG),
    "log_nodes": Infrastructure(TRANSPARENCY_LOG),
    "log_records": Infrastructure(TRANSPARENCY_LOG),
    "log_state": Infrastructure(TRANSPARENCY_LOG),
    "log_tiles": Infrastructure(TRANSPARENCY_LOG),
    "tree_heads": Infrastructure(TRANSPARENCY_LOG),
}
"""SEC-3 (谁采集/持有/使用/运营谁负责): per collection this service stores, the field naming
the organization responsible for each record, or why it holds none (``libs.responsibility``;
the shared runtime's collections are declared there)."""
