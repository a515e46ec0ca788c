"""The catalog's own resource events, ``pdo.<region>.catalog.resources.v1``, feed this
process's search read model (``services.catalog.adapters.read_model``).

The catalog subscribes to its own resource topic (not listed among the topic's
consumers: this is a read model of the producer itself, not a step of the choreography).
Each event names a resource, which the read model re-reads from the store, so
redelivered, late or reordered events converge on the stored state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contracts.topics import topic_for
from libs.bus.consumer import EnvelopeHandler
from services.catalog.adapters.read_model import SearchReadModel

RESOURCE_EVENT_TYPES: tuple[str, ...] = tuple(
    str(event.__struct_config__.tag) for event in topic_for("resource.registered").events
)


def handlers(read_model: SearchReadModel[Any]) -> Mapping[str, EnvelopeHandler]:
    """Every event type of the resource topic, to the read model."""
    return {event_type: read_model.on_event for event_type in RESOURCE_EVENT_TYPES}
