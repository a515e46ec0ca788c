"""``product.exports``: ``export.requested`` — stage the output for product-release's
disclosure checks, or say why not (EXP-2, SBX-1, SBX-2, SBX-6, SBX-7)."""

from __future__ import annotations

from collections.abc import Mapping

from contracts.envelope import Envelope
from contracts.events import ExportRequested
from contracts.expect import expect
from libs.bus.consumer import EnvelopeHandler
from services.sandbox_broker.commands import ExportStager


def handlers(stager: ExportStager) -> Mapping[str, EnvelopeHandler]:
    async def on_export_requested(envelope: Envelope) -> None:
        await stager.stage(expect(envelope, ExportRequested), envelope)

    return {"export.requested": on_export_requested}
