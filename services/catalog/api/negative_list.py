"""``/catalog/negative-list``: the bureau's negative list (负面清单, CAT-2)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from contracts.envelope import Role
from libs.auth.guard import principal_of, roles
from libs.http.paging import Paging
from libs.http.views import converted
from libs.service import ServiceContext
from services.catalog.adapters.read_model import SearchReadModel
from services.catalog.api.resources import READERS
from services.catalog.api.schemas import NegativeListBody, NegativeListEntryView, NegativeListPage
from services.catalog.commands import resources as commands
from services.catalog.domain.listing import Listing
from services.catalog.domain.resource import Resource


def entry_view(resource: Resource, entry: Listing) -> NegativeListEntryView:
    """The entry as answered, with its resource's name, provider, code and status."""
    return converted(
        entry,
        NegativeListEntryView,
        resource_name=resource.name,
        provider_org_id=resource.provider_org_id,
        registration_code=resource.registration_code,
        resource_status=resource.status,
    )


class NegativeListController(Controller):
    path = "/negative-list"
    tags = ["negative list"]

    @post(
        "/",
        guards=[roles(Role.BUREAU)],
        summary="Put a resource or one data item on the negative list (列入负面清单)",
    )
    async def add(
        self,
        ctx: NamedDependency[ServiceContext],
        search: NamedDependency[SearchReadModel[msgspec.Raw]],
        request: Request[Any, Any, Any],
        data: JSONBody[NegativeListBody],
    ) -> NegativeListEntryView:
        resource = await commands.add_to_negative_list(
            ctx,
            principal_of(request),
            data.resource_id,
            reason=data.reason,
            item_name=data.item_name,
        )
        await search.took_effect(resource.resource_id)
        return entry_view(resource, resource.negative_entries[-1])

    @get("/", guards=[roles(*READERS)], summary="The negative list")
    async def browse(
        self,
        ctx: NamedDependency[ServiceContext],
        paging: NamedDependency[Paging],
    ) -> NegativeListPage:
        entries, total = await commands.negative_list_page(
            ctx, skip=paging.offset, limit=paging.limit
        )
        return paging.page(items=[entry_view(r, e) for r, e in entries], total=total)
