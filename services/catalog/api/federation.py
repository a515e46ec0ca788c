"""``/catalog/federated-resources``: other regions' resources seen by this platform, each
with its region of origin (来源区划; FED-1 county on the city's catalog, FED-2 upward
and 回流), one page at a time (the shared page, with this platform's region)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from libs.auth.guard import roles
from libs.http.paging import Page, Paging
from libs.service import ServiceContext
from services.catalog.api.resources import READERS
from services.catalog.commands import federation
from services.catalog.domain.federation import FederatedResource


class FederatedResourceView(msgspec.Struct, frozen=True, kw_only=True):
    origin_region: str
    resource_id: str
    relation: str
    provider_org_id: str
    name: str
    category: str
    registration_code: str
    status: str
    published_items: list[str]
    source_event_id: str
    """The origin's event that last changed this entry (traceable to it)."""
    events_applied: int
    """How many of the origin's events changed this entry (a redelivery changes none)."""


class FederatedResourcePage(Page[FederatedResourceView], kw_only=True):
    """The shared page, naming this platform's own region."""

    items: list[FederatedResourceView]
    """Restated: the OpenAPI generator does not resolve a generic base's item type."""
    region: str


def view(entry: FederatedResource) -> FederatedResourceView:
    """The entry as answered: the same fields, converted by msgspec."""
    return msgspec.convert(entry, FederatedResourceView, from_attributes=True)


OriginQuery = Annotated[str | None, QueryParameter(pattern=r"^\d{6}$")]


class FederatedResourcesController(Controller):
    path = "/federated-resources"
    tags = ["federation"]

    @get(
        "/",
        guards=[roles(*READERS)],
        summary="Other regions' resources, with their region of origin (FED-1, FED-2)",
    )
    async def list_federated(
        self,
        ctx: NamedDependency[ServiceContext],
        paging: NamedDependency[Paging],
        origin_region: OriginQuery = None,
    ) -> FederatedResourcePage:
        entries, total = await federation.listing(
            ctx, origin_region, skip=paging.offset, limit=paging.limit
        )
        return FederatedResourcePage(
            region=ctx.region,
            items=[view(e) for e in entries],
            total=total,
            offset=paging.offset,
            limit=paging.limit,
        )
