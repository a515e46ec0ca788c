"""``/disclosure/resources``: the public list of registered data resources (DIS-1)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.params import FromPath, FromQuery, QueryParameter

from contracts.errors import NotFound
from libs.service import ServiceContext
from services.disclosure.domain.resource_listing import ResourceListing
from services.disclosure.repository import LISTINGS, from_doc


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


class ResourceListingPage(msgspec.Struct, kw_only=True):
    items: list[ResourceListingView]
    total: int
    offset: int
    limit: int


def view(listing: ResourceListing) -> ResourceListingView:
    return ResourceListingView(
        resource_id=listing.resource_id,
        region=listing.region,
        provider_org_id=listing.provider_org_id,
        name=listing.name,
        description=listing.description,
        category=listing.category,
        update_frequency=listing.update_frequency,
        item_names=list(listing.item_names),
        registration_code=listing.registration_code,
        evidence_hash=listing.evidence_hash,
        status=listing.status,
        registered_at=listing.registered_at,
        updated_at=listing.updated_at,
    )


def controller(ctx: ServiceContext) -> type[Controller]:
    class PublicResources(Controller):
        path = "/resources"
        tags = ["public"]
        opt = {"public": True}
        security = []

        @get("/", summary="Registered data resources, public (公开)")
        async def browse(
            self,
            category: FromQuery[str | None] = None,
            status: FromQuery[str | None] = "listed",
            offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
            limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        ) -> ResourceListingPage:
            where: dict[str, str] = {}
            if category:
                where["category"] = category
            if status:
                where["status"] = status
            docs = await ctx.store.find(
                LISTINGS, where, sort=[("registration_code", 1)], skip=offset, limit=limit
            )
            total = await ctx.store.count(LISTINGS, where)
            return ResourceListingPage(
                items=[view(from_doc(d)) for d in docs], total=total, offset=offset, limit=limit
            )

        @get("/{resource_id:str}", summary="One registered resource, public")
        async def read(self, resource_id: FromPath[str]) -> ResourceListingView:
            doc = await ctx.store.get(LISTINGS, resource_id)
            if doc is None:
                raise NotFound(f"no public listing for resource {resource_id}")
            return view(from_doc(doc))

    return PublicResources
