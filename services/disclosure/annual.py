"""The annual disclosure report (DIS-2) and the public pages, ready to wire into
``bootstrap.build``: the controllers, and the handlers that record the report's facts.

Most of these event types already feed disclosure's records and listings; ``merged``
chains two handler maps so one event feeds both (each handler is idempotent by the
event id, so a retry of the pair is harmless).
"""

from __future__ import annotations

from collections.abc import Mapping

from litestar import Controller

from contracts.envelope import Envelope
from libs.bus.consumer import EnvelopeHandler
from libs.service import ServiceContext
from services.disclosure.api import annual_report, pages
from services.disclosure.handlers import on_annual_facts


def controllers(ctx: ServiceContext) -> list[type[Controller]]:
    return [annual_report.controller(ctx), pages.controller(ctx)]


def handlers(ctx: ServiceContext) -> Mapping[str, EnvelopeHandler]:
    return on_annual_facts.handlers(ctx)


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
