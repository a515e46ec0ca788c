"""The public list of resources (DIS-1) paged from its declared index: the same pages and
totals as a read without the index, filtered by status and category, in registration
order; the index is declared by the first read and kept by every later write."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from libs.service import ServiceContext
from libs.store.sqlite import SqliteDocumentStore
from services.disclosure.commands import resource_listings
from services.disclosure.domain.resource_listing import ResourceListing
from services.disclosure.repository import LISTINGS, to_doc
from tests.support.stores import store_context

LISTING = ResourceListing(
    resource_id="res-0",
    region="370300",
    provider_org_id="org-370300-tax",
    name="纳税信用",
    description="纳税人信用等级",
    category="finance",
    update_frequency="monthly",
    item_names=("纳税人识别号", "信用等级"),
    registration_code="R-0000",
    evidence_hash="0" * 64,
    status="listed",
    registered_at="2026-03-01T00:00:00+00:00",
    updated_at="2026-03-01T00:00:00+00:00",
)


def _ctx(store: SqliteDocumentStore) -> ServiceContext:
    return store_context(store, "disclosure")


def _listing(n: int) -> ResourceListing:
    return replace(
        LISTING,
        resource_id=f"res-{n:03d}",
        # registration codes in another order than the resource ids
        registration_code=f"R-{(n * 37) % 100:04d}",
        category="finance" if n % 2 else "traffic",
        status="withdrawn" if n % 5 == 0 else "listed",
    )


async def _pages(ctx: ServiceContext) -> list[tuple[list[str], int]]:
    found = []
    for category in (None, "finance", "traffic"):
        for status in (None, "listed", "withdrawn"):
            for offset in (0, 7, 35):
                page, total = await resource_listings.listings(
                    ctx, category=category, status=status, offset=offset, limit=10
                )
                found.append(([p.resource_id for p in page], total))
    return found


async def test_DIS_1_listing_pages_from_the_index_equal_the_unindexed_read(
    tmp_path: Path,
) -> None:
    listings = [_listing(n) for n in range(100)]
    plain_store = SqliteDocumentStore(tmp_path / "plain.db")
    await plain_store.insert_many(LISTINGS, [to_doc(x) for x in listings])
    plain: list[tuple[list[str], int]] = []
    for category in (None, "finance", "traffic"):
        for status in (None, "listed", "withdrawn"):
            for offset in (0, 7, 35):
                where = {k: v for k, v in (("category", category), ("status", status)) if v}
                docs = await plain_store.find(
                    LISTINGS, where, sort=[("registration_code", 1)], skip=offset, limit=10
                )
                plain.append(([d["_id"] for d in docs], await plain_store.count(LISTINGS, where)))
    store = SqliteDocumentStore(tmp_path / "disclosure.db")
    await store.insert_many(LISTINGS, [to_doc(x) for x in listings])
    assert await _pages(_ctx(store)) == plain
    first, total = await resource_listings.listings(
        _ctx(store), category=None, status="listed", offset=0, limit=3
    )
    assert total == 80
    assert [x.registration_code for x in first] == ["R-0001", "R-0002", "R-0003"]
    await plain_store.close()
    await store.close()


async def test_DIS_1_a_withdrawal_after_the_index_leaves_the_listed_page(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "disclosure.db")
    ctx = _ctx(store)
    await store.insert_many(LISTINGS, [to_doc(_listing(n)) for n in range(1, 5)])
    page, total = await resource_listings.listings(
        ctx, category=None, status="listed", offset=0, limit=10
    )
    assert (total, [x.resource_id for x in page]) == (
        4,
        ["res-003", "res-001", "res-004", "res-002"],
    )
    doc = await store.get(LISTINGS, "res-004")
    assert doc is not None
    await store.replace(LISTINGS, {**doc, "status": "withdrawn"}, doc["_version"])
    page, total = await resource_listings.listings(
        ctx, category=None, status="listed", offset=0, limit=10
    )
    assert (total, [x.resource_id for x in page]) == (3, ["res-003", "res-001", "res-002"])
    gone, total = await resource_listings.listings(
        ctx, category=None, status="withdrawn", offset=0, limit=10
    )
    assert (total, [x.resource_id for x in gone]) == (1, ["res-004"])
    await store.close()
