"""The negative list (负面清单 / 禁止开放类): what never enters the operation catalog (CAT-2).

The bureau lists a whole resource or one of its data items, always with a reason. A
listed resource never enters the operation catalog (运营目录) nor any grant; a listed
item stays registered but is withheld from both. Listing is immediate: a published
resource listed whole is withdrawn from the operation catalog (``resource.withdrawn``),
one listed item changes what the catalog offers of it (``resource.changed``). A listing
is never lifted here: the list only grows.

``NegativeList`` and ``grantable_items`` are pure and need nothing of the catalog's own
types, so request-review can keep its copy of the list from ``resource.negative_listed``
events and ask the same question before any grant (REQ-4).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from contracts.errors import Conflict, DomainError
from contracts.events import Event, ResourceNegativeListed, ResourceWithdrawn
from services.catalog.domain.operation_catalog import Action, State, transition

if TYPE_CHECKING:
    from services.catalog.domain.resource import Resource


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


def add(
    resource: Resource,
    *,
    reason: str,
    item_name: str | None = None,
    actor_org_id: str,
    at: str,
) -> tuple[Resource, list[Event]]:
    """The bureau lists the whole resource or one item of it (CAT-2). A published resource
    leaves the operation catalog at once; one whose every item is now listed goes as if
    listed whole."""
    if not reason.strip():
        raise DomainError("a negative-list entry states its reason", rule="CAT-2", field="reason")
    if item_name is None:
        if resource.barred:
            raise Conflict(
                f"resource {resource.resource_id} is already on the negative list", rule="CAT-2"
            )
        state = transition(resource.status, Action.NEGATIVE_LIST)
    else:
        if item_name not in {i.name for i in resource.items}:
            raise DomainError(
                f"resource {resource.resource_id} has no data item {item_name!r}",
                rule="CAT-2",
                field="item_name",
            )
        if resource.barred or item_name in resource.withheld_items:
            raise Conflict(
                f"data item {item_name!r} of resource {resource.resource_id} is already on "
                "the negative list",
                rule="CAT-2",
            )
        state = transition(resource.status, Action.WITHHOLD_ITEM)
    entry = Listing(
        resource_id=resource.resource_id,
        reason=reason,
        item_name=item_name,
        listed_at=at,
        listed_by_org_id=actor_org_id,
    )
    after = replace(resource, negative_entries=(*resource.negative_entries, entry))
    if not after.grantable_items:
        state = transition(resource.status, Action.NEGATIVE_LIST)
    after = replace(after, status=state.value)
    events: list[Event] = [
        ResourceNegativeListed(
            resource_id=resource.resource_id,
            provider_org_id=resource.provider_org_id,
            reason=reason,
            item_name=item_name,
        )
    ]
    if resource.status == State.PUBLISHED:
        events.append(
            _withdrawn(after, reason) if state == State.NEGATIVE_LISTED else after.changed_event()
        )
    return after, events


def _withdrawn(resource: Resource, reason: str) -> ResourceWithdrawn:
    return ResourceWithdrawn(
        resource_id=resource.resource_id,
        provider_org_id=resource.provider_org_id,
        registration_code=resource.registration_code,
        reason=reason,
        cause="negative_list",
    )
