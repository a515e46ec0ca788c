"""HTTP API of catalog: module-level controllers over ``services.catalog.commands`` —
resources and search (``resources``), the negative list (``negative_list``), objections
(``objections``), jurisdiction settings (``settings``) and other regions' resources
(``federation``). ``router`` mounts them with the
process's search read model as the ``search`` dependency; the service context and a
listing's window are the app-wide ``ctx`` and ``paging`` dependencies (``libs.http.app``)."""

from __future__ import annotations

import msgspec
from litestar import Router
from litestar.di import Provide

from services.catalog.adapters.read_model import SearchReadModel
from services.catalog.api.federation import FederatedResourcesController
from services.catalog.api.negative_list import NegativeListController
from services.catalog.api.objections import ObjectionController
from services.catalog.api.resources import ResourceController
from services.catalog.api.settings import SettingsController


def router(search: SearchReadModel[msgspec.Raw]) -> Router:
    """The controllers, each given the one search read model of this process."""

    def provide_search() -> SearchReadModel[msgspec.Raw]:
        return search

    return Router(
        path="/",
        route_handlers=[
            ResourceController,
            NegativeListController,
            ObjectionController,
            SettingsController,
            FederatedResourcesController,
        ],
        dependencies={"search": Provide(provide_search, sync_to_thread=False)},
    )
