"""Wires disclosure: the public HTTP app, the resource listings kept from catalog events,
the public records and their transparency log (DIS-1, DIS-3) and the tree-head signer."""

from __future__ import annotations

from functools import partial

from contracts.envelope import Envelope
from libs.bus.consumer import EnvelopeHandler
from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts
from services.disclosure.api import log, records, resources
from services.disclosure.handlers import on_public_events
from services.disclosure.handlers.on_catalog_resources import (
    on_resource_changed,
    on_resource_registered,
    on_resource_withdrawn,
)
from services.disclosure.log_repository import STATE, StoredLog
from services.disclosure.tree_heads import TREE_HEADS, TreeHeadSigner


def _both(first: EnvelopeHandler, second: EnvelopeHandler) -> EnvelopeHandler:
    """One event feeding two views; each is idempotent, so a retry of both is harmless."""

    async def handle(envelope: Envelope) -> None:
        await first(envelope)
        await second(envelope)

    return handle


def build(ctx: ServiceContext) -> ServiceParts:
    stored = StoredLog(ctx)
    signer = TreeHeadSigner(ctx, stored)
    app = service_app(
        ctx,
        "disclosure — 信息公开",
        [resources.controller(ctx), records.controller(ctx, stored), log.controller(ctx, stored)],
        description=(
            "Public disclosure records (公开记录), resource listings and the transparency "
            "log (透明日志): signed tree heads, inclusion and consistency proofs."
        ),
    )
    handlers: dict[str, EnvelopeHandler] = dict(on_public_events.handlers(stored, signer))
    handlers["resource.registered"] = partial(on_resource_registered, ctx)
    handlers["resource.changed"] = partial(on_resource_changed, ctx)
    # Logged first: the record does not depend on the listing having arrived.
    handlers["resource.withdrawn"] = _both(
        handlers["resource.withdrawn"], partial(on_resource_withdrawn, ctx)
    )
    return ServiceParts(
        name="disclosure",
        app=app,
        handlers=handlers,
        outbox_collections=(STATE, TREE_HEADS),
        on_start=(signer.start,),
        on_stop=(signer.stop,),
    )
