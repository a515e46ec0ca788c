"""Events of disclosure: published records (公开) and signed tree heads of the transparency log."""

from __future__ import annotations

from datetime import datetime

from contracts.events.base import Event


class DisclosurePublished(Event, frozen=True, tag="disclosure.published"):
    record_id: str
    kind: str
    title: str
    leaf_index: int
    leaf_hash: str


class TreeHeadSigned(Event, frozen=True, tag="log.tree-head"):
    tree_size: int
    root_hash: str
    timestamp: datetime
    signature: str
