"""Wires disclosure: the public HTTP app, the resource listings kept from catalog events,
the public records and their transparency log (DIS-1, DIS-3), the tree-head signer, the
annual disclosure report (DIS-2) and the public pages."""

from __future__ import annotations

from functools import partial

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts
from services.disclosure.adapters.log_repository import STATE, StoredLog
from services.disclosure.api import router
from services.disclosure.commands.tree_heads import TREE_HEADS, TreeHeadSigner
from services.disclosure.handlers import merged, on_annual_facts, on_public_events
from services.disclosure.handlers.on_catalog_resources import (
    on_resource_changed,
    on_resource_registered,
    on_resource_withdrawn,
)


def build(ctx: ServiceContext) -> ServiceParts:
    stored = StoredLog(ctx)
    signer = TreeHeadSigner(ctx, stored)
    app = service_app(
        ctx,
        "disclosure — 信息公开",
        [router(stored)],
        description=(
            "Public disclosure records (公开记录), resource listings and the transparency "
            "log (透明日志): signed tree heads, inclusion and consistency proofs."
        ),
    )
    # Where two views take one event, the log's record goes first: it does not depend on
    # the listing having arrived. Each view is idempotent, so a retry of both is harmless.
    listings = {
        "resource.registered": partial(on_resource_registered, ctx),
        "resource.changed": partial(on_resource_changed, ctx),
        "resource.withdrawn": partial(on_resource_withdrawn, ctx),
    }
    others = merged(listings, on_annual_facts.handlers(ctx))
    handlers = merged(on_public_events.handlers(stored, signer), others)
    return ServiceParts(
        name="disclosure",
        app=app,
        handlers=handlers,
        batch_handlers=on_public_events.batch_handlers(stored, signer, others),
        outbox_collections=(STATE, TREE_HEADS),
        on_start=(signer.start,),
        on_stop=(signer.stop,),
    )
