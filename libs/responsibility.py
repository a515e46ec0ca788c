"""Who answers for a stored record (谁采集/持有/使用/运营谁负责, SEC-3).

Every record names the organization responsible for it. Each service's ``repository.py``
declares, per collection it stores, the field that names that organization
(``Responsible("provider_org_id")``; a dotted path reads inside a nested object, e.g.
``actor.org_id``; a list of organizations counts when it is not empty), or says the
collection holds no business record (``Infrastructure(reason)``: delivery bookkeeping,
counters, the transparency log's hash tree). ``SHARED`` declares the collections the
shared runtime keeps in every service's store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from libs.audit import COLLECTION as AUDIT
from libs.bus.inbox import COLLECTION as INBOX
from libs.bus.inbox import MARKS as INBOX_MARKS
from libs.sequences import COLLECTION as SEQUENCES


@dataclass(frozen=True, slots=True)
class Responsible:
    """The collection's records name their responsible organization in ``field``."""

    field: str

    def organization(self, doc: Mapping[str, Any]) -> Any:
        """The value at ``field`` (a dotted path) of ``doc``; None when missing."""
        value: Any = doc
        for part in self.field.split("."):
            if not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return value

    def names_one(self, doc: Mapping[str, Any]) -> bool:
        """Whether ``doc`` names its organization: a non-empty value (or list of them)."""
        value = self.organization(doc)
        if isinstance(value, list | tuple):
            return bool(value) and all(isinstance(v, str) and v for v in value)
        return isinstance(value, str) and bool(value)


@dataclass(frozen=True, slots=True)
class Infrastructure:
    """The collection holds no business record; ``reason`` says what it holds instead."""

    reason: str


Declaration = Responsible | Infrastructure
"""What a repository declares of one collection (SEC-3)."""

SHARED: dict[str, Declaration] = {
    AUDIT: Responsible("actor.org_id"),
    INBOX: Infrastructure("ids of events already handled, per consumer group (idempotency)"),
    INBOX_MARKS: Infrastructure(
        "per consumer group and partition, the log offset up to which all is handled"
    ),
    SEQUENCES: Infrastructure("counters for registration codes and list numbers"),
}
"""The collections ``libs`` keeps in every service's store: the audit chain names the
acting organization of each entry; the inbox and the sequences are bookkeeping."""


__all__ = ["SHARED", "Declaration", "Infrastructure", "Responsible"]
