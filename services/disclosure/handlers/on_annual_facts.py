"""Records the facts of the annual disclosure report (DIS-2) from identity, catalog,
request-review, product-release and billing events.

One handler for every type in ``FACT_EVENT_TYPES``: the pure domain picks the fields
(``fact_from``), the fact is stored under the event id, so a redelivery changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

from contracts.envelope import Envelope
from libs.bus.consumer import EnvelopeHandler
from libs.service import ServiceContext
from services.disclosure.commands import annual_facts
from services.disclosure.domain.annual_report import FACT_EVENT_TYPES, fact_from


def on_annual_fact(ctx: ServiceContext) -> EnvelopeHandler:
    async def handle(envelope: Envelope) -> None:
        fact = fact_from(envelope)
        if fact is not None:
            await annual_facts.record(ctx.store, fact)

    return handle


def handlers(ctx: ServiceContext) -> Mapping[str, EnvelopeHandler]:
    handler = on_annual_fact(ctx)
    return {event_type: handler for event_type in FACT_EVENT_TYPES}
