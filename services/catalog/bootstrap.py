"""Wires catalog: its HTTP app, the search read model kept from its own resource events,
the deadline sweep, the collections whose outbox the relay drains, and at start the
negative list's paged entries for resources listed before they were kept."""

from __future__ import annotations

from functools import partial

import msgspec

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts
from services.catalog.adapters.read_model import SearchReadModel
from services.catalog.api import router
from services.catalog.api.resources import encoded_view
from services.catalog.commands.deadline_sweep import deadline_sweeper
from services.catalog.commands.resources import keep_negative_list
from services.catalog.handlers import on_parent_catalog_resources
from services.catalog.handlers.on_catalog_resources import handlers
from services.catalog.repository import OBJECTIONS, RESOURCES


def build(ctx: ServiceContext) -> ServiceParts:
    # A hit is the resource's API view, encoded once per change (not once per request).
    search: SearchReadModel[msgspec.Raw] = SearchReadModel(ctx, encoded_view)
    sweeper = deadline_sweeper(ctx)
    app = service_app(
        ctx,
        "catalog — 资源目录",
        [router(search)],
        description=(
            "Resource catalog, classification and grading, registration (登记), the "
            "operation catalog (运营目录), the negative list (负面清单) and data-quality "
            "objections (异议)."
        ),
    )
    return ServiceParts(
        name="catalog",
        app=app,
        # Every replica keeps its own search index, so every replica reads every event.
        projections=handlers(search),
        federated=on_parent_catalog_resources.handlers(ctx),
        outbox_collections=(RESOURCES, OBJECTIONS),
        on_start=(search.load, partial(keep_negative_list, ctx), sweeper.start),
        on_stop=(sweeper.stop,),
    )
