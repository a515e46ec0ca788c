"""Event handlers of disclosure, one module per subscribed topic (``on_<topic>``), and
``merged``: where two views take one event type, one handler that runs both.

Most of the annual report's event types (``on_annual_facts``) already feed disclosure's
records and listings; ``merged`` chains two handler maps so one event feeds both (each
handler is idempotent by the event id, so a retry of the pair is harmless).
"""

from __future__ import annotations

from collections.abc import Mapping

from contracts.envelope import Envelope
from libs.bus.consumer import EnvelopeHandler


def _chain(first: EnvelopeHandler, second: EnvelopeHandler) -> EnvelopeHandler:
    async def handle(envelope: Envelope) -> None:
        await first(envelope)
        await second(envelope)

    return handle


def merged(
    existing: Mapping[str, EnvelopeHandler], extra: Mapping[str, EnvelopeHandler]
) -> dict[str, EnvelopeHandler]:
    """Both maps in one; where both handle a type, ``existing`` runs first."""
    result = dict(existing)
    for event_type, handler in extra.items():
        earlier = result.get(event_type)
        result[event_type] = handler if earlier is None else _chain(earlier, handler)
    return result


__all__ = ["merged"]
