"""Other regions' resource topics, ``pdo.<parent or child>.catalog.resources.v1``, feed the
federated catalog (联邦目录, FED-1 and FED-2; ``commands/federation``).

The runtime subscribes these handlers to the parents' and children's topics only
(``ServiceParts.federated``), under the group ``pdo.<own region>.catalog.federation``,
with dead letters under the platform's own region.
"""

from __future__ import annotations

from collections.abc import Mapping

from contracts.envelope import Envelope
from libs.bus.consumer import EnvelopeHandler
from libs.service import ServiceContext
from services.catalog.commands import federation
from services.catalog.handlers.on_catalog_resources import RESOURCE_EVENT_TYPES


def handlers(ctx: ServiceContext) -> Mapping[str, EnvelopeHandler]:
    """Every event type of the resource topic, for records of other regions."""

    async def on_foreign_resource(envelope: Envelope) -> None:
        await federation.apply(ctx, envelope)

    return {event_type: on_foreign_resource for event_type in RESOURCE_EVENT_TYPES}
