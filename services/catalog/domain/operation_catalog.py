"""The operation catalog (运营目录) and the lifecycle of a catalog entry (CAT-2, CAT-3, CAT-4).

Theory of operation: a resource is first registered (登记) by its provider; it is *in
the operation catalog* only once the provider has proposed it (编制申报) and the bureau
has approved and published it (审核发布, CAT-3). The bureau may instead reject the
proposal with a reason, after which the provider may change and propose again. Putting
the whole resource on the negative list (负面清单) takes it out for good (CAT-2); a
cancellation registration (注销登记) ends the entry (CAT-4). A change registration
(变更登记) leaves the entry where it is: a published resource stays published with its
new metadata, and the bureau keeps the negative list to withhold anything it must not
offer. The table itself is ``lifecycle``. ``propose``, ``publish`` and ``reject`` are the
pure decisions: each returns the new resource and the events to record.
"""

from __future__ import annotations

from dataclasses import replace

from contracts.errors import DomainError, Forbidden
from contracts.events import Event, ResourceProposed, ResourcePublished, ResourceRejected
from services.catalog.domain.lifecycle import Action, State, advance
from services.catalog.domain.resource import Resource


def _owned(resource: Resource, actor_org_id: str, rule: str) -> None:
    if resource.provider_org_id != actor_org_id:
        raise Forbidden(
            f"resource {resource.resource_id} belongs to {resource.provider_org_id}; "
            f"{actor_org_id} may not act on it",
            rule=rule,
        )


def _may_enter(resource: Resource) -> tuple[str, ...]:
    """CAT-2: the items that may enter the operation catalog; refuse if there are none."""
    if resource.status == State.NEGATIVE_LISTED or resource.barred:
        raise DomainError(
            f"resource {resource.resource_id} is on the negative list (负面清单) and never "
            "enters the operation catalog",
            rule="CAT-2",
        )
    items = resource.grantable_items
    if not items:
        raise DomainError(
            f"every data item of resource {resource.resource_id} is on the negative list; "
            "nothing of it can enter the operation catalog",
            rule="CAT-2",
            field="items",
        )
    return items


def propose(resource: Resource, *, actor_org_id: str) -> tuple[Resource, list[Event]]:
    """The provider proposes its own resource for the operation catalog (CAT-3)."""
    _owned(resource, actor_org_id, "CAT-3")
    _may_enter(resource)
    state = advance(resource.status, Action.PROPOSE)
    event = ResourceProposed(
        resource_id=resource.resource_id,
        provider_org_id=resource.provider_org_id,
        registration_code=resource.registration_code,
    )
    return replace(resource, status=state.value, rejection_reason=""), [event]


def publish(resource: Resource) -> tuple[Resource, list[Event]]:
    """The bureau approves the proposal and publishes the resource (CAT-3), without the
    items on the negative list (CAT-2)."""
    items = _may_enter(resource)
    state = advance(resource.status, Action.PUBLISH)
    event = ResourcePublished(
        resource_id=resource.resource_id,
        provider_org_id=resource.provider_org_id,
        registration_code=resource.registration_code,
        evidence_hash=resource.evidence_hash,
        items=list(items),
    )
    return replace(resource, status=state.value), [event]


def reject(resource: Resource, *, reason: str) -> tuple[Resource, list[Event]]:
    """The bureau rejects the proposal and says why (CAT-3)."""
    if not reason.strip():
        raise DomainError("a rejection states its reason", rule="CAT-3", field="reason")
    state = advance(resource.status, Action.REJECT)
    event = ResourceRejected(
        resource_id=resource.resource_id, provider_org_id=resource.provider_org_id, reason=reason
    )
    return replace(resource, status=state.value, rejection_reason=reason), [event]
