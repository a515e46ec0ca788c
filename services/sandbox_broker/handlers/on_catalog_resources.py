"""``catalog.resources``: keep the resource schemas (items, grades, negative list); what
leaves the operation catalog later (negative listing, withdrawal, withheld items) is
removed from every sandbox it is mounted in, running jobs stopped, the reason recorded
(CAT-2)."""

from __future__ import annotations

from collections.abc import Mapping

from contracts.envelope import Envelope
from contracts.events import (
    ResourceChanged,
    ResourceNegativeListed,
    ResourceRegistered,
    ResourceWithdrawn,
)
from contracts.expect import expect
from libs.bus.consumer import EnvelopeHandler
from services.sandbox_broker.commands import SandboxService

RESOURCE_EVENTS = (
    "resource.registered",
    "resource.changed",
    "resource.negative_listed",
    "resource.withdrawn",
)


def handlers(service: SandboxService) -> Mapping[str, EnvelopeHandler]:
    async def on_resource(envelope: Envelope) -> None:
        event = expect(
            envelope, ResourceRegistered, ResourceChanged, ResourceNegativeListed, ResourceWithdrawn
        )
        await service.keep_schema(event)
        items: frozenset[str] | None
        if isinstance(event, ResourceNegativeListed):
            items = None if event.item_name is None else frozenset({event.item_name})
            what = "resource" if items is None else f"data item {event.item_name}"
            reason = f"{what} negative-listed (负面清单, CAT-2): {event.reason}"
        elif isinstance(event, ResourceWithdrawn):
            items = None
            reason = f"resource withdrawn from the operation catalog (CAT-2): {event.reason}"
        elif isinstance(event, ResourceChanged) and event.withheld_items:
            items = frozenset(event.withheld_items)
            reason = f"data items {', '.join(sorted(items))} withheld (负面清单, CAT-2)"
        else:
            return
        await service.narrow_resource(event.resource_id, items, reason, cause=envelope)

    return dict.fromkeys(RESOURCE_EVENTS, on_resource)
