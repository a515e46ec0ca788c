"""Public resource listings in the disclosure service's own database, and back."""

from __future__ import annotations

from dataclasses import asdict

from libs.store.port import Document
from services.disclosure.domain.resource_listing import ResourceListing

LISTINGS = "resource_listings"


def to_doc(listing: ResourceListing) -> Document:
    doc = asdict(listing)
    doc["item_names"] = list(listing.item_names)
    doc["_id"] = listing.resource_id
    return doc


def from_doc(doc: Document) -> ResourceListing:
    fields = {k: v for k, v in doc.items() if not k.startswith("_")}
    fields["item_names"] = tuple(fields["item_names"])
    return ResourceListing(**fields)
