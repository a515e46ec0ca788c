"""Reads of the public resource listings (资源目录公开, DIS-1): one page of listings,
filtered by category and status and ordered by registration code, paged in the store
from an index on those fields (declared on first use); and one listing by its resource
id."""

from __future__ import annotations

from contracts.errors import NotFound
from libs.service import ServiceContext
from services.disclosure.domain.resource_listing import ResourceListing
from services.disclosure.repository import LISTINGS, ensure_listing_indexes, from_doc


async def listings(
    ctx: ServiceContext,
    *,
    category: str | None,
    status: str | None,
    offset: int,
    limit: int,
) -> tuple[list[ResourceListing], int]:
    """The listings from ``offset`` (at most ``limit``) and how many match in all."""
    where: dict[str, str] = {}
    if category:
        where["category"] = category
    if status:
        where["status"] = status
    await ensure_listing_indexes(ctx.store)
    docs = await ctx.store.find(
        LISTINGS, where, sort=[("registration_code", 1)], skip=offset, limit=limit
    )
    return [from_doc(d) for d in docs], await ctx.store.count(LISTINGS, where)


async def listing(ctx: ServiceContext, resource_id: str) -> ResourceListing:
    """One public listing; 404 when the resource was never registered."""
    doc = await ctx.store.get(LISTINGS, resource_id)
    if doc is None:
        raise NotFound(f"no public listing for resource {resource_id}")
    return from_doc(doc)
