"""Negative-list entries (负面清单条目) and what a grant may include of a resource (CAT-2).

``NegativeList`` and ``grantable_items`` are pure and need nothing of the catalog's own
types, so request-review can keep its copy of the list from ``resource.negative_listed``
events and ask the same question before any grant (REQ-4).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Listing:
    """One entry of the negative list: a whole resource (``item_name`` None) or one item."""

    resource_id: str
    reason: str
    item_name: str | None = None
    listed_at: str = ""
    listed_by_org_id: str = ""


class NegativeList:
    """The bureau's negative list, looked up by resource. Immutable: ``adding`` returns a
    new list."""

    __slots__ = ("_entries", "_items", "_whole")

    def __init__(self, entries: Iterable[Listing] = ()) -> None:
        self._entries: tuple[Listing, ...] = tuple(entries)
        self._whole: frozenset[str] = frozenset(
            e.resource_id for e in self._entries if e.item_name is None
        )
        items: dict[str, set[str]] = {}
        for entry in self._entries:
            if entry.item_name is not None:
                items.setdefault(entry.resource_id, set()).add(entry.item_name)
        self._items: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in items.items()}

    def bars(self, resource_id: str) -> bool:
        """True if the whole resource is on the list."""
        return resource_id in self._whole

    def withheld_items(self, resource_id: str) -> frozenset[str]:
        """The resource's data items on the list (not counting a whole-resource entry)."""
        return self._items.get(resource_id, frozenset())

    def adding(self, entry: Listing) -> NegativeList:
        return NegativeList((*self._entries, entry))

    def __iter__(self) -> Iterator[Listing]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class CatalogEntry(Protocol):
    """Anything with a resource id and named data items: the catalog's ``Resource``, or a
    ``resource.registered`` / ``resource.changed`` payload held by another service."""

    @property
    def resource_id(self) -> str: ...

    @property
    def items(self) -> Sequence[_Named]: ...


def grantable_items(resource: CatalogEntry, negative_list: NegativeList) -> tuple[str, ...]:
    """CAT-2: the names of the resource's data items a grant may include, in declared
    order — none if the resource is listed, never a listed item."""
    if negative_list.bars(resource.resource_id):
        return ()
    withheld = negative_list.withheld_items(resource.resource_id)
    return tuple(i.name for i in resource.items if i.name not in withheld)
