"""The negative list (负面清单 / 禁止开放类): what never enters the operation catalog (CAT-2).

The bureau lists a whole resource or one of its data items, always with a reason. A
listed resource never enters the operation catalog (运营目录) nor any grant; a listed
item stays registered but is withheld from both. Listing is immediate: a published
resource listed whole is withdrawn from the operation catalog (``resource.withdrawn``),
one listed item changes what the catalog offers of it (``resource.changed``). A listing
is never lifted here: the list only grows.

The entries themselves and ``grantable_items`` are ``listing``.
"""

from __future__ import annotations

from dataclasses import replace

from contracts.errors import Conflict, DomainError
from contracts.events import Event, ResourceNegativeListed, ResourceWithdrawn
from services.catalog.domain.lifecycle import Action, State, advance
from services.catalog.domain.listing import Listing
from services.catalog.domain.resource import Resource


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
        state = advance(resource.status, Action.NEGATIVE_LIST)
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
        state = advance(resource.status, Action.WITHHOLD_ITEM)
    entry = Listing(
        resource_id=resource.resource_id,
        reason=reason,
        item_name=item_name,
        listed_at=at,
        listed_by_org_id=actor_org_id,
    )
    after = replace(resource, negative_entries=(*resource.negative_entries, entry))
    if not after.grantable_items:
        state = advance(resource.status, Action.NEGATIVE_LIST)
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
