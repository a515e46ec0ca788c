"""Turns the platform's public events into disclosure records appended to the log (DIS-1).

One handler serves every disclosed event type: the pure domain decides whether and what
the public sees (``domain.public_record``); the record is keyed by the event id, so a
redelivered event appends nothing (DIS-3); the tree-head signer is nudged to sign soon.
"""

from __future__ import annotations

from contracts.envelope import SYSTEM_ACTOR, Envelope
from libs.bus.consumer import EnvelopeHandler
from services.disclosure.adapters.log_repository import StoredLog
from services.disclosure.commands.tree_heads import TreeHeadSigner
from services.disclosure.domain.public_record import DISCLOSED_EVENT_TYPES, record_from


def disclose(stored: StoredLog, signer: TreeHeadSigner) -> EnvelopeHandler:
    async def on_public_event(envelope: Envelope) -> None:
        record = record_from(envelope)
        if record is None:
            return
        if await stored.append([record], actor=SYSTEM_ACTOR):
            signer.notify()

    return on_public_event


def handlers(stored: StoredLog, signer: TreeHeadSigner) -> dict[str, EnvelopeHandler]:
    handler = disclose(stored, signer)
    return {event_type: handler for event_type in DISCLOSED_EVENT_TYPES}
