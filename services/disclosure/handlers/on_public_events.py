"""Turns the platform's public events into disclosure records appended to the log (DIS-1).

One handler serves every disclosed event type: the pure domain decides whether and what
the public sees (``domain.public_record``); the record is keyed by the event id, so a
redelivered event appends nothing (DIS-3); the tree-head signer is nudged to sign soon.
A run of consecutive events of one type, as the consumer hands it over, is appended in
one call (``batch_handlers``): one head write and one write-out for the whole run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from contracts.envelope import SYSTEM_ACTOR, Envelope
from libs.bus.consumer import BatchEnvelopeHandler, EnvelopeHandler
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


def disclose_run(
    stored: StoredLog, signer: TreeHeadSigner, then: EnvelopeHandler | None = None
) -> BatchEnvelopeHandler:
    """Append the records of a run of events in one call, in order; then hand each event
    to ``then`` (the other views of the same event type), as the per-event handler
    does."""

    async def on_public_events(envelopes: Sequence[Envelope]) -> None:
        records = [r for r in (record_from(e) for e in envelopes) if r is not None]
        if records and await stored.append(records, actor=SYSTEM_ACTOR):
            signer.notify()
        if then is not None:
            for envelope in envelopes:
                await then(envelope)

    return on_public_events


def batch_handlers(
    stored: StoredLog, signer: TreeHeadSigner, others: Mapping[str, EnvelopeHandler]
) -> dict[str, BatchEnvelopeHandler]:
    """Every disclosed event type's run handler; ``others``: the other handlers of those
    types, run after the log for each event of the run."""
    return {
        event_type: disclose_run(stored, signer, others.get(event_type))
        for event_type in DISCLOSED_EVENT_TYPES
    }
