"""``/disclosure/resources``: the public list of registered data resources (DIS-1).

The controller is module-level; the service context it reads through
(``commands.resource_listings``) is the app-wide ``ctx`` dependency and its window the
shared ``paging`` dependency (``libs.http.app``)."""

from __future__ import annotations

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from libs.http.paging import Page, Paging
from libs.service import ServiceContext
from services.disclosure.commands import resource_listings
from services.disclosure.domain.resource_listing import ResourceListing


class ResourceListingView(msgspec.Struct, kw_only=True):
    resource_id: str
    region: str
    provider_org_id: str
    name: str
    description: str
    category: str
    update_frequency: str
    item_names: list[str]
    registration_code: str
    evidence_hash: str
    status: str
    registered_at: str
    updated_at: str


ResourceListingPage = Page[ResourceListingView]


def view(listing: ResourceListing) -> ResourceListingView:
    """The listing as answered: the same fields, converted by msgspec."""
    return msgspec.convert(listing, ResourceListingView, from_attributes=True)


class PublicResources(Controller):
    path = "/resources"
    tags = ["public"]
    opt = {"public": True}
    security = []

    @get("/", summary="Registered data resources, public (公开)")
    async def browse(
        self,
        ctx: NamedDependency[ServiceContext],
        paging: NamedDependency[Paging],
        category: FromQuery[str | None] = None,
        status: FromQuery[str | None] = "listed",
    ) -> ResourceListingPage:
        found, total = await resource_listings.listings(
            ctx, category=category, status=status, offset=paging.offset, limit=paging.limit
        )
        return paging.page_of(found, total, view)

    @get("/{resource_id:str}", summary="One registered resource, public")
    async def read(
        self, ctx: NamedDependency[ServiceContext], resource_id: FromPath[str]
    ) -> ResourceListingView:
        return view(await resource_listings.listing(ctx, resource_id))
